-- Grain: one row per merchant_label, order_id that has a placement attempt or status 5.
-- placed_at_utc: the created time of the order's first successful attempt (response code
-- 000); a declined first try can succeed days later. Orders with status 5 but no attempt
-- synced fall back to their `place` time (placed_at_source says which).
with attempts as (
    select
        merchant_label, order_id, response_code, created_at_utc,
        row_number() over (
            partition by merchant_label, order_id order by created_at_utc, placement_response_id
        ) as attempt_number
    from {{ ref('stg_ordergroove__placement_responses') }}
    where not is_deleted
),

per_order as (
    select
        merchant_label, order_id,
        count(*) as attempts,
        min(created_at_utc) as first_attempt_at_utc,
        min(created_at_utc) filter (where response_code = '000') as first_success_at_utc,
        bool_or(attempt_number = 1 and response_code = '000') as first_try_success,
        count(*) filter (where response_code <> '000') as declined_attempts
    from attempts
    group by 1, 2
),

orders as (
    select merchant_label, order_id, status, place_at_utc, total, currency_code, customer_id
    from {{ ref('stg_ordergroove__orders') }}
    where not is_deleted
)

select
    o.merchant_label,
    o.order_id,
    o.customer_id,
    o.currency_code,
    o.total,
    coalesce(p.attempts, 0) as attempts,
    p.first_attempt_at_utc,
    coalesce(p.first_success_at_utc, case when o.status = 5 then o.place_at_utc end) as placed_at_utc,
    case when p.first_success_at_utc is not null then 'placement_response_000'
         when o.status = 5 then 'order_place_status_5' end as placed_at_source,
    {{ og_local('coalesce(p.first_success_at_utc, case when o.status = 5 then o.place_at_utc end)') }}::date
        as placed_local_date,
    date_trunc('month', {{ og_local('coalesce(p.first_success_at_utc, case when o.status = 5 then o.place_at_utc end)') }})::date
        as placed_local_month,
    coalesce(p.first_try_success, false) as first_try_success,
    p.first_success_at_utc is not null and p.declined_attempts > 0 as recovered_after_decline
from orders as o
left join per_order as p on p.merchant_label = o.merchant_label and p.order_id = o.order_id
where p.order_id is not null or o.status = 5
