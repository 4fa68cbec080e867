-- Grain: one row per merchant_label, source_file, source_line (an SFTP row that could not be
-- loaded, with the reason). Empty without SFTP.
select
    merchant_label,
    source_file,
    source_line,
    report,
    reason,
    raw_line,
    {{ og_ts('file_completed_at', 'file_completed') }},
    {{ og_soft_delete() }}
from {{ og_source('sftp_rejected_rows', [
    'source_file text', 'source_line bigint', 'report text', 'reason text', 'raw_line text',
    'file_completed_at timestamp']) }} as s
