-- No order deleted by any route (or no longer status 1) reaches the upcoming marts, and the
-- revenue mart adds up exactly the upcoming orders mart.
select 'deleted order in upcoming mart' as problem, u.merchant_label, u.order_id
from {{ ref('ordergroove__upcoming_orders') }} as u
join {{ ref('stg_ordergroove__orders') }} as o
    on o.merchant_label = u.merchant_label and o.order_id = u.order_id
where o.is_deleted or o.status <> 1
union all
select 'reconciliation lost it', u.merchant_label, u.order_id
from {{ ref('ordergroove__upcoming_orders') }} as u
join {{ ref('stg_ordergroove__upcoming_orders') }} as r
    on r.merchant_label = u.merchant_label and r.order_id = u.order_id
where r.is_deleted
union all
select 'deleted_records has a newer delete', u.merchant_label, u.order_id
from {{ ref('ordergroove__upcoming_orders') }} as u
join {{ ref('stg_ordergroove__orders') }} as o
    on o.merchant_label = u.merchant_label and o.order_id = u.order_id
join {{ ref('stg_ordergroove__deleted_records') }} as d
    on d.merchant_label = u.merchant_label and d.object_type = 'orders' and d.object_id = u.order_id
where d.deleted_at_utc >= o.updated_at_utc
union all
select 'revenue mart differs', merchant_label, currency_code
from (
    select merchant_label, currency_code, count(*) as n, sum(order_value) as v
    from {{ ref('ordergroove__upcoming_orders') }} group by 1, 2
) as a
full join (
    select merchant_label, currency_code, sum(upcoming_orders) as n, sum(upcoming_value) as v
    from {{ ref('ordergroove__upcoming_revenue') }} group by 1, 2
) as b using (merchant_label, currency_code)
where a.n is distinct from b.n or a.v is distinct from b.v
