
  create view "test"."ordergroove_analytics"."stg_ordergroove__subscription_report__dbt_tmp"
    
    
  as (
    -- Grain: one row per merchant_label, subscription_id (SFTP subscription report, Ordergroove's
-- internal ids). Empty without SFTP.
select
    merchant_label,
    subscription_id,
    merchant as merchant_name,
    ordergroove_user_id, merchant_user_id as customer_id, create_date as create_local_date,
    create_time as create_time_at_utc,
  ((create_time at time zone 'UTC') at time zone 'America/Chicago')::date as create_time_local_date,
  date_trunc('month', ((create_time at time zone 'UTC') at time zone 'America/Chicago'))::date as create_time_local_month,
    start_date as start_local_date, customer_status, public_subscription_id, subscription_status,
    cancel_date as cancel_local_date, offer_id, merchant_order_id, merchant_product_id,
    product_name, quantity, price, frequency, frequency_days,
    next_order_date as next_order_local_date, cancel_reason as cancel_reason_text,
    cancel_reason_code, currency_code,
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
from (select null::text as "subscription_id", null::text as "merchant", null::bigint as "ordergroove_user_id", null::text as "merchant_user_id", null::date as "create_date", null::timestamp as "create_time", null::date as "start_date", null::text as "customer_status", null::text as "public_subscription_id", null::text as "subscription_status", null::date as "cancel_date", null::text as "offer_id", null::text as "merchant_order_id", null::text as "merchant_product_id", null::text as "product_name", null::bigint as "quantity", null::numeric as "price", null::text as "frequency", null::bigint as "frequency_days", null::date as "next_order_date", null::text as "cancel_reason", null::text as "cancel_reason_code", null::text as "currency_code", null::timestamp as "created", null::timestamp as "updated", null::jsonb as "extra_columns", null::text as "_sdc_source_file", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as s
  );