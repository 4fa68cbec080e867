-- Grain: one row per merchant_label, item_id. is_deleted combines every delete route:
--   webhook_snapshot / sdc_deleted_at / deleted_records   as for orders (an item.remove webhook,
--                     or its order's order.delete, newer than the item's order_updated)
--   reconciliation    its order is still upcoming but the last complete read lost the item
--                     (removed, e.g. out of stock, with no event at all)
--   parent_deleted    its order is deleted, by any route
with items as (
    select * from {{ og_source('items', [
        'public_id text', 'order text', 'offer text', 'subscription text', 'product text',
        'quantity bigint', 'price numeric', 'extra_cost numeric', 'total_price numeric',
        'one_time boolean', 'order_updated timestamp', 'frozen boolean',
        'first_placed timestamp', 'subscription_component text']) }} as i
),

deletes as (
    select merchant_label, object_id, max(deleted_at_utc) as deleted_at_utc,
           bool_or(has_snapshot) as has_snapshot
    from {{ ref('stg_ordergroove__deleted_records') }}
    where object_type = 'items'
    group by 1, 2
),

reconciled as (
    select merchant_label, item_id, deleted_at_utc
    from {{ ref('stg_ordergroove__upcoming_items') }}
    where is_deleted
),

orders as (
    select merchant_label, order_id, status, is_deleted, deleted_at_utc
    from {{ ref('stg_ordergroove__orders') }}
),

flagged as (
    select
        i.*,
        d.deleted_at_utc as webhook_deleted_at,
        r.deleted_at_utc as reconciled_at,
        o.deleted_at_utc as order_deleted_at,
        case
            when i._sdc_deleted_at is not null and d.has_snapshot then 'webhook_snapshot'
            when i._sdc_deleted_at is not null then 'sdc_deleted_at'
            when d.deleted_at_utc >= i.order_updated then 'deleted_records'
            when o.status = 1 and not o.is_deleted and r.item_id is not null then 'reconciliation'
            when o.is_deleted then 'parent_deleted'
        end as deleted_via
    from items as i
    left join deletes as d
        on d.merchant_label = i.merchant_label and d.object_id = i.public_id
    left join reconciled as r
        on r.merchant_label = i.merchant_label and r.item_id = i.public_id
    left join orders as o
        on o.merchant_label = i.merchant_label and o.order_id = i."order"
)

select
    merchant_label,
    public_id as item_id,
    "order" as order_id,
    offer as offer_id,
    subscription as subscription_id,
    product as product_id,
    quantity,
    price,
    extra_cost,
    total_price,
    one_time,
    {{ og_ts('order_updated', 'order_updated') }},
    frozen,
    {{ og_ts('first_placed', 'first_placed') }},
    subscription_component as subscription_component_id,
    deleted_via is not null as is_deleted,
    deleted_via,
    case deleted_via
        when 'deleted_records' then webhook_deleted_at
        when 'reconciliation' then reconciled_at
        when 'parent_deleted' then order_deleted_at
        else _sdc_deleted_at
    end as deleted_at_utc
from flagged
