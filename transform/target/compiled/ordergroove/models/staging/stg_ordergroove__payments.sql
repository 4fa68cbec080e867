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
    created as created_at_utc,
  ((created at time zone 'UTC') at time zone 'America/Chicago')::date as created_local_date,
  date_trunc('month', ((created at time zone 'UTC') at time zone 'America/Chicago'))::date as created_local_month,
    last_updated as last_updated_at_utc,
  ((last_updated at time zone 'UTC') at time zone 'America/Chicago')::date as last_updated_local_date,
  date_trunc('month', ((last_updated at time zone 'UTC') at time zone 'America/Chicago'))::date as last_updated_local_month,
    _sdc_deleted_at is not null as is_deleted,
  case when _sdc_deleted_at is not null then 'sdc_deleted_at' end as deleted_via,
  _sdc_deleted_at as deleted_at_utc
from (select null::text as "customer", null::text as "billing_address", null::text as "cc_number_ending", null::text as "public_id", null::text as "label", null::text as "cc_holder", null::bigint as "cc_type", null::text as "cc_exp_date", null::text as "payment_method", null::boolean as "live", null::timestamp as "created", null::timestamp as "last_updated", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as s