-- Grain: one row per merchant_label, one_time_incentive_id.
select
    merchant_label,
    public_id as one_time_incentive_id,
    external_code, description,
    merchant as merchant_public_id,
    customer as customer_id,
    "order" as order_id,
    item as item_id,
    {{ og_ts('created', 'created') }},
    {{ og_ts('last_updated', 'last_updated') }},
    {{ og_ts('applied_at', 'applied') }},
    incentive,
    {{ og_soft_delete() }}
from {{ og_source('one_time_incentives', [
    'public_id text', 'external_code text', 'description text', 'merchant text', 'customer text',
    'order text', 'item text', 'created timestamp', 'last_updated timestamp',
    'applied_at timestamp', 'incentive jsonb']) }} as s
