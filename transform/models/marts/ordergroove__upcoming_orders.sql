-- Grain: one row per merchant_label, order_id that is upcoming: status 1 and not deleted by
-- any route (webhook with or without snapshot, reconciliation, resync).
-- order_value: the order's `total` (upcoming_* rows carry no money; `orders` does).
select
    o.merchant_label,
    o.order_id,
    o.customer_id,
    o.currency_code,
    o.total as order_value,
    o.place_at_utc,
    o.place_local_date,
    o.place_local_month,
    (select count(*) from {{ ref('stg_ordergroove__items') }} as i
     where i.merchant_label = o.merchant_label and i.order_id = o.order_id
       and not i.is_deleted) as live_items
from {{ ref('stg_ordergroove__orders') }} as o
where o.status = 1 and not o.is_deleted
