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

{#- A row of a table keyed by complaint that belongs to a purged complaint:
    its state line is a raw line `tousu purge` erased (audit.purged_lines, of
    complaint dumps and CFPB exports alike). A purge erases every line of a
    complaint, and every row of such a table carries the line of its
    complaint's current state. A condition on the row's own columns. -#}
{% macro from_a_purged_line() -%}
    (source_file, source_line_no) in (
        select source_file, line_no from {{ source('audit', 'purged_lines') }} where layer = 'raw'
    )
{%- endmacro %}

{#- The rows of `models` that come from a purged line, with the model holding
    each: what the data tests of erasure expect to be empty. -#}
{% macro rows_of_purged_lines(models) -%}
    {%- for model in models %}
        select
            '{{ model }}' as held_in,
            source_file,
            source_line_no
        from {{ ref(model) }}
        where {{ from_a_purged_line() }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- DuckDB, before an incremental run writes: the rows of purged complaints
    go, so that a purge costs what a day does rather than a full refresh (the
    tables built from these are rebuilt by the purge's run anyway). A purge
    whose run did not end leaves them to the next build, which runs every
    node. With no purged line DuckDB skips the scan (1-4 ms at 10M rows);
    with some, the probe costs about 30 ms per 10M rows. -#}
{% macro drop_purged_complaints() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ from_a_purged_line() }}
    {%- endif -%}
{%- endmacro %}

{#- Spark, after an incremental run wrote: dynamic partition overwrite leaves
    a month it writes no row for as it was. A month of a changed complaint
    gets no row when every row it held went: its complaints purged, moved to
    other months by a corrected submission date, or left by their new state
    with no row in this table (no evaluation any more). Such a month holds
    only stale rows — rows whose line is no complaint's current state — and is
    dropped whole. Every other month a changed complaint was in was rewritten,
    so a month holding stale rows beside current ones cannot be left by a run:
    it stops the build rather than lose the current ones. `of_the_table_itself`:
    the current state is this table (its newest row of each complaint that was
    not purged), not int_complaints__current_state. -#}
{% macro drop_months_left_stale(of_the_table_itself=false) -%}
    {%- if execute and is_incremental() -%}
        {%- set current_lines -%}
            {%- if of_the_table_itself -%}
                select complaint_id, source_file, source_line_no
                from (
                    select
                        complaint_id,
                        source_file,
                        source_line_no,
                        row_number() over (partition by complaint_id order by source_ingested_at desc) as newness
                    from {{ this }}
                    where not {{ from_a_purged_line() }}
                ) as states
                where newness = 1
            {%- else -%}
                select complaint_id, source_file, source_line_no from {{ ref('int_complaints__current_state') }}
            {%- endif -%}
        {%- endset -%}
        {%- set months -%}
            select cast(held.submitted_month as string), count(current_lines.complaint_id)
            from {{ this }} as held
            left join ({{ current_lines }}) as current_lines
                on held.complaint_id = current_lines.complaint_id
                    and held.source_file = current_lines.source_file
                    and held.source_line_no = current_lines.source_line_no
            group by held.submitted_month
            having count(current_lines.complaint_id) < count(*)
        {%- endset -%}
        {%- for month, n_current in run_query(months).rows -%}
            {%- if month is none or n_current > 0 -%}
                {{ exceptions.raise_compiler_error(
                    this ~ ": month " ~ month ~ " holds " ~ ("current rows beside stale ones" if n_current > 0
                    else "stale rows without a submission month") ~ "; `tousu build --full-refresh` rebuilds it"
                ) }}
            {%- endif -%}
            {%- do run_query("alter table " ~ this ~ " drop if exists partition (submitted_month = date'" ~ month ~ "')") -%}
        {%- endfor -%}
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
{#- `is_the_current_state`: the model is int_complaints__current_state, the
    current state the others' rows are checked against. -#}
{% macro facts_config(strategy, unique_key=none, is_the_current_state=false) -%}
    {#- an input of every such table (drop_purged_complaints on DuckDB,
        spark__rows_to_write on Spark): declared, as a hook's is not -#}
    {%- do source('audit', 'purged_lines') -%}
    {{ adapter.dispatch('facts_config', 'tousu')(strategy, unique_key, is_the_current_state) }}
{%- endmacro %}

{% macro default__facts_config(strategy, unique_key, is_the_current_state) -%}
    {{ config(
        materialized='incremental', incremental_strategy=strategy, unique_key=unique_key,
        pre_hook="{{ drop_purged_complaints() }}"
    ) }}
{%- endmacro %}

{% macro spark__facts_config(strategy, unique_key, is_the_current_state) -%}
    {{ config(
        materialized='incremental', incremental_strategy='insert_overwrite', partition_by=['submitted_month'],
        post_hook="{{ drop_months_left_stale(of_the_table_itself=" ~ is_the_current_state ~ ") }}"
    ) }}
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
    complaint to another month, and its old month must lose it). A purged
    complaint counts as changed, with no new rows. `<=>`: a NULL month is a
    partition too. Reading the table being overwritten is safe in dynamic
    mode: Spark writes the new partitions aside and swaps them in. -#}
{% macro spark__rows_to_write(new_rows, keys_of_changes) -%}
    {%- if is_incremental() -%}
        {%- set columns = get_quoted_csv(adapter.get_columns_in_relation(this) | map(attribute='name')) -%}
        {#- a purged complaint counts as changed, with no new rows -#}
        {%- set changed_keys -%}
            {{ keys_of_changes }} union select complaint_id from {{ this }} where {{ from_a_purged_line() }}
        {%- endset -%}
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
