{# Tables whose only delete route is the target's soft delete (_sdc_deleted_at: full-table
   ACTIVATE_VERSION, periodic resync). #}
{% macro og_soft_delete(alias='') -%}
  {%- set p = alias ~ '.' if alias else '' -%}
  {{ p }}_sdc_deleted_at is not null as is_deleted,
  case when {{ p }}_sdc_deleted_at is not null then 'sdc_deleted_at' end as deleted_via,
  {{ p }}_sdc_deleted_at as deleted_at_utc
{%- endmacro %}

{# Child tables (README "Child tables"): deleted when flagged themselves, when their parent is
   deleted (by any route), or when they are no longer current: the parent was read again with
   a newer update time and this element was not in it. Offer profiles carry no update time:
   their children are current unless flagged (full-table ACTIVATE_VERSION covers them). #}
{% macro og_child_delete(child_stamp, parent_alias, parent_key, parent_stamp) -%}
  {%- set reason -%}
    case
        when c._sdc_deleted_at is not null then 'sdc_deleted_at'
        when {{ parent_alias }}.is_deleted then 'parent_deleted'
        {%- if parent_stamp %}
        when {{ parent_alias }}.{{ parent_key }} is not null
             and {{ child_stamp }} is distinct from {{ parent_alias }}.{{ parent_stamp }}
            then 'superseded_child'
        {%- endif %}
    end
  {%- endset -%}
  ({{ reason }}) is not null as is_deleted,
  {{ reason }} as deleted_via
{%- endmacro %}
