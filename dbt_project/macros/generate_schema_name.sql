{#- Schemas are named exactly as configured (staging, core, marts …) rather than
    prefixed with the target schema: BI tools and SPEC refer to `marts.*`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
