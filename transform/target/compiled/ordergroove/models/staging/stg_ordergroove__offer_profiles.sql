-- Grain: one row per merchant_label, offer_profile_id.
select
    merchant_label,
    public_id as offer_profile_id,
    merchant as merchant_public_id,
    name, status, live as is_live, weight, initial_coupon, recurring_coupon,
    _sdc_deleted_at is not null as is_deleted,
  case when _sdc_deleted_at is not null then 'sdc_deleted_at' end as deleted_via,
  _sdc_deleted_at as deleted_at_utc
from (select null::text as "public_id", null::text as "merchant", null::text as "name", null::text as "status", null::boolean as "live", null::bigint as "weight", null::jsonb as "initial_coupon", null::jsonb as "recurring_coupon", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as s