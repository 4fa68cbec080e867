-- Grain: one row per merchant_label, subscription_id (SFTP subscription report, Ordergroove's
-- internal ids). Empty without SFTP.
select
    merchant_label,
    subscription_id,
    merchant as merchant_name,
    ordergroove_user_id, merchant_user_id as customer_id, create_date as create_local_date,
    {{ og_ts('create_time', 'create_time') }},
    start_date as start_local_date, customer_status, public_subscription_id, subscription_status,
    cancel_date as cancel_local_date, offer_id, merchant_order_id, merchant_product_id,
    product_name, quantity, price, frequency, frequency_days,
    next_order_date as next_order_local_date, cancel_reason as cancel_reason_text,
    cancel_reason_code, currency_code,
    {{ og_ts('created', 'created') }},
    {{ og_ts('updated', 'updated') }},
    extra_columns, _sdc_source_file as source_file,
    {{ og_soft_delete() }}
from {{ og_source('subscription_report', [
    'subscription_id text', 'merchant text', 'ordergroove_user_id bigint',
    'merchant_user_id text', 'create_date date', 'create_time timestamp', 'start_date date',
    'customer_status text', 'public_subscription_id text', 'subscription_status text',
    'cancel_date date', 'offer_id text', 'merchant_order_id text', 'merchant_product_id text',
    'product_name text', 'quantity bigint', 'price numeric', 'frequency text',
    'frequency_days bigint', 'next_order_date date', 'cancel_reason text',
    'cancel_reason_code text', 'currency_code text', 'created timestamp', 'updated timestamp',
    'extra_columns jsonb', '_sdc_source_file text']) }} as s
