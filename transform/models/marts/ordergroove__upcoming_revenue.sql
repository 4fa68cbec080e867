-- Grain: one row per merchant_label, place_local_date, currency_code.
-- upcoming_orders: live upcoming orders (ordergroove__upcoming_orders) to be placed that day.
-- upcoming_value: sum of their order totals, in that currency only.
-- days_ahead: place_local_date - as_of_date (var as_of_date, else today in merchant_timezone).
-- is_overdue: days_ahead < 0 (still unsent after its place date).
-- within_30/60/90_days: 0 <= days_ahead < 30/60/90 (the next 30 days start on as_of_date).
select
    merchant_label,
    place_local_date,
    currency_code,
    {{ og_as_of_date() }} as as_of_date,
    place_local_date - {{ og_as_of_date() }} as days_ahead,
    place_local_date < {{ og_as_of_date() }} as is_overdue,
    place_local_date - {{ og_as_of_date() }} between 0 and 29 as within_30_days,
    place_local_date - {{ og_as_of_date() }} between 0 and 59 as within_60_days,
    place_local_date - {{ og_as_of_date() }} between 0 and 89 as within_90_days,
    count(*) as upcoming_orders,
    sum(order_value) as upcoming_value
from {{ ref('ordergroove__upcoming_orders') }}
group by merchant_label, place_local_date, currency_code
