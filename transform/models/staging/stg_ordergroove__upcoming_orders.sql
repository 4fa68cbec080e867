-- Grain: one row per merchant_label, order_id ever seen by the opt-in reconciliation
-- (reconcile_upcoming_deletes). is_deleted: the last complete read no longer returned it as
-- upcoming (deleted, or placed/cancelled: stg_ordergroove__orders tells which).
select
    merchant_label,
    public_id as order_id,
    customer as customer_id,
    status,
    {{ og_ts('place', 'place') }},
    {{ og_ts('updated', 'updated') }},
    _sdc_deleted_at as deleted_at_utc,
    _sdc_deleted_at is not null as is_deleted,
    case when _sdc_deleted_at is not null then 'reconciliation' end as deleted_via
from {{ og_source('upcoming_orders', [
    'public_id text', 'customer text', 'status bigint', 'place timestamp', 'updated timestamp']) }} as u
