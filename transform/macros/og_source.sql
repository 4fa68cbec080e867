{#
  Reading what the tap landed, whichever features and layout a merchant uses.

  og_schemas(): the schemas in var('ordergroove_schemas') (a list or a comma-separated string).
  og_source(table, columns): one relation over every listed schema that has `table`, unioned,
    with exactly `columns` ("name type" strings, quoted: `order` is a reserved word). A column a
    schema's table lacks reads as a typed NULL; a table no schema has (optional features:
    upcoming_*, deleted_records, webhook_events, SFTP reports) yields an empty relation of the
    same shape, so every model builds and `where not is_deleted` stays valid. Always adds
    merchant_label (the tap's column, else the schema name), _sdc_deleted_at and
    _og_source_schema.
#}

{% macro og_schemas() %}
  {%- set raw = var('ordergroove_schemas') -%}
  {%- if raw is string -%}{%- set raw = raw.split(',') -%}{%- endif -%}
  {%- set out = [] -%}
  {%- for s in raw -%}{%- if s | trim -%}{%- do out.append(s | trim) -%}{%- endif -%}{%- endfor -%}
  {{ return(out) }}
{% endmacro %}

{% macro og_parse_columns(columns) %}
  {%- set out = [] -%}
  {%- for spec in columns -%}
    {%- set parts = spec.split(' ', 1) -%}
    {%- do out.append((parts[0], parts[1])) -%}
  {%- endfor -%}
  {{ return(out) }}
{% endmacro %}

{% macro og_source(table, columns) %}
  {%- set wanted = og_parse_columns(columns) -%}
  {%- set selects = [] -%}
  {%- if execute -%}
    {%- for schema in og_schemas() -%}
      {%- set rel = adapter.get_relation(database=target.database, schema=schema, identifier=table) -%}
      {%- if rel is not none -%}
        {%- set present = [] -%}
        {%- for col in adapter.get_columns_in_relation(rel) -%}{%- do present.append(col.name | lower) -%}{%- endfor -%}
        {%- set cols = [] -%}
        {%- for name, type in wanted -%}
          {%- if name | lower in present -%}
            {%- do cols.append(adapter.quote(name) ~ '::' ~ type ~ ' as ' ~ adapter.quote(name)) -%}
          {%- else -%}
            {%- do cols.append('null::' ~ type ~ ' as ' ~ adapter.quote(name)) -%}
          {%- endif -%}
        {%- endfor -%}
        {%- if 'merchant_label' in present -%}
          {%- do cols.append("coalesce(merchant_label::text, '" ~ schema ~ "') as merchant_label") -%}
        {%- else -%}
          {%- do cols.append("'" ~ schema ~ "'::text as merchant_label") -%}
        {%- endif -%}
        {%- if '_sdc_deleted_at' in present -%}
          {%- do cols.append('_sdc_deleted_at::timestamp as _sdc_deleted_at') -%}
        {%- else -%}
          {%- do cols.append('null::timestamp as _sdc_deleted_at') -%}
        {%- endif -%}
        {%- do cols.append("'" ~ schema ~ "'::text as _og_source_schema") -%}
        {%- do selects.append('select ' ~ cols | join(', ') ~ ' from ' ~ rel) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {%- if selects -%}
    ({{ selects | join('\n    union all\n    ') }})
  {%- else -%}
    {%- set cols = [] -%}
    {%- for name, type in wanted -%}{%- do cols.append('null::' ~ type ~ ' as ' ~ adapter.quote(name)) -%}{%- endfor -%}
    (select {{ cols | join(', ') }}, null::text as merchant_label, null::timestamp as _sdc_deleted_at, null::text as _og_source_schema where false)
  {%- endif -%}
{% endmacro %}
