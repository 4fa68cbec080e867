
  create view "test"."ordergroove_analytics"."stg_ordergroove__subscription_grantees__dbt_tmp"
    
    
  as (
    -- Grain: one row per merchant_label, subscription_id, child_key (one element of the parent's array).
-- is_deleted: flagged itself, parent deleted, or no longer current (parent re-read without it).
with c as (
    select * from (select null::text as "subscription", null::text as "child_key", null::bigint as "position", null::timestamp as "subscription_updated", null::text as "external_id", null::text as "name", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as s
),

p as (
    select merchant_label, subscription_id, updated_at_utc, is_deleted
    from "test"."ordergroove_analytics"."stg_ordergroove__subscriptions"
)

select
    c.merchant_label,
    c.subscription as subscription_id,
    c.child_key,
    c.position,
    c.subscription_updated as parent_updated_at_utc,
  ((c.subscription_updated at time zone 'UTC') at time zone 'America/Chicago')::date as parent_updated_local_date,
  date_trunc('month', ((c.subscription_updated at time zone 'UTC') at time zone 'America/Chicago'))::date as parent_updated_local_month,
    c.external_id, c.name,
    (case
        when c._sdc_deleted_at is not null then 'sdc_deleted_at'
        when p.is_deleted then 'parent_deleted'
        when p.subscription_id is not null
             and c.subscription_updated is distinct from p.updated_at_utc
            then 'superseded_child'
    end) is not null as is_deleted,
  case
        when c._sdc_deleted_at is not null then 'sdc_deleted_at'
        when p.is_deleted then 'parent_deleted'
        when p.subscription_id is not null
             and c.subscription_updated is distinct from p.updated_at_utc
            then 'superseded_child'
    end as deleted_via
from c
left join p on p.merchant_label = c.merchant_label and p.subscription_id = c.subscription
  );