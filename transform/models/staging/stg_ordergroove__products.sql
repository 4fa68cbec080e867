-- Grain: one row per merchant_label, product_id (the merchant's external_product_id).
select
    merchant_label,
    external_product_id as product_id,
    merchant as merchant_public_id,
    name, price, image_url, detail_url, sku, autoship_enabled, prepaid_eligible,
    premier_enabled,
    {{ og_ts('created', 'created') }},
    {{ og_ts('last_update', 'last_update') }},
    live as is_live,
    discontinued, extra_data, product_type, autoship_by_default, every, every_period,
    offer_profile as offer_profile_id,
    incentive_group,
    {{ og_soft_delete() }}
from {{ og_source('products', [
    'merchant text', 'name text', 'price numeric', 'image_url text', 'detail_url text',
    'external_product_id text', 'sku text', 'autoship_enabled boolean', 'prepaid_eligible boolean',
    'premier_enabled bigint', 'created timestamp', 'last_update timestamp', 'live boolean',
    'discontinued boolean', 'extra_data jsonb', 'product_type text', 'autoship_by_default boolean',
    'every bigint', 'every_period bigint', 'offer_profile text', 'incentive_group text']) }} as s
