-- Grain: one row per merchant_label, customer_id (customers not deleted).
-- active_subscriptions / cancelled_subscriptions: their subscriptions by derived status.
-- placed_orders: orders placed (first 000 attempt, else status 5), first/last as local dates.
-- currency_code: the one currency of the customer's placed orders; NULL when several.
-- lifetime_placed_revenue: sum of placed order totals, only when they share one currency
-- (NULL when several: money is never added across currencies).
with subs as (
    select merchant_label, customer_id,
           count(*) filter (where subscription_status = 'active') as active_subscriptions,
           count(*) filter (where subscription_status = 'cancelled') as cancelled_subscriptions
    from {{ ref('int_ordergroove__subscription_pricing') }}
    group by 1, 2
),

placed as (
    select merchant_label, customer_id,
           count(*) as placed_orders,
           min(placed_local_date) as first_placed_local_date,
           max(placed_local_date) as last_placed_local_date,
           count(distinct currency_code) as currencies,
           min(currency_code) as any_currency,
           sum(total) as total_any_currency
    from {{ ref('int_ordergroove__order_placements') }}
    where placed_at_utc is not null
    group by 1, 2
)

select
    c.merchant_label,
    c.customer_id,
    c.first_name,
    c.last_name,
    c.email,
    c.is_live,
    c.created_local_date,
    coalesce(s.active_subscriptions, 0) as active_subscriptions,
    coalesce(s.cancelled_subscriptions, 0) as cancelled_subscriptions,
    coalesce(p.placed_orders, 0) as placed_orders,
    p.first_placed_local_date,
    p.last_placed_local_date,
    case when p.currencies = 1 then p.any_currency end as currency_code,
    case when p.currencies = 1 then p.total_any_currency
         when p.currencies is null then 0 end as lifetime_placed_revenue
from {{ ref('stg_ordergroove__customers') }} as c
left join subs as s on s.merchant_label = c.merchant_label and s.customer_id = c.customer_id
left join placed as p on p.merchant_label = c.merchant_label and p.customer_id = c.customer_id
where not c.is_deleted
