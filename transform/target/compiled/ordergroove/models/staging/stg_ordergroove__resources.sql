-- Grain: one row per merchant_label, resource_id.
select
    merchant_label,
    public_id as resource_id,
    merchant as merchant_public_id,
    name, external_resource_id, description, image_url,
    created as created_at_utc,
  ((created at time zone 'UTC') at time zone 'America/Chicago')::date as created_local_date,
  date_trunc('month', ((created at time zone 'UTC') at time zone 'America/Chicago'))::date as created_local_month,
    last_updated as last_updated_at_utc,
  ((last_updated at time zone 'UTC') at time zone 'America/Chicago')::date as last_updated_local_date,
  date_trunc('month', ((last_updated at time zone 'UTC') at time zone 'America/Chicago'))::date as last_updated_local_month,
    _sdc_deleted_at is not null as is_deleted,
  case when _sdc_deleted_at is not null then 'sdc_deleted_at' end as deleted_via,
  _sdc_deleted_at as deleted_at_utc
from (select null::text as "merchant", null::text as "public_id", null::text as "name", null::text as "external_resource_id", null::text as "description", null::text as "image_url", null::timestamp as "created", null::timestamp as "last_updated", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as s