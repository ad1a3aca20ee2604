{#- The filter on platform_ratings for one publication, from the vars that the
    publication asset and `tousu publish` set (see the docs block `publication`).
    With none of them set, as in every ordinary build, it selects nothing. -#}
{% macro periods_to_publish() -%}
    {%- set period_key = var('publish_period_key', none) -%}
    {%- set ends_from = var('publish_period_end_from', none) -%}
    {%- set ends_before = var('publish_period_end_before', none) -%}
    {%- if period_key is not none -%}
        period_key = '{{ publication_value("publish_period_key", period_key, "^[0-9]{4}(-H[12]|-Q[1-4]|-(0[1-9]|1[0-2]))?$") }}'
    {%- elif ends_from is not none and ends_before is not none -%}
        period_end >= date '{{ publication_value("publish_period_end_from", ends_from, "^[0-9]{4}-[0-9]{2}-[0-9]{2}$") }}'
        and period_end < date '{{ publication_value("publish_period_end_before", ends_before, "^[0-9]{4}-[0-9]{2}-[0-9]{2}$") }}'
    {%- elif ends_from is not none or ends_before is not none -%}
        {{ exceptions.raise_compiler_error("dbt vars 'publish_period_end_from' and 'publish_period_end_before' go together") }}
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}

{#- A publication var, checked against its pattern before it reaches SQL. -#}
{% macro publication_value(name, value, pattern) -%}
    {%- if modules.re.match(pattern, value | string) -%}
        {{ value }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("dbt var '" ~ name ~ "' is malformed: " ~ value) }}
    {%- endif -%}
{%- endmacro %}

{#- The code version stamped on published rows (var code_version, set by the
    orchestration from the package version and git commit). -#}
{% macro code_version() -%}
    {{ publication_value('code_version', var('code_version'), '^[0-9A-Za-z.+_-]{1,100}$') }}
{%- endmacro %}
