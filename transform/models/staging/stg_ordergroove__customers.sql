-- Grain: one row per merchant_label, customer_id (the merchant's own customer id).
select
    merchant_label,
    merchant_user_id as customer_id,
    merchant as merchant_public_id,
    session_id, user_token_id, first_name, last_name, email, phone_number, phone_type,
    live as is_live,
    {{ og_ts('created', 'created') }},
    {{ og_ts('last_updated', 'last_updated') }},
    {{ og_ts('last_login', 'last_login') }},
    extra_data, locale, price_code,
    {{ og_soft_delete() }}
from {{ og_source('customers', [
    'merchant text', 'merchant_user_id text', 'session_id text', 'user_token_id text',
    'first_name text', 'last_name text', 'email text', 'phone_number text', 'phone_type bigint',
    'live boolean', 'created timestamp', 'last_updated timestamp', 'last_login timestamp',
    'extra_data jsonb', 'locale bigint', 'price_code text']) }} as s
