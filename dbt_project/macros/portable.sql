{#- SQL that DuckDB and Spark spell differently, behind adapter.dispatch:
    `default__` is DuckDB's spelling, `spark__` Spark's (and dbt-databricks',
    which falls back to spark__). Everything else in the models is SQL both
    engines read the same way. -#}

{#- The text of a top-level field of a JSON object (NULL when absent). -#}
{% macro json_text(json, field) -%}
    {{ return(adapter.dispatch('json_text', 'tousu')(json, field)) }}
{%- endmacro %}

{% macro default__json_text(json, field) -%}
    ({{ json }} ->> '{{ field }}')
{%- endmacro %}

{% macro spark__json_text(json, field) -%}
    get_json_object({{ json }}, '$.{{ field }}')
{%- endmacro %}

{#- A JSON array as a list of its elements, each as JSON text. -#}
{% macro json_array(json) -%}
    {{ return(adapter.dispatch('json_array', 'tousu')(json)) }}
{%- endmacro %}

{% macro default__json_array(json) -%}
    json_extract({{ json }}, '$[*]')
{%- endmacro %}

{% macro spark__json_array(json) -%}
    from_json({{ json }}, 'array<string>')
{%- endmacro %}

{#- Select-list items: one row per element of a list, with its position from 1. -#}
{% macro list_elements(list, value_name, position_name) -%}
    {{ return(adapter.dispatch('list_elements', 'tousu')(list, value_name, position_name)) }}
{%- endmacro %}

{% macro default__list_elements(list, value_name, position_name) -%}
    unnest({{ list }}) as {{ value_name }},
    generate_subscripts({{ list }}, 1) as {{ position_name }}
{%- endmacro %}

{% macro spark__list_elements(list, value_name, position_name) -%}
    inline(transform({{ list }}, (element, position) -> named_struct(
        '{{ value_name }}', element, '{{ position_name }}', position + 1)))
{%- endmacro %}

{#- A select-list item: one row per whole number from `first` to `last`. -#}
{% macro each_integer(first, last, name) -%}
    {{ return(adapter.dispatch('each_integer', 'tousu')(first, last, name)) }}
{%- endmacro %}

{% macro default__each_integer(first, last, name) -%}
    unnest(range({{ first }}, {{ last }} + 1)) as {{ name }}
{%- endmacro %}

{% macro spark__each_integer(first, last, name) -%}
    explode(sequence({{ first }}, {{ last }})) as {{ name }}
{%- endmacro %}

{#- A struct of columns, each field named after its column. -#}
{% macro struct_of(columns) -%}
    {{ return(adapter.dispatch('struct_of', 'tousu')(columns)) }}
{%- endmacro %}

{% macro default__struct_of(columns) -%}
    { {%- for column in columns %}'{{ column }}': {{ column }}{{ ', ' if not loop.last }}{% endfor -%} }
{%- endmacro %}

{% macro spark__struct_of(columns) -%}
    named_struct({%- for column in columns %}'{{ column }}', {{ column }}{{ ', ' if not loop.last }}{% endfor -%})
{%- endmacro %}

{#- An ordering key: values that compare left to right, as ORDER BY would
    (for min_by / max and row comparisons). -#}
{% macro ordering_key(expressions) -%}
    {{ return(adapter.dispatch('ordering_key', 'tousu')(expressions)) }}
{%- endmacro %}

{% macro default__ordering_key(expressions) -%}
    row({{ expressions | join(', ') }})
{%- endmacro %}

{% macro spark__ordering_key(expressions) -%}
    struct({{ expressions | join(', ') }})
{%- endmacro %}

{#- Every column of a relation but some. -#}
{% macro star_except(relation, columns) -%}
    {{ return(adapter.dispatch('star_except', 'tousu')(relation, columns)) }}
{%- endmacro %}

{% macro default__star_except(relation, columns) -%}
    {{ relation }}.* exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__star_except(relation, columns) -%}
    {{ relation }}.* except ({{ columns | join(', ') }})
{%- endmacro %}

{#- Whole microseconds from one timestamp to a later one. -#}
{% macro microseconds_between(start, end) -%}
    {{ return(adapter.dispatch('microseconds_between', 'tousu')(start, end)) }}
{%- endmacro %}

{% macro default__microseconds_between(start, end) -%}
    date_diff('microsecond', {{ start }}, {{ end }})
{%- endmacro %}

{% macro spark__microseconds_between(start, end) -%}
    datediff(microsecond, {{ start }}, {{ end }})
{%- endmacro %}

{#- An instant (a timestamp with time zone) from its text; none: before every
    instant. Spark has no '-infinity': its cast would give NULL, which compares
    false, so a filter `> '-infinity'` would keep nothing. -#}
{% macro instant_literal(text) -%}
    {{ return(adapter.dispatch('instant_literal', 'tousu')(text)) }}
{%- endmacro %}

{% macro default__instant_literal(text) -%}
    '{{ text if text is not none else "-infinity" }}'::timestamptz
{%- endmacro %}

{% macro spark__instant_literal(text) -%}
    timestamp_ltz '{{ text if text is not none else "0001-01-01 00:00:00Z" }}'
{%- endmacro %}

{#- A CFPB export's date: `2019-09-24` (the export) or `9/24/2019` (older
    exports); NULL for anything else. -#}
{% macro cfpb_date(text) -%}
    {{ return(adapter.dispatch('cfpb_date', 'tousu')(text)) }}
{%- endmacro %}

{% macro default__cfpb_date(text) -%}
    try_strptime(tousu_trim({{ text }}), ['%Y-%m-%d', '%m/%d/%Y'])::date
{%- endmacro %}

{% macro spark__cfpb_date(text) -%}
    coalesce(try_to_date(tousu_trim({{ text }}), 'yyyy-MM-dd'), try_to_date(tousu_trim({{ text }}), 'M/d/yyyy'))
{%- endmacro %}
