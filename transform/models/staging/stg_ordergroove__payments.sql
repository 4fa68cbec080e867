-- Grain: one row per merchant_label, payment_id. token_id is a processor token: sensitive.
select
    merchant_label,
    public_id as payment_id,
    customer as customer_id,
    billing_address as billing_address_id,
    cc_number_ending, label, cc_holder, cc_type,
    case cc_type when 1 then 'Visa' when 2 then 'Mastercard' when 3 then 'Amex'
        when 4 then 'Discover' when 5 then 'Diners' when 6 then 'JCB' end as cc_type_name,
    cc_exp_date, payment_method,
    live as is_live,
    {{ og_ts('created', 'created') }},
    {{ og_ts('last_updated', 'last_updated') }},
    {{ og_soft_delete() }}
from {{ og_source('payments', [
    'customer text', 'billing_address text', 'cc_number_ending text', 'public_id text',
    'label text', 'cc_holder text', 'cc_type bigint', 'cc_exp_date text', 'payment_method text',
    'live boolean', 'created timestamp', 'last_updated timestamp']) }} as s
