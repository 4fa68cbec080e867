
  create view "test"."ordergroove_analytics"."stg_ordergroove__customers__dbt_tmp"
    
    
  as (
    -- Grain: one row per merchant_label, customer_id (the merchant's own customer id).
select
    merchant_label,
    merchant_user_id as customer_id,
    merchant as merchant_public_id,
    session_id, user_token_id, first_name, last_name, email, phone_number, phone_type,
    live as is_live,
    created as created_at_utc,
  ((created at time zone 'UTC') at time zone 'America/Chicago')::date as created_local_date,
  date_trunc('month', ((created at time zone 'UTC') at time zone 'America/Chicago'))::date as created_local_month,
    last_updated as last_updated_at_utc,
  ((last_updated at time zone 'UTC') at time zone 'America/Chicago')::date as last_updated_local_date,
  date_trunc('month', ((last_updated at time zone 'UTC') at time zone 'America/Chicago'))::date as last_updated_local_month,
    last_login as last_login_at_utc,
  ((last_login at time zone 'UTC') at time zone 'America/Chicago')::date as last_login_local_date,
  date_trunc('month', ((last_login at time zone 'UTC') at time zone 'America/Chicago'))::date as last_login_local_month,
    extra_data, locale, price_code,
    _sdc_deleted_at is not null as is_deleted,
  case when _sdc_deleted_at is not null then 'sdc_deleted_at' end as deleted_via,
  _sdc_deleted_at as deleted_at_utc
from (select null::text as "merchant", null::text as "merchant_user_id", null::text as "session_id", null::text as "user_token_id", null::text as "first_name", null::text as "last_name", null::text as "email", null::text as "phone_number", null::bigint as "phone_type", null::boolean as "live", null::timestamp as "created", null::timestamp as "last_updated", null::timestamp as "last_login", null::jsonb as "extra_data", null::bigint as "locale", null::text as "price_code", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as s
  );