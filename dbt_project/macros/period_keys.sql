{#- Period keys always have four-digit years (`2024`, `2024-H1`, `2024-Q4`,
    `2024-03`): a year cast to text alone would give `1-01` for year 1. -#}
{% macro year_key(year) -%}
    lpad(({{ year }})::string, 4, '0')
{%- endmacro %}
