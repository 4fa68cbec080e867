
  create view "test"."ordergroove_analytics"."stg_ordergroove__one_time_incentives__dbt_tmp"
    
    
  as (
    -- Grain: one row per merchant_label, one_time_incentive_id.
select
    merchant_label,
    public_id as one_time_incentive_id,
    external_code, description,
    merchant as merchant_public_id,
    customer as customer_id,
    "order" as order_id,
    item as item_id,
    created as created_at_utc,
  ((created at time zone 'UTC') at time zone 'America/Chicago')::date as created_local_date,
  date_trunc('month', ((created at time zone 'UTC') at time zone 'America/Chicago'))::date as created_local_month,
    last_updated as last_updated_at_utc,
  ((last_updated at time zone 'UTC') at time zone 'America/Chicago')::date as last_updated_local_date,
  date_trunc('month', ((last_updated at time zone 'UTC') at time zone 'America/Chicago'))::date as last_updated_local_month,
    applied_at as applied_at_utc,
  ((applied_at at time zone 'UTC') at time zone 'America/Chicago')::date as applied_local_date,
  date_trunc('month', ((applied_at at time zone 'UTC') at time zone 'America/Chicago'))::date as applied_local_month,
    incentive,
    _sdc_deleted_at is not null as is_deleted,
  case when _sdc_deleted_at is not null then 'sdc_deleted_at' end as deleted_via,
  _sdc_deleted_at as deleted_at_utc
from (select null::text as "public_id", null::text as "external_code", null::text as "description", null::text as "merchant", null::text as "customer", null::text as "order", null::text as "item", null::timestamp as "created", null::timestamp as "last_updated", null::timestamp as "applied_at", null::jsonb as "incentive", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as s
  );