-- Grain: one row per merchant_label, product_id, child_key (one element of the parent's array).
-- is_deleted: flagged itself, parent deleted, or no longer current (parent re-read without it).
with c as (
    select * from {{ og_source('product_free_trial_configurations', [
        'external_product_id text', 'child_key text', 'position bigint', 'product_last_update timestamp',
        'public_id text', 'duration_in_days bigint', 'created timestamp', 'last_updated timestamp']) }} as s
),

p as (
    select merchant_label, product_id, last_update_at_utc, is_deleted
    from {{ ref('stg_ordergroove__products') }}
)

select
    c.merchant_label,
    c.external_product_id as product_id,
    c.child_key,
    c.position,
    {{ og_ts('c.product_last_update', 'parent_updated') }},
    c.public_id as free_trial_configuration_id, c.duration_in_days, c.created as created_at_utc, c.last_updated as last_updated_at_utc,
    {{ og_child_delete('c.product_last_update', 'p', 'product_id', 'last_update_at_utc') }}
from c
left join p on p.merchant_label = c.merchant_label and p.product_id = c.external_product_id
