-- Grain: one row per merchant_label, group_type, group_name.
select
    merchant_label,
    group_type,
    name as group_name,
    {{ og_soft_delete() }}
from {{ og_source('product_groups', ['name text', 'group_type text']) }} as s
