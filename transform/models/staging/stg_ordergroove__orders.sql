-- Grain: one row per merchant_label, order_id. is_deleted combines every delete route:
--   webhook_snapshot  flagged by an order.delete webhook that carried the order (tap checked 404)
--   sdc_deleted_at    flagged by a resync (ACTIVATE_VERSION) without a webhook
--   deleted_records   an order.delete webhook without snapshot, newer than the row's `updated`
--                     (an order re-created after its delete is newer, and stays live)
--   reconciliation    still status 1 here, but the last complete upcoming read lost it
with orders as (
    select * from {{ og_source('orders', [
        'public_id text', 'merchant text', 'customer text', 'payment text', 'shipping_address text',
        'status bigint', 'type text', 'sub_total numeric', 'tax_total numeric',
        'shipping_total numeric', 'discount_total numeric', 'total numeric', 'currency_code text',
        'created timestamp', 'updated timestamp', 'place timestamp', 'cancelled timestamp',
        'tries bigint', 'generic_error_count bigint', 'order_merchant_id text',
        'rejected_message text', 'locked boolean', 'oos_free_shipping boolean', 'has_plan boolean',
        'extra_data jsonb']) }} as o
),

deletes as (
    select merchant_label, object_id, max(deleted_at_utc) as deleted_at_utc,
           bool_or(has_snapshot) as has_snapshot
    from {{ ref('stg_ordergroove__deleted_records') }}
    where object_type = 'orders'
    group by 1, 2
),

reconciled as (
    select merchant_label, order_id, deleted_at_utc
    from {{ ref('stg_ordergroove__upcoming_orders') }}
    where is_deleted
),

flagged as (
    select
        o.*,
        d.deleted_at_utc as webhook_deleted_at,
        coalesce(d.has_snapshot, false) as webhook_snapshot,
        r.deleted_at_utc as reconciled_at,
        case
            when o._sdc_deleted_at is not null and d.has_snapshot then 'webhook_snapshot'
            when o._sdc_deleted_at is not null then 'sdc_deleted_at'
            when d.deleted_at_utc >= o.updated then 'deleted_records'
            when o.status = 1 and r.order_id is not null then 'reconciliation'
        end as deleted_via
    from orders as o
    left join deletes as d
        on d.merchant_label = o.merchant_label and d.object_id = o.public_id
    left join reconciled as r
        on r.merchant_label = o.merchant_label and r.order_id = o.public_id
)

select
    merchant_label,
    public_id as order_id,
    merchant as merchant_public_id,
    customer as customer_id,
    payment as payment_id,
    shipping_address as shipping_address_id,
    status,
    case status
        when 1 then 'unsent' when 3 then 'rejected' when 4 then 'cancelled' when 5 then 'success'
        when 6 then 'send_now' when 17 then 'merged' when 18 then 'credit_card_retry'
        when 19 then 'retry_instructions' when 20 then 'retry_instructions'
        else case when status between 9 and 15 then 'pending_or_error' else 'other' end
    end as status_name,
    type as order_type,
    sub_total, tax_total, shipping_total, discount_total, total,
    currency_code,
    {{ og_ts('created', 'created') }},
    {{ og_ts('updated', 'updated') }},
    {{ og_ts('place', 'place') }},
    {{ og_ts('cancelled', 'cancelled') }},
    tries,
    generic_error_count,
    order_merchant_id,
    rejected_message,
    locked,
    oos_free_shipping,
    has_plan,
    extra_data,
    deleted_via is not null as is_deleted,
    deleted_via,
    case deleted_via
        when 'deleted_records' then webhook_deleted_at
        when 'reconciliation' then reconciled_at
        else _sdc_deleted_at
    end as deleted_at_utc
from flagged
