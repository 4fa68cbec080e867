-- Grain: one row per merchant_label, offer_profile_id.
select
    merchant_label,
    public_id as offer_profile_id,
    merchant as merchant_public_id,
    name, status, live as is_live, weight, initial_coupon, recurring_coupon,
    {{ og_soft_delete() }}
from {{ og_source('offer_profiles', [
    'public_id text', 'merchant text', 'name text', 'status text', 'live boolean',
    'weight bigint', 'initial_coupon jsonb', 'recurring_coupon jsonb']) }} as s
