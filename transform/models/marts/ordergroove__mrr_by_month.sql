-- Grain: one row per merchant_label, month (local, merchant_timezone), currency_code; months
-- from the first subscription start or placement to the as_of_date's month.
-- placed_orders / placed_revenue: orders placed in the month (first 000 attempt, local time)
--   and the sum of their order totals.
-- active_subscriptions: started on/before the month's last local day, not cancelled by then,
--   and not inactive now (paused subscriptions have no history to date them).
-- run_rate_mrr: sum of those subscriptions' monthly_value (unit price x quantity x orders per month).
with subs as (
    select * from {{ ref('int_ordergroove__subscription_pricing') }}
    where subscription_status <> 'inactive'
),

placed as (
    select * from {{ ref('int_ordergroove__order_placements') }}
    where placed_at_utc is not null
),

bounds as (
    select merchant_label, currency_code, min(month) as first_month
    from (
        select merchant_label, currency_code, date_trunc('month', start_local_date)::date as month from subs
        union all
        select merchant_label, currency_code, placed_local_month from placed
    ) as m
    group by 1, 2
),

months as (
    select b.merchant_label, b.currency_code, g.month::date as month,
           (g.month + interval '1 month - 1 day')::date as month_end
    from bounds as b
    cross join lateral generate_series(
        b.first_month, date_trunc('month', {{ og_as_of_date() }}), interval '1 month') as g(month)
),

placed_by_month as (
    select merchant_label, currency_code, placed_local_month as month,
           count(*) as placed_orders, sum(total) as placed_revenue
    from placed
    group by 1, 2, 3
),

run_rate as (
    select m.merchant_label, m.currency_code, m.month,
           count(s.subscription_id) as active_subscriptions,
           round(coalesce(sum(s.monthly_value), 0), 2) as run_rate_mrr
    from months as m
    left join subs as s
        on s.merchant_label = m.merchant_label and s.currency_code = m.currency_code
        and s.start_local_date <= m.month_end
        and (s.cancelled_local_date is null or s.cancelled_local_date > m.month_end)
    group by 1, 2, 3
)

select
    m.merchant_label,
    m.month,
    m.currency_code,
    coalesce(p.placed_orders, 0) as placed_orders,
    coalesce(p.placed_revenue, 0) as placed_revenue,
    r.active_subscriptions,
    r.run_rate_mrr
from months as m
join run_rate as r
    on r.merchant_label = m.merchant_label and r.currency_code = m.currency_code and r.month = m.month
left join placed_by_month as p
    on p.merchant_label = m.merchant_label and p.currency_code = m.currency_code and p.month = m.month
