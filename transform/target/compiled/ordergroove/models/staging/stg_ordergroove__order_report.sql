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
    cancelled as cancelled_at_utc,
  ((cancelled at time zone 'UTC') at time zone 'America/Chicago')::date as cancelled_local_date,
  date_trunc('month', ((cancelled at time zone 'UTC') at time zone 'America/Chicago'))::date as cancelled_local_month,
    created as created_at_utc,
  ((created at time zone 'UTC') at time zone 'America/Chicago')::date as created_local_date,
  date_trunc('month', ((created at time zone 'UTC') at time zone 'America/Chicago'))::date as created_local_month,
    updated as updated_at_utc,
  ((updated at time zone 'UTC') at time zone 'America/Chicago')::date as updated_local_date,
  date_trunc('month', ((updated at time zone 'UTC') at time zone 'America/Chicago'))::date as updated_local_month,
    extra_columns, _sdc_source_file as source_file,
    _sdc_deleted_at is not null as is_deleted,
  case when _sdc_deleted_at is not null then 'sdc_deleted_at' end as deleted_via,
  _sdc_deleted_at as deleted_at_utc
from (select null::text as "order_item_id", null::text as "merchant", null::bigint as "ordergroove_user_id", null::text as "merchant_user_id", null::date as "place_date", null::bigint as "ordergroove_order_id", null::text as "ordergroove_subscription_id", null::text as "email_address", null::text as "first_name", null::text as "last_name", null::text as "product", null::text as "external_product_id", null::text as "sku", null::bigint as "quantity", null::numeric as "price", null::numeric as "order_subtotal", null::text as "order_status", null::text as "merchant_order_id", null::text as "rejected_error_code", null::text as "order_id", null::text as "order_merchant_id", null::text as "subscription_id", null::text as "offer_id", null::text as "product_name", null::numeric as "extra_cost", null::numeric as "total_price", null::boolean as "one_time", null::numeric as "order_tax_total", null::numeric as "order_shipping_total", null::numeric as "order_discount_total", null::numeric as "order_total", null::text as "currency_code", null::timestamp as "cancelled", null::timestamp as "created", null::timestamp as "updated", null::jsonb as "extra_columns", null::text as "_sdc_source_file", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as s