
  create view "test"."ordergroove_analytics"."stg_ordergroove__products__dbt_tmp"
    
    
  as (
    -- Grain: one row per merchant_label, product_id (the merchant's external_product_id).
select
    merchant_label,
    external_product_id as product_id,
    merchant as merchant_public_id,
    name, price, image_url, detail_url, sku, autoship_enabled, prepaid_eligible,
    premier_enabled,
    created as created_at_utc,
  ((created at time zone 'UTC') at time zone 'America/Chicago')::date as created_local_date,
  date_trunc('month', ((created at time zone 'UTC') at time zone 'America/Chicago'))::date as created_local_month,
    last_update as last_update_at_utc,
  ((last_update at time zone 'UTC') at time zone 'America/Chicago')::date as last_update_local_date,
  date_trunc('month', ((last_update at time zone 'UTC') at time zone 'America/Chicago'))::date as last_update_local_month,
    live as is_live,
    discontinued, extra_data, product_type, autoship_by_default, every, every_period,
    offer_profile as offer_profile_id,
    incentive_group,
    _sdc_deleted_at is not null as is_deleted,
  case when _sdc_deleted_at is not null then 'sdc_deleted_at' end as deleted_via,
  _sdc_deleted_at as deleted_at_utc
from (select null::text as "merchant", null::text as "name", null::numeric as "price", null::text as "image_url", null::text as "detail_url", null::text as "external_product_id", null::text as "sku", null::boolean as "autoship_enabled", null::boolean as "prepaid_eligible", null::bigint as "premier_enabled", null::timestamp as "created", null::timestamp as "last_update", null::boolean as "live", null::boolean as "discontinued", null::jsonb as "extra_data", null::text as "product_type", null::boolean as "autoship_by_default", null::bigint as "every", null::bigint as "every_period", null::text as "offer_profile", null::text as "incentive_group", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as s
  );