-- Grain: one row per merchant_label, cancel_reason_code, application. These are codes only:
-- the reason text a customer chose is subscriptions.cancel_reason; one code can have
-- several application rows.
select
    merchant_label,
    cancel_reason::text as cancel_reason_code,
    application,
    {{ og_soft_delete() }}
from {{ og_source('merchant_cancel_reasons', ['cancel_reason bigint', 'application text']) }} as s
