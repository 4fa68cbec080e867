
  create view "test"."ordergroove_analytics"."stg_ordergroove__deleted_records__dbt_tmp"
    
    
  as (
    -- Grain: one row per merchant_label, object_type, object_id, event_id (the receiver's log of
-- order.delete / item.remove webhooks). Empty when the webhook store is not configured.
select
    merchant_label,
    object_type,
    public_id as object_id,
    event_id,
    deleted_at as deleted_at_utc,
  ((deleted_at at time zone 'UTC') at time zone 'America/Chicago')::date as deleted_local_date,
  date_trunc('month', ((deleted_at at time zone 'UTC') at time zone 'America/Chicago'))::date as deleted_local_month,
    coalesce(has_snapshot, false) as has_snapshot,
    seq
from (select null::text as "object_type", null::text as "public_id", null::text as "event_id", null::timestamp as "deleted_at", null::boolean as "has_snapshot", null::bigint as "seq", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as d
  );