
  create view "test"."ordergroove_analytics"."stg_ordergroove__upcoming_items__dbt_tmp"
    
    
  as (
    -- Grain: one row per merchant_label, item_id ever seen by the opt-in reconciliation.
-- is_deleted: the last complete read no longer returned it among upcoming orders' items
-- (removed, out of stock, its order deleted, or its order left status 1).
select
    merchant_label,
    public_id as item_id,
    "order" as order_id,
    product as product_id,
    quantity,
    order_updated as order_updated_at_utc,
  ((order_updated at time zone 'UTC') at time zone 'America/Chicago')::date as order_updated_local_date,
  date_trunc('month', ((order_updated at time zone 'UTC') at time zone 'America/Chicago'))::date as order_updated_local_month,
    _sdc_deleted_at as deleted_at_utc,
    _sdc_deleted_at is not null as is_deleted,
    case when _sdc_deleted_at is not null then 'reconciliation' end as deleted_via
from (select null::text as "public_id", null::text as "order", null::text as "product", null::bigint as "quantity", null::timestamp as "order_updated", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as u
  );