{#- Incremental facts keyed by complaint (see the docs block `incremental_facts`).

    Every such model carries source_ingested_at, the ingestion time of the line
    its complaint's current state came from. `changed_complaints()` lists the
    complaints whose current state is newer than anything the model holds; the
    model's SQL builds their rows, and the `replace_complaints` strategy deletes
    every row those complaints had and inserts the new ones, so a complaint whose
    new state yields no row (no replies left, no score) loses its old rows too.
    Both read the same watermark before anything is deleted, and redoing a
    complaint is harmless: a run never misses a change, it may only redo one. -#}

{#- The newest source_ingested_at this model holds, as a literal: a constant
    filter reaches the scan (and DuckDB's zone maps skip whole row groups of
    older lines), where a subquery would be evaluated against every row. -#}
{% macro ingestion_watermark() -%}
    {%- set watermark = none -%}
    {%- if execute and is_incremental() -%}
        {%- set result = run_query("select max(source_ingested_at)::string from " ~ this) -%}
        {%- if result.columns[0].values()[0] is not none -%}
            {%- set watermark = result.columns[0].values()[0] -%}
        {%- endif -%}
    {%- endif -%}
    {{ instant_literal(watermark) }}
{%- endmacro %}

{% macro changed_complaints() -%}
    select complaint_id
    from {{ ref('int_complaints__current_state') }}
    where source_ingested_at > {{ ingestion_watermark() }}
{%- endmacro %}

{#- Only the changed complaints on an incremental run; every complaint otherwise. -#}
{% macro where_complaint_changed(column='complaint_id') -%}
    {%- if is_incremental() -%}
        where {{ column }} in ({{ changed_complaints() }})
    {%- endif -%}
{%- endmacro %}

{% macro get_incremental_replace_complaints_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set batch = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where complaint_id in ({{ changed_complaints() }});

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ batch }};
{%- endmacro %}

{#- How the facts keyed by complaint are materialized. On Spark they are
    rebuilt whole on every build for now: dbt-spark's strategies on Parquet
    (append, insert_overwrite) cannot replace one complaint's rows, and the
    partition-overwrite design is not built yet (docs/operations.md, "Spark"). -#}
{% macro facts_materialization() -%}
    {{ return(adapter.dispatch('facts_materialization', 'tousu')()) }}
{%- endmacro %}

{% macro default__facts_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__facts_materialization() -%}
    {{ return('table') }}
{%- endmacro %}
