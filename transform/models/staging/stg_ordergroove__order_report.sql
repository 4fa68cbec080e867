-- Grain: one row per merchant_label, order_item_id (SFTP order report: one row per order
-- item, Ordergroove's internal ids; they do not join to REST public_ids). Empty without SFTP.
select
    merchant_label,
    order_item_id,
    merchant as merchant_name,
    ordergroove_user_id, merchant_user_id as customer_id, place_date as place_local_date,
    ordergroove_order_id, ordergroove_subscription_id, email_address, first_name, last_name,
    product, external_product_id as product_id, sku, quantity, price, order_subtotal,
    order_status, merchant_order_id, rejected_error_code, order_id, order_merchant_id,
    subscription_id, offer_id, product_name, extra_cost, total_price, one_time,
    order_tax_total, order_shipping_total, order_discount_total, order_total, currency_code,
    {{ og_ts('cancelled', 'cancelled') }},
    {{ og_ts('created', 'created') }},
    {{ og_ts('updated', 'updated') }},
    extra_columns, _sdc_source_file as source_file,
    {{ og_soft_delete() }}
from {{ og_source('order_report', [
    'order_item_id text', 'merchant text', 'ordergroove_user_id bigint', 'merchant_user_id text',
    'place_date date', 'ordergroove_order_id bigint', 'ordergroove_subscription_id text',
    'email_address text', 'first_name text', 'last_name text', 'product text',
    'external_product_id text', 'sku text', 'quantity bigint', 'price numeric',
    'order_subtotal numeric', 'order_status text', 'merchant_order_id text',
    'rejected_error_code text', 'order_id text', 'order_merchant_id text', 'subscription_id text',
    'offer_id text', 'product_name text', 'extra_cost numeric', 'total_price numeric',
    'one_time boolean', 'order_tax_total numeric', 'order_shipping_total numeric',
    'order_discount_total numeric', 'order_total numeric', 'currency_code text',
    'cancelled timestamp', 'created timestamp', 'updated timestamp', 'extra_columns jsonb',
    '_sdc_source_file text']) }} as s
