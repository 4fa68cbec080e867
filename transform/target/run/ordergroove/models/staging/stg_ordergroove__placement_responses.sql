
  create view "test"."ordergroove_analytics"."stg_ordergroove__placement_responses__dbt_tmp"
    
    
  as (
    -- Grain: one row per merchant_label, placement_response_id (one billing attempt of an order).
-- is_success: response code 000; an order's placed time is its first successful attempt.
select
    merchant_label,
    public_id as placement_response_id,
    "order" as order_id,
    response_code,
    response_message,
    response_code = '000' as is_success,
    created as created_at_utc,
  ((created at time zone 'UTC') at time zone 'America/Chicago')::date as created_local_date,
  date_trunc('month', ((created at time zone 'UTC') at time zone 'America/Chicago'))::date as created_local_month,
    response_payload,
    transaction_response,
    _sdc_deleted_at is not null as is_deleted,
  case when _sdc_deleted_at is not null then 'sdc_deleted_at' end as deleted_via,
  _sdc_deleted_at as deleted_at_utc
from (select null::text as "public_id", null::text as "order", null::text as "response_code", null::text as "response_message", null::timestamp as "created", null::text as "response_payload", null::text as "transaction_response", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as s
  );