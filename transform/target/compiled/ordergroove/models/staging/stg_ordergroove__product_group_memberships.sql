-- Grain: one row per merchant_label, product_id, child_key (one element of the parent's array).
-- is_deleted: flagged itself, parent deleted, or no longer current (parent re-read without it).
with c as (
    select * from (select null::text as "external_product_id", null::text as "child_key", null::bigint as "position", null::timestamp as "product_last_update", null::text as "group_type", null::text as "name", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as s
),

p as (
    select merchant_label, product_id, last_update_at_utc, is_deleted
    from "test"."ordergroove_analytics"."stg_ordergroove__products"
)

select
    c.merchant_label,
    c.external_product_id as product_id,
    c.child_key,
    c.position,
    c.product_last_update as parent_updated_at_utc,
  ((c.product_last_update at time zone 'UTC') at time zone 'America/Chicago')::date as parent_updated_local_date,
  date_trunc('month', ((c.product_last_update at time zone 'UTC') at time zone 'America/Chicago'))::date as parent_updated_local_month,
    c.group_type, c.name as group_name,
    (case
        when c._sdc_deleted_at is not null then 'sdc_deleted_at'
        when p.is_deleted then 'parent_deleted'
        when p.product_id is not null
             and c.product_last_update is distinct from p.last_update_at_utc
            then 'superseded_child'
    end) is not null as is_deleted,
  case
        when c._sdc_deleted_at is not null then 'sdc_deleted_at'
        when p.is_deleted then 'parent_deleted'
        when p.product_id is not null
             and c.product_last_update is distinct from p.last_update_at_utc
            then 'superseded_child'
    end as deleted_via
from c
left join p on p.merchant_label = c.merchant_label and p.product_id = c.external_product_id