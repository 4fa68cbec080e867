-- Grain: one row per merchant_label, item_id, child_key (one element of the parent's array).
-- is_deleted: flagged itself, parent deleted, or no longer current (parent re-read without it).
with c as (
    select * from {{ og_source('item_components', [
        'item text', 'child_key text', 'position bigint', 'item_order_updated timestamp',
        'public_id text', 'product text', 'quantity bigint']) }} as s
),

p as (
    select merchant_label, item_id, order_updated_at_utc, is_deleted
    from {{ ref('stg_ordergroove__items') }}
)

select
    c.merchant_label,
    c.item as item_id,
    c.child_key,
    c.position,
    {{ og_ts('c.item_order_updated', 'parent_updated') }},
    c.public_id as component_id, c.product as product_id, c.quantity,
    {{ og_child_delete('c.item_order_updated', 'p', 'item_id', 'order_updated_at_utc') }}
from c
left join p on p.merchant_label = c.merchant_label and p.item_id = c.item
