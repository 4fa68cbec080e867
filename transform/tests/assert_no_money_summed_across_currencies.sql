-- Money is never added up across currencies: every money figure in a mart carries a currency,
-- and each mart total equals the same total computed from orders of that one currency.
select 'mrr row without currency' as problem, merchant_label, month::text as at
from {{ ref('ordergroove__mrr_by_month') }}
where currency_code is null and (placed_revenue <> 0 or run_rate_mrr <> 0)
union all
select 'upcoming row without currency', merchant_label, place_local_date::text
from {{ ref('ordergroove__upcoming_revenue') }}
where currency_code is null
union all
select 'customer revenue without one currency', merchant_label, customer_id
from {{ ref('ordergroove__customer_details') }}
where currency_code is null and lifetime_placed_revenue <> 0
union all
select 'subscription revenue without currency', merchant_label, subscription_id
from {{ ref('ordergroove__subscription_overview') }}
where currency_code is null and (lifetime_placed_revenue <> 0 or monthly_value <> 0)
union all
select 'subscription revenue from an order in another currency', i.merchant_label, i.subscription_id
from {{ ref('stg_ordergroove__items') }} as i
join {{ ref('stg_ordergroove__orders') }} as o
    on o.merchant_label = i.merchant_label and o.order_id = i.order_id
join {{ ref('stg_ordergroove__subscriptions') }} as s
    on s.merchant_label = i.merchant_label and s.subscription_id = i.subscription_id
where o.currency_code is distinct from s.currency_code
union all
select 'placed revenue differs from its currency''s orders', m.merchant_label, m.month::text
from {{ ref('ordergroove__mrr_by_month') }} as m
left join (
    select merchant_label, placed_local_month, currency_code, sum(total) as revenue
    from {{ ref('int_ordergroove__order_placements') }}
    where placed_at_utc is not null
    group by 1, 2, 3
) as p
    on p.merchant_label = m.merchant_label and p.placed_local_month = m.month
    and p.currency_code = m.currency_code
where m.placed_revenue <> coalesce(p.revenue, 0)
