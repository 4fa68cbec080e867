-- Grain: one row per merchant_label, event_id (every webhook the receiver stored, in
-- arrival order). Empty when the webhook store is not configured.
select
    merchant_label,
    event_id,
    seq,
    event_type,
    {{ og_ts('created', 'created') }},
    {{ og_ts('received_at', 'received') }},
    "object"->>'public_id' as object_id,
    "object" as object_payload,
    context,
    snapshot,
    false as is_deleted,
    null::text as deleted_via
from {{ og_source('webhook_events', [
    'seq bigint', 'event_id text', 'event_type text', 'created timestamp',
    'received_at timestamp', 'object jsonb', 'context jsonb', 'snapshot jsonb']) }} as e
