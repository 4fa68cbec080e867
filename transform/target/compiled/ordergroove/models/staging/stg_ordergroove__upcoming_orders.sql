-- Grain: one row per merchant_label, order_id ever seen by the opt-in reconciliation
-- (reconcile_upcoming_deletes). is_deleted: the last complete read no longer returned it as
-- upcoming (deleted, or placed/cancelled: stg_ordergroove__orders tells which).
select
    merchant_label,
    public_id as order_id,
    customer as customer_id,
    status,
    place as place_at_utc,
  ((place at time zone 'UTC') at time zone 'America/Chicago')::date as place_local_date,
  date_trunc('month', ((place at time zone 'UTC') at time zone 'America/Chicago'))::date as place_local_month,
    updated as updated_at_utc,
  ((updated at time zone 'UTC') at time zone 'America/Chicago')::date as updated_local_date,
  date_trunc('month', ((updated at time zone 'UTC') at time zone 'America/Chicago'))::date as updated_local_month,
    _sdc_deleted_at as deleted_at_utc,
    _sdc_deleted_at is not null as is_deleted,
    case when _sdc_deleted_at is not null then 'reconciliation' end as deleted_via
from (select null::text as "public_id", null::text as "customer", null::bigint as "status", null::timestamp as "place", null::timestamp as "updated", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as u