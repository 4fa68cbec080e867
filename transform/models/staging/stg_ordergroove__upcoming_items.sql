-- Grain: one row per merchant_label, item_id ever seen by the opt-in reconciliation.
-- is_deleted: the last complete read no longer returned it among upcoming orders' items
-- (removed, out of stock, its order deleted, or its order left status 1).
select
    merchant_label,
    public_id as item_id,
    "order" as order_id,
    product as product_id,
    quantity,
    {{ og_ts('order_updated', 'order_updated') }},
    _sdc_deleted_at as deleted_at_utc,
    _sdc_deleted_at is not null as is_deleted,
    case when _sdc_deleted_at is not null then 'reconciliation' end as deleted_via
from {{ og_source('upcoming_items', [
    'public_id text', 'order text', 'product text', 'quantity bigint', 'order_updated timestamp']) }} as u
