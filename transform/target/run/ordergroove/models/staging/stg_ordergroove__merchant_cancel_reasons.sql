
  create view "test"."ordergroove_analytics"."stg_ordergroove__merchant_cancel_reasons__dbt_tmp"
    
    
  as (
    -- Grain: one row per merchant_label, cancel_reason_code, application. These are codes only:
-- the reason text a customer chose is subscriptions.cancel_reason; one code can have
-- several application rows.
select
    merchant_label,
    cancel_reason::text as cancel_reason_code,
    application,
    _sdc_deleted_at is not null as is_deleted,
  case when _sdc_deleted_at is not null then 'sdc_deleted_at' end as deleted_via,
  _sdc_deleted_at as deleted_at_utc
from (select null::bigint as "cancel_reason", null::text as "application", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as s
  );