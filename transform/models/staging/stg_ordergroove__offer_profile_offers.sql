-- Grain: one row per merchant_label, offer_profile_id, child_key (one element of the parent's array).
-- is_deleted: flagged itself (full-table ACTIVATE_VERSION) or parent deleted.
with c as (
    select * from {{ og_source('offer_profile_offers', [
        'offer_profile text', 'child_key text', 'position bigint', 'offer_profile_updated timestamp',
        'offer text']) }} as s
),

p as (
    select merchant_label, offer_profile_id, is_deleted
    from {{ ref('stg_ordergroove__offer_profiles') }}
)

select
    c.merchant_label,
    c.offer_profile as offer_profile_id,
    c.child_key,
    c.position,
    {{ og_ts('c.offer_profile_updated', 'parent_updated') }},
    c.offer as offer_id,
    {{ og_child_delete('c.offer_profile_updated', 'p', 'offer_profile_id', none) }}
from c
left join p on p.merchant_label = c.merchant_label and p.offer_profile_id = c.offer_profile
