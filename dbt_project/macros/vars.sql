{#- Read a project var that must be a boolean; anything else stops the build with
    a message naming the var (a typo like `rate_second_half: yes-please` must not
    silently rate nothing). -#}
{% macro bool_var(name) -%}
    {%- set value = var(name) -%}
    {%- if value is sameas true or value is sameas false -%}
        {{ value }}
    {%- elif value | string | lower in ['true', 'false'] -%}
        {{ value | string | lower }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("dbt var '" ~ name ~ "' must be true or false, got: " ~ value) }}
    {%- endif -%}
{%- endmacro %}

{#- Read a project var that must be a whole number >= minimum. -#}
{% macro int_var(name, minimum=0) -%}
    {%- set value = var(name) -%}
    {%- if (value | string).isdigit() and (value | int) >= minimum -%}
        {{ value | int }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("dbt var '" ~ name ~ "' must be a whole number >= " ~ minimum ~ ", got: " ~ value) }}
    {%- endif -%}
{%- endmacro %}
