-- Grain: one row per merchant_label, og_subscription_id (SFTP CRM subscription file). Empty
-- without SFTP.
select
    merchant_label,
    og_subscription_id,
    customer_id as ordergroove_customer_id,
    customer_email,
    {{ og_ts('subscription_create_date', 'subscription_create') }},
    merchant_order_id, external_product_id as product_id, sku, quantity, frequency,
    subscription_status,
    {{ og_ts('next_order_date', 'next_order') }},
    extra_columns, _sdc_source_file as source_file,
    {{ og_soft_delete() }}
from {{ og_source('crm_subscription_report', [
    'og_subscription_id text', 'customer_id bigint', 'customer_email text',
    'subscription_create_date timestamp', 'merchant_order_id text', 'external_product_id text',
    'sku text', 'quantity bigint', 'frequency bigint', 'subscription_status bigint',
    'next_order_date timestamp', 'extra_columns jsonb', '_sdc_source_file text']) }} as s
