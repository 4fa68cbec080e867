-- Grain: one row per merchant_label, attempt_local_month, response_code (placement attempts).
-- attempts: placement responses created in the local month with this code.
-- orders: distinct orders among them.
-- first_try_attempts: attempts that were their order's first.
-- first_try_successes: first attempts with code 000.
-- recovered_after_retry: 000 attempts of orders that had a declined attempt before (the
--   decline may sit in an earlier month: it is counted there under its own code).
with attempts as (
    select
        merchant_label, order_id, response_code, response_message, created_at_utc,
        created_local_month,
        row_number() over (
            partition by merchant_label, order_id order by created_at_utc, placement_response_id
        ) as attempt_number,
        count(*) filter (where response_code <> '000') over (
            partition by merchant_label, order_id order by created_at_utc, placement_response_id
            rows between unbounded preceding and 1 preceding
        ) as earlier_declines
    from {{ ref('stg_ordergroove__placement_responses') }}
    where not is_deleted
)

select
    merchant_label,
    created_local_month as attempt_local_month,
    response_code,
    min(response_message) as response_message,
    count(*) as attempts,
    count(distinct order_id) as orders,
    count(*) filter (where attempt_number = 1) as first_try_attempts,
    count(*) filter (where attempt_number = 1 and response_code = '000') as first_try_successes,
    count(*) filter (where response_code = '000' and earlier_declines > 0) as recovered_after_retry
from attempts
group by 1, 2, 3
