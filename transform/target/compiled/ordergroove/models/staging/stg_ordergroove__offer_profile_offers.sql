-- Grain: one row per merchant_label, offer_profile_id, child_key (one element of the parent's array).
-- is_deleted: flagged itself (full-table ACTIVATE_VERSION) or parent deleted.
with c as (
    select * from (select null::text as "offer_profile", null::text as "child_key", null::bigint as "position", null::timestamp as "offer_profile_updated", null::text as "offer", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as s
),

p as (
    select merchant_label, offer_profile_id, is_deleted
    from "test"."ordergroove_analytics"."stg_ordergroove__offer_profiles"
)

select
    c.merchant_label,
    c.offer_profile as offer_profile_id,
    c.child_key,
    c.position,
    c.offer_profile_updated as parent_updated_at_utc,
  ((c.offer_profile_updated at time zone 'UTC') at time zone 'America/Chicago')::date as parent_updated_local_date,
  date_trunc('month', ((c.offer_profile_updated at time zone 'UTC') at time zone 'America/Chicago'))::date as parent_updated_local_month,
    c.offer as offer_id,
    (case
        when c._sdc_deleted_at is not null then 'sdc_deleted_at'
        when p.is_deleted then 'parent_deleted'
    end) is not null as is_deleted,
  case
        when c._sdc_deleted_at is not null then 'sdc_deleted_at'
        when p.is_deleted then 'parent_deleted'
    end as deleted_via
from c
left join p on p.merchant_label = c.merchant_label and p.offer_profile_id = c.offer_profile