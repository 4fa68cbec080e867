{# Generic tests written here because the project installs no dbt packages (no `dbt deps`). #}

{# No two rows share `columns` (the key over merchant_label + the object's id). #}
{% test og_unique_key(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{# Every row's (merchant_label, column) exists in `to` as (merchant_label, field): the
   built-in `relationships` test ignores the merchant, so two stores' ids could pass wrongly.
   `where` limits the rows checked (e.g. live rows, non-null ids). #}
{% test og_relationship(model, column_name, to, field, where='true', to_where='true') %}
select c.merchant_label, c.{{ column_name }}
from {{ model }} as c
where c.{{ column_name }} is not null and ({{ where }})
  and not exists (
    select 1 from {{ to }} as p
    where p.merchant_label = c.merchant_label and p.{{ field }} = c.{{ column_name }}
      and ({{ to_where }}))
{% endtest %}

{# is_deleted and deleted_via agree, and deleted_via names a known route. #}
{% test og_delete_flags(model) %}
select *
from {{ model }}
where is_deleted is null
   or is_deleted <> (deleted_via is not null)
   or deleted_via not in ('webhook_snapshot', 'sdc_deleted_at', 'deleted_records',
                          'reconciliation', 'parent_deleted', 'superseded_child')
{% endtest %}
