-- Grain: one row per merchant_label, source_file, source_line (an SFTP row that could not be
-- loaded, with the reason). Empty without SFTP.
select
    merchant_label,
    source_file,
    source_line,
    report,
    reason,
    raw_line,
    file_completed_at as file_completed_at_utc,
  ((file_completed_at at time zone 'UTC') at time zone 'America/Chicago')::date as file_completed_local_date,
  date_trunc('month', ((file_completed_at at time zone 'UTC') at time zone 'America/Chicago'))::date as file_completed_local_month,
    _sdc_deleted_at is not null as is_deleted,
  case when _sdc_deleted_at is not null then 'sdc_deleted_at' end as deleted_via,
  _sdc_deleted_at as deleted_at_utc
from (select null::text as "source_file", null::bigint as "source_line", null::text as "report", null::text as "reason", null::text as "raw_line", null::timestamp as "file_completed_at", null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false) as s