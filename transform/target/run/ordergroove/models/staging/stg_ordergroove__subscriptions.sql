
  create view "test"."ordergroove_analytics"."stg_ordergroove__subscriptions__dbt_tmp"
    
    
  as (
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
    cancelled as cancelled_at_utc,
  ((cancelled at time zone 'UTC') at time zone 'America/Chicago')::date as cancelled_local_date,
  date_trunc('month', ((cancelled at time zone 'UTC') at time zone 'America/Chicago'))::date as cancelled_local_month,
    cancel_reason as cancel_reason_text,
    cancel_reason_code,
    case when cancelled is not null then 'cancelled'
         when live then 'active' else 'inactive' end as subscription_status,
    live as is_live,
    created as created_at_utc,
  ((created at time zone 'UTC') at time zone 'America/Chicago')::date as created_local_date,
  date_trunc('month', ((created at time zone 'UTC') at time zone 'America/Chicago'))::date as created_local_month,
    updated as updated_at_utc,
  ((updated at time zone 'UTC') at time zone 'America/Chicago')::date as updated_local_date,
  date_trunc('month', ((updated at time zone 'UTC') at time zone 'America/Chicago'))::date as updated_local_month,
    iteration, sequence, session_id, merchant_order_id, customer_rep, club, external_id,
    extra_data, prepaid_subscription_context, free_trial_subscription_context,
    _sdc_deleted_at is not null as is_deleted,
  case when _sdc_deleted_at is not null then 'sdc_deleted_at' end as deleted_via,
  _sdc_deleted_at as deleted_at_utc
from (select null::text as "customer", null::text as "merchant", null::text as "product", null::text as "payment", null::text as "shipping_address", null::text as "offer", null::text as "subscription_type", null::text as "raw_subscription_type", null::text as "public_id", null::text as "product_attribute", null::bigint as "quantity", null::numeric as "price", null::bigint as "frequency_days", null::bigint as "reminder_days", null::bigint as "every", null::bigint as "every_period", null::date as "start_date", null::timestamp as "cancelled", null::text as "cancel_reason", null::text as "cancel_reason_code", null::text as "currency_code", null::text as "iteration", null::text as "sequence", null::text as "session_id", null::text as "merchant_order_id", null::text as "customer_rep", null::text as "club", null::timestamp as "created", null::timestamp as "updated", null::boolean as "live", null::text as "external_id", null::jsonb as "extra_data", null::jsonb as "prepaid_subscription_context", null::jsonb as "free_trial_subscription_context", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as s
  );