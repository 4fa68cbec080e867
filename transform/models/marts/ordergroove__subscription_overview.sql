-- Grain: one row per merchant_label, subscription_id (subscriptions not deleted).
-- subscription_status: cancelled if it has a cancel time, else active if live, else inactive.
-- unit_price / unit_price_source: the subscription's price, else its product's price.
-- monthly_value: unit_price x quantity x orders_per_month (cadence incl. days; 365.25/12-day month).
-- next_upcoming_*: the earliest live upcoming order holding a live item of this subscription.
-- lifetime_placed_orders: placed orders (int_ordergroove__order_placements) with an item of it.
-- lifetime_placed_revenue: sum of those items' total_price, in the subscription's currency.
with items as (
    select merchant_label, subscription_id, order_id, total_price, is_deleted
    from {{ ref('stg_ordergroove__items') }}
    where subscription_id is not null
),

placed as (
    select i.merchant_label, i.subscription_id,
           count(distinct i.order_id) as lifetime_placed_orders,
           sum(i.total_price) as lifetime_placed_revenue
    from items as i
    join {{ ref('int_ordergroove__order_placements') }} as p
        on p.merchant_label = i.merchant_label and p.order_id = i.order_id
    where p.placed_at_utc is not null and not i.is_deleted
    group by 1, 2
),

next_upcoming as (
    select distinct on (i.merchant_label, i.subscription_id)
        i.merchant_label, i.subscription_id, u.order_id, u.place_local_date
    from items as i
    join {{ ref('ordergroove__upcoming_orders') }} as u
        on u.merchant_label = i.merchant_label and u.order_id = i.order_id
    where not i.is_deleted
    order by i.merchant_label, i.subscription_id, u.place_at_utc, u.order_id
)

select
    s.merchant_label,
    s.subscription_id,
    s.customer_id,
    s.product_id,
    s.subscription_status,
    s.currency_code,
    s.quantity,
    s.unit_price,
    s.unit_price_source,
    s.every,
    s.cadence_period,
    s.orders_per_month,
    s.monthly_value,
    s.start_local_date,
    s.cancelled_local_date,
    s.cancel_reason_code,
    s.cancel_reason_text,
    n.order_id as next_upcoming_order_id,
    n.place_local_date as next_upcoming_place_local_date,
    coalesce(p.lifetime_placed_orders, 0) as lifetime_placed_orders,
    coalesce(p.lifetime_placed_revenue, 0) as lifetime_placed_revenue
from {{ ref('int_ordergroove__subscription_pricing') }} as s
left join placed as p on p.merchant_label = s.merchant_label and p.subscription_id = s.subscription_id
left join next_upcoming as n on n.merchant_label = s.merchant_label and n.subscription_id = s.subscription_id
