-- Grain: one row per merchant_label, subscription_id (not deleted).
-- unit_price: the subscription's own price, else its product's price (source named; a product
-- gone from the catalog keeps its last landed price).
-- orders_per_month: from every/every_period, an average month being 365.25/12 days, so
-- "every 30 days" is 1.0146 orders a month (never 0: daily cadences count).
-- monthly_value: unit_price x quantity x orders_per_month, list price before offer discounts.
with subs as (
    select * from {{ ref('stg_ordergroove__subscriptions') }} where not is_deleted
),

products as (
    select merchant_label, product_id, price, is_deleted from {{ ref('stg_ordergroove__products') }}
)

select
    s.merchant_label,
    s.subscription_id,
    s.customer_id,
    s.product_id,
    s.currency_code,
    s.subscription_status,
    s.quantity,
    coalesce(s.price, p.price) as unit_price,
    case when s.price is not null then 'subscription.price'
         when p.price is not null and p.is_deleted then 'product.price (deleted product)'
         when p.price is not null then 'product.price' end as unit_price_source,
    s.every,
    s.every_period,
    s.cadence_period,
    case s.every_period
        when 1 then (365.25 / 12) / s.every
        when 2 then (365.25 / 12) / (7 * s.every)
        when 3 then 1.0 / s.every
        when 4 then 1.0 / (12 * s.every)
    end as orders_per_month,
    coalesce(s.price, p.price) * s.quantity * case s.every_period
        when 1 then (365.25 / 12) / s.every
        when 2 then (365.25 / 12) / (7 * s.every)
        when 3 then 1.0 / s.every
        when 4 then 1.0 / (12 * s.every)
    end as monthly_value,
    s.start_local_date,
    s.cancelled_at_utc,
    s.cancelled_local_date,
    s.cancelled_local_month,
    s.cancel_reason_code,
    s.cancel_reason_text
from subs as s
left join products as p on p.merchant_label = s.merchant_label and p.product_id = s.product_id
