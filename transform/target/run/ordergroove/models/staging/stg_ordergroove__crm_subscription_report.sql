
  create view "test"."ordergroove_analytics"."stg_ordergroove__crm_subscription_report__dbt_tmp"
    
    
  as (
    -- Grain: one row per merchant_label, og_subscription_id (SFTP CRM subscription file). Empty
-- without SFTP.
select
    merchant_label,
    og_subscription_id,
    customer_id as ordergroove_customer_id,
    customer_email,
    subscription_create_date as subscription_create_at_utc,
  ((subscription_create_date at time zone 'UTC') at time zone 'America/Chicago')::date as subscription_create_local_date,
  date_trunc('month', ((subscription_create_date at time zone 'UTC') at time zone 'America/Chicago'))::date as subscription_create_local_month,
    merchant_order_id, external_product_id as product_id, sku, quantity, frequency,
    subscription_status,
    next_order_date as next_order_at_utc,
  ((next_order_date at time zone 'UTC') at time zone 'America/Chicago')::date as next_order_local_date,
  date_trunc('month', ((next_order_date at time zone 'UTC') at time zone 'America/Chicago'))::date as next_order_local_month,
    extra_columns, _sdc_source_file as source_file,
    _sdc_deleted_at is not null as is_deleted,
  case when _sdc_deleted_at is not null then 'sdc_deleted_at' end as deleted_via,
  _sdc_deleted_at as deleted_at_utc
from (select null::text as "og_subscription_id", null::bigint as "customer_id", null::text as "customer_email", null::timestamp as "subscription_create_date", null::text as "merchant_order_id", null::text as "external_product_id", null::text as "sku", null::bigint as "quantity", null::bigint as "frequency", null::bigint as "subscription_status", null::timestamp as "next_order_date", null::jsonb as "extra_columns", null::text as "_sdc_source_file", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as s
  );