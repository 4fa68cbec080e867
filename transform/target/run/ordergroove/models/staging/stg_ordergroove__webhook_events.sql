
  create view "test"."ordergroove_analytics"."stg_ordergroove__webhook_events__dbt_tmp"
    
    
  as (
    -- Grain: one row per merchant_label, event_id (every webhook the receiver stored, in
-- arrival order). Empty when the webhook store is not configured.
select
    merchant_label,
    event_id,
    seq,
    event_type,
    created as created_at_utc,
  ((created at time zone 'UTC') at time zone 'America/Chicago')::date as created_local_date,
  date_trunc('month', ((created at time zone 'UTC') at time zone 'America/Chicago'))::date as created_local_month,
    received_at as received_at_utc,
  ((received_at at time zone 'UTC') at time zone 'America/Chicago')::date as received_local_date,
  date_trunc('month', ((received_at at time zone 'UTC') at time zone 'America/Chicago'))::date as received_local_month,
    "object"->>'public_id' as object_id,
    "object" as object_payload,
    context,
    snapshot,
    false as is_deleted,
    null::text as deleted_via
from (select null::bigint as "seq", null::text as "event_id", null::text as "event_type", null::timestamp as "created", null::timestamp as "received_at", null::jsonb as "object", null::jsonb as "context", null::jsonb as "snapshot", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as e
  );