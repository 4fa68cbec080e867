{#
  Time in the merchant's zone. The tap stores each instant as a UTC wall clock in a
  `timestamp without time zone`, so the conversion is two steps: declare it UTC, then read it
  in the merchant's zone. (`ts at time zone 'America/Chicago'` alone would treat the UTC clock
  as Chicago time and shift it the wrong way: a 20:30 CDT cancel on 31 March would land in
  April.)
#}

{% macro og_tz() %}'{{ var('merchant_timezone') }}'{% endmacro %}

{% macro og_local(col) %}(({{ col }} at time zone 'UTC') at time zone {{ og_tz() }}){% endmacro %}

{# `col` as <alias>_at (UTC), <alias>_local_date and <alias>_local_month. #}
{% macro og_ts(col, alias) -%}
  {{ col }} as {{ alias }}_at_utc,
  {{ og_local(col) }}::date as {{ alias }}_local_date,
  date_trunc('month', {{ og_local(col) }})::date as {{ alias }}_local_month
{%- endmacro %}

{# The as_of_date var, else today in the merchant's zone. #}
{% macro og_as_of_date() -%}
  {%- if var('as_of_date') -%}'{{ var('as_of_date') }}'::date
  {%- else -%}(now() at time zone {{ og_tz() }})::date{%- endif -%}
{%- endmacro %}
