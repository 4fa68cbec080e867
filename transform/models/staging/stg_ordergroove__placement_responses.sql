-- Grain: one row per merchant_label, placement_response_id (one billing attempt of an order).
-- is_success: response code 000; an order's placed time is its first successful attempt.
select
    merchant_label,
    public_id as placement_response_id,
    "order" as order_id,
    response_code,
    response_message,
    response_code = '000' as is_success,
    {{ og_ts('created', 'created') }},
    response_payload,
    transaction_response,
    {{ og_soft_delete() }}
from {{ og_source('placement_responses', [
    'public_id text', 'order text', 'response_code text', 'response_message text',
    'created timestamp', 'response_payload text', 'transaction_response text']) }} as s
