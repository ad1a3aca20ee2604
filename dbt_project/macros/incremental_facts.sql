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

{#- A row whose complaint's state is newer than anything this model holds:
    the row of a changed complaint, in any relation whose rows carry their
    complaint's state time (the current state, the replies). -#}
{% macro state_changed(column='source_ingested_at') -%}
    {{ column }} > {{ ingestion_watermark() }}
{%- endmacro %}

{% macro changed_complaints() -%}
    select complaint_id
    from {{ ref('int_complaints__current_state') }}
    where {{ state_changed() }}
{%- endmacro %}

{#- For a read of the current state or the replies: only the changed
    complaints' rows on an incremental run, every row otherwise. The same rows
    as `complaint_id in (changed_complaints())` (a complaint has one state, and
    each reply carries it), but a filter on the time skips the older row groups
    unread, where the semi-join read every row (about 1 s per model and day at
    10M). -#}
{% macro where_complaint_changed() -%}
    {%- if is_incremental() -%}
        where {{ state_changed() }}
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

{#- The raw lines `tousu purge` erased (audit.purged_lines), of complaint
    dumps and CFPB exports alike. A purge erases every line of a complaint, and
    every row of a table keyed by complaint carries the line of its
    complaint's current state: a row whose state line is here belongs to a
    purged complaint. -#}
{% macro purged_raw_lines() -%}
    select source_file, line_no from {{ source('audit', 'purged_lines') }} where layer = 'raw'
{%- endmacro %}

{#- DuckDB, before an incremental run writes: the rows of purged complaints
    go, so that a purge costs what a day does rather than a full refresh (the
    tables built from these are rebuilt by the purge's run anyway). A purge
    whose run did not end leaves them to the next build, which runs every
    node. A row no purge names costs one probe of a small hash table: about
    30 ms for 10M rows. Spark rebuilds its tables instead (orchestration/purge.py). -#}
{% macro drop_purged_complaints() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where (source_file, source_line_no) in ({{ purged_raw_lines() }})
    {%- endif -%}
{%- endmacro %}

{#- How the models keyed by complaint are materialized: incremental on both
    engines, each with its own way of replacing a complaint's rows.
    DuckDB: `strategy` (`delete+insert` on `unique_key`, or `replace_complaints`
    above), with the model's rows for the changed complaints, after the rows
    of purged complaints are dropped.
    Spark on Parquet has no DELETE: the tables are partitioned by the month the
    complaint was submitted (`submitted_month`) and dynamic partition overwrite
    replaces whole months, so `rows_to_write` adds the rows of every other
    complaint of the months a change touches (docs block `incremental_facts`). -#}
{% macro facts_config(strategy, unique_key=none) -%}
    {#- an input of every such table, on both engines (drop_purged_complaints,
        or Spark's rebuild after a purge): declared, as a hook's is not -#}
    {%- do source('audit', 'purged_lines') -%}
    {{ adapter.dispatch('facts_config', 'tousu')(strategy, unique_key) }}
{%- endmacro %}

{% macro default__facts_config(strategy, unique_key) -%}
    {{ config(
        materialized='incremental', incremental_strategy=strategy, unique_key=unique_key,
        pre_hook="{{ drop_purged_complaints() }}"
    ) }}
{%- endmacro %}

{% macro spark__facts_config(strategy, unique_key) -%}
    {{ config(materialized='incremental', incremental_strategy='insert_overwrite', partition_by=['submitted_month']) }}
{%- endmacro %}

{#- What an incremental model writes, given `new_rows` (a CTE: the rows of the
    changed complaints) and `changed_keys` (a query listing those complaints). -#}
{% macro rows_to_write(new_rows, changed_keys) -%}
    {{ return(adapter.dispatch('rows_to_write', 'tousu')(new_rows, changed_keys)) }}
{%- endmacro %}

{% macro default__rows_to_write(new_rows, changed_keys) -%}
    select * from {{ new_rows }}
{%- endmacro %}

{#- Whole partitions: the new rows, and the held rows of every complaint that
    did not change in the months touched — those of the new rows and those the
    changed complaints held before (a corrected submission date moves a
    complaint to another month, and its old month must lose it). `<=>`: a NULL
    month is a partition too. Reading the table being overwritten is safe in
    dynamic mode: Spark writes the new partitions aside and swaps them in. -#}
{% macro spark__rows_to_write(new_rows, changed_keys) -%}
    {%- if is_incremental() -%}
        {%- set columns = get_quoted_csv(adapter.get_columns_in_relation(this) | map(attribute='name')) -%}
        select {{ columns }} from {{ new_rows }}
        union all
        select {{ columns }}
        from {{ this }} as held
        left semi join (
            select submitted_month from {{ new_rows }}
            union
            select held_before.submitted_month
            from {{ this }} as held_before
            left semi join ({{ changed_keys }}) as changed_before
                on held_before.complaint_id = changed_before.complaint_id
        ) as touched_months
            on held.submitted_month <=> touched_months.submitted_month
        left anti join ({{ changed_keys }}) as changed
            on held.complaint_id = changed.complaint_id
    {%- else -%}
        select * from {{ new_rows }}
    {%- endif -%}
{%- endmacro %}
