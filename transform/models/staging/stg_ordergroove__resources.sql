-- Grain: one row per merchant_label, resource_id.
select
    merchant_label,
    public_id as resource_id,
    merchant as merchant_public_id,
    name, external_resource_id, description, image_url,
    {{ og_ts('created', 'created') }},
    {{ og_ts('last_updated', 'last_updated') }},
    {{ og_soft_delete() }}
from {{ og_source('resources', [
    'merchant text', 'public_id text', 'name text', 'external_resource_id text',
    'description text', 'image_url text', 'created timestamp', 'last_updated timestamp']) }} as s
