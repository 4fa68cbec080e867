-- Grain: one row per merchant_label, item_id, child_key (one element of the parent's array).
-- is_deleted: flagged itself, parent deleted, or no longer current (parent re-read without it).
with c as (
    select * from (select null::text as "item", null::text as "child_key", null::bigint as "position", null::timestamp as "item_order_updated", null::text as "public_id", null::text as "product", null::bigint as "quantity", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as s
),

p as (
    select merchant_label, item_id, order_updated_at_utc, is_deleted
    from "test"."ordergroove_analytics"."stg_ordergroove__items"
)

select
    c.merchant_label,
    c.item as item_id,
    c.child_key,
    c.position,
    c.item_order_updated as parent_updated_at_utc,
  ((c.item_order_updated at time zone 'UTC') at time zone 'America/Chicago')::date as parent_updated_local_date,
  date_trunc('month', ((c.item_order_updated at time zone 'UTC') at time zone 'America/Chicago'))::date as parent_updated_local_month,
    c.public_id as component_id, c.product as product_id, c.quantity,
    (case
        when c._sdc_deleted_at is not null then 'sdc_deleted_at'
        when p.is_deleted then 'parent_deleted'
        when p.item_id is not null
             and c.item_order_updated is distinct from p.order_updated_at_utc
            then 'superseded_child'
    end) is not null as is_deleted,
  case
        when c._sdc_deleted_at is not null then 'sdc_deleted_at'
        when p.is_deleted then 'parent_deleted'
        when p.item_id is not null
             and c.item_order_updated is distinct from p.order_updated_at_utc
            then 'superseded_child'
    end as deleted_via
from c
left join p on p.merchant_label = c.merchant_label and p.item_id = c.item