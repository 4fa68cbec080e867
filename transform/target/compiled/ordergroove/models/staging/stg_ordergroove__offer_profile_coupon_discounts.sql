-- Grain: one row per merchant_label, offer_profile_id, coupon, child_key (one element of the parent's array).
-- is_deleted: flagged itself (full-table ACTIVATE_VERSION) or parent deleted.
with c as (
    select * from (select null::text as "offer_profile", null::text as "child_key", null::bigint as "position", null::timestamp as "offer_profile_updated", null::text as "coupon", null::text as "coupon_public_id", null::text as "coupon_code", null::text as "coupon_name", null::text as "public_id", null::text as "name", null::bigint as "object", null::text as "field", null::text as "type", null::text as "value", null::text as "threshold_field", null::text as "threshold_value", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as s
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
    c.coupon, c.coupon_public_id, c.coupon_code, c.coupon_name, c.public_id as discount_id, c.name as discount_name, c.object, c.field, c.type as discount_type, c.value, c.threshold_field, c.threshold_value,
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