-- Grain: one row per merchant_label, cancel_local_month, cancel_reason_code, cancel_reason_text
-- ('(none)' when Ordergroove gave none).
-- cancelled_subscriptions: subscriptions whose cancel time falls in the local month.
-- active_at_month_start: the merchant's subscriptions started before the month and not
--   cancelled before it (all currencies, all reasons: the churn denominator).
-- churn_rate: cancelled_subscriptions / active_at_month_start.
-- reason_code_known / reason_applications: whether merchant_cancel_reasons lists the code,
--   and its application rows (one code can have several).
with subs as (
    select * from {{ ref('int_ordergroove__subscription_pricing') }}
),

reasons as (
    select merchant_label, cancel_reason_code,
           string_agg(application, ', ' order by application) as reason_applications
    from {{ ref('stg_ordergroove__merchant_cancel_reasons') }}
    where not is_deleted
    group by 1, 2
),

cancels as (
    select merchant_label, cancelled_local_month as cancel_local_month,
           coalesce(cancel_reason_code, '(none)') as cancel_reason_code,
           coalesce(cancel_reason_text, '(none)') as cancel_reason_text,
           count(*) as cancelled_subscriptions
    from subs
    where cancelled_at_utc is not null
    group by 1, 2, 3, 4
),

active_at_start as (
    select c.merchant_label, c.cancel_local_month, count(s.subscription_id) as active_at_month_start
    from (select distinct merchant_label, cancel_local_month from cancels) as c
    left join subs as s
        on s.merchant_label = c.merchant_label
        and s.start_local_date < c.cancel_local_month
        and (s.cancelled_local_date is null or s.cancelled_local_date >= c.cancel_local_month)
    group by 1, 2
)

select
    c.merchant_label,
    c.cancel_local_month,
    c.cancel_reason_code,
    c.cancel_reason_text,
    c.cancelled_subscriptions,
    a.active_at_month_start,
    round(c.cancelled_subscriptions::numeric / nullif(a.active_at_month_start, 0), 6) as churn_rate,
    r.cancel_reason_code is not null as reason_code_known,
    r.reason_applications
from cancels as c
join active_at_start as a
    on a.merchant_label = c.merchant_label and a.cancel_local_month = c.cancel_local_month
left join reasons as r
    on r.merchant_label = c.merchant_label and r.cancel_reason_code = c.cancel_reason_code
