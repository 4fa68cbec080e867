-- Grain: one row per merchant_label, address_id.
select
    merchant_label,
    public_id as address_id,
    customer as customer_id,
    label, first_name, last_name, company_name, address, address2, city, state_province_code,
    zip_postal_code, phone, fax, country_code,
    live as is_live,
    created as created_at_utc,
  ((created at time zone 'UTC') at time zone 'America/Chicago')::date as created_local_date,
  date_trunc('month', ((created at time zone 'UTC') at time zone 'America/Chicago'))::date as created_local_month,
    updated as updated_at_utc,
  ((updated at time zone 'UTC') at time zone 'America/Chicago')::date as updated_local_date,
  date_trunc('month', ((updated at time zone 'UTC') at time zone 'America/Chicago'))::date as updated_local_month,
    token_id, store_public_id,
    _sdc_deleted_at is not null as is_deleted,
  case when _sdc_deleted_at is not null then 'sdc_deleted_at' end as deleted_via,
  _sdc_deleted_at as deleted_at_utc
from (select null::text as "customer", null::text as "public_id", null::text as "label", null::text as "first_name", null::text as "last_name", null::text as "company_name", null::text as "address", null::text as "address2", null::text as "city", null::text as "state_province_code", null::text as "zip_postal_code", null::text as "phone", null::text as "fax", null::text as "country_code", null::boolean as "live", null::timestamp as "created", null::timestamp as "updated", null::text as "token_id", null::text as "store_public_id", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as s