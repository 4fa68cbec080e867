-- Grain: one row per merchant_label, subscription_id. Ordergroove has no status column:
-- status is derived (cancelled / active / inactive). cadence_period names every_period.
select
    merchant_label,
    public_id as subscription_id,
    customer as customer_id,
    merchant as merchant_public_id,
    product as product_id,
    payment as payment_id,
    shipping_address as shipping_address_id,
    offer as offer_id,
    subscription_type, raw_subscription_type, product_attribute, quantity, price,
    currency_code, frequency_days, reminder_days, every, every_period,
    case every_period when 1 then 'day' when 2 then 'week' when 3 then 'month'
        when 4 then 'year' end as cadence_period,
    start_date as start_local_date,
    {{ og_ts('cancelled', 'cancelled') }},
    cancel_reason as cancel_reason_text,
    cancel_reason_code,
    case when cancelled is not null then 'cancelled'
         when live then 'active' else 'inactive' end as subscription_status,
    live as is_live,
    {{ og_ts('created', 'created') }},
    {{ og_ts('updated', 'updated') }},
    iteration, sequence, session_id, merchant_order_id, customer_rep, club, external_id,
    extra_data, prepaid_subscription_context, free_trial_subscription_context,
    {{ og_soft_delete() }}
from {{ og_source('subscriptions', [
    'customer text', 'merchant text', 'product text', 'payment text', 'shipping_address text',
    'offer text', 'subscription_type text', 'raw_subscription_type text', 'public_id text',
    'product_attribute text', 'quantity bigint', 'price numeric', 'frequency_days bigint',
    'reminder_days bigint', 'every bigint', 'every_period bigint', 'start_date date',
    'cancelled timestamp', 'cancel_reason text', 'cancel_reason_code text', 'currency_code text',
    'iteration text', 'sequence text', 'session_id text', 'merchant_order_id text',
    'customer_rep text', 'club text', 'created timestamp', 'updated timestamp', 'live boolean',
    'external_id text', 'extra_data jsonb', 'prepaid_subscription_context jsonb',
    'free_trial_subscription_context jsonb']) }} as s
