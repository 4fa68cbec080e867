-- Grain: one row per merchant_label, address_id.
select
    merchant_label,
    public_id as address_id,
    customer as customer_id,
    label, first_name, last_name, company_name, address, address2, city, state_province_code,
    zip_postal_code, phone, fax, country_code,
    live as is_live,
    {{ og_ts('created', 'created') }},
    {{ og_ts('updated', 'updated') }},
    token_id, store_public_id,
    {{ og_soft_delete() }}
from {{ og_source('addresses', [
    'customer text', 'public_id text', 'label text', 'first_name text', 'last_name text',
    'company_name text', 'address text', 'address2 text', 'city text', 'state_province_code text',
    'zip_postal_code text', 'phone text', 'fax text', 'country_code text', 'live boolean',
    'created timestamp', 'updated timestamp', 'token_id text', 'store_public_id text']) }} as s
