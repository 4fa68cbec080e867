-- Grain: one row per merchant_label, object_type, object_id, event_id (the receiver's log of
-- order.delete / item.remove webhooks). Empty when the webhook store is not configured.
select
    merchant_label,
    object_type,
    public_id as object_id,
    event_id,
    {{ og_ts('deleted_at', 'deleted') }},
    coalesce(has_snapshot, false) as has_snapshot,
    seq
from {{ og_source('deleted_records', [
    'object_type text', 'public_id text', 'event_id text', 'deleted_at timestamp',
    'has_snapshot boolean', 'seq bigint']) }} as d
