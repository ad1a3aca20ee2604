{#- Snapshots on plain Parquet (docs block `registry_history`).

    dbt-spark's own snapshot materialization MERGEs into Delta, Iceberg or Hudi
    tables and refuses Parquet. This one keeps the same SCD2 table with dbt's
    own change detection (`snapshot_staging_table`: new rows, changed rows and,
    with `hard_deletes: invalidate`, rows gone from the source) and no MERGE:
    the next table — every held version, the ones that changed or went now
    closed, plus the new versions — is written aside as `<name>__dbt_next`,
    marked complete, and copied over the snapshot. A run stopped before the mark
    throws the aside table away; one stopped after it finishes the copy first.
    Either way no version is lost. dbt-databricks (Delta) does not use it. -#}
{% materialization snapshot, adapter='spark' %}
    {%- set target_relation = api.Relation.create(
        database=none, schema=model.schema, identifier=model.get('alias', model.get('name')), type='table'
    ) -%}
    {%- set next_relation = target_relation.incorporate(path={'identifier': target_relation.identifier ~ '__dbt_next'}) -%}
    {%- set existing = load_relation(target_relation) -%}
    {%- set columns = config.get('snapshot_table_column_names') or get_snapshot_table_column_names() -%}
    {%- if not adapter.check_schema_exists(model.database, model.schema) -%}
        {%- do create_schema(model.schema) -%}
    {%- endif -%}
    {{ run_hooks(pre_hooks) }}
    {%- do tousu_finish_snapshot_copy(target_relation, next_relation) -%}

    {%- set strategy_macro = strategy_dispatch(config.get('strategy')) -%}
    {%- set strategy = strategy_macro(model, 'snapshotted_data', 'source_data', model['config'], existing is not none) -%}
    {%- if existing is none -%}
        {%- set final_sql = create_table_as(False, target_relation, build_snapshot_table(strategy, model['compiled_code'])) -%}
        {%- call statement('main') -%}{{ final_sql }}{%- endcall -%}
    {%- else -%}
        {%- set staging = spark_build_snapshot_staging_table(strategy, sql, target_relation) -%}
        {%- set names = adapter.get_columns_in_relation(target_relation) | map(attribute='name') | list -%}
        {%- call statement('create_next') -%}
            create table {{ next_relation }} like {{ target_relation }} using parquet
        {%- endcall -%}
        {%- call statement('main') -%}
            insert into {{ next_relation }}
            select
                {%- for name in names %}
                {% if name == columns.dbt_valid_to -%}
                    coalesce(closing.{{ name }}, held.{{ name }}) as {{ name }}
                {%- else -%}
                    held.`{{ name }}`
                {%- endif %}{{ ',' if not loop.last }}
                {%- endfor %}
            from {{ target_relation }} as held
            left join (
                select {{ columns.dbt_scd_id }}, {{ columns.dbt_valid_to }}
                from {{ staging }}
                where dbt_change_type in ('update', 'delete')
            ) as closing
                on held.{{ columns.dbt_scd_id }} = closing.{{ columns.dbt_scd_id }}
                and held.{{ columns.dbt_valid_to }} is null
            union all
            select {% for name in names %}`{{ name }}`{{ ', ' if not loop.last }}{% endfor %}
            from {{ staging }}
            where dbt_change_type = 'insert'
        {%- endcall -%}
        {%- call statement('mark_next_complete') -%}
            alter table {{ next_relation }} set tblproperties ('tousu.complete' = 'true')
        {%- endcall -%}
        {%- do tousu_copy_snapshot_aside(target_relation, next_relation) -%}
        {%- do adapter.drop_relation(staging) -%}
    {%- endif -%}
    {%- do persist_docs(target_relation, model) -%}
    {{ run_hooks(post_hooks) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{#- A run stopped midway left the aside table: copy it over the snapshot if it
    was marked complete; drop it either way (unmarked, its run stopped before
    the snapshot was touched). dbt's relation cache, filled at the start of
    the run, knows a table left by an earlier run. -#}
{% macro tousu_finish_snapshot_copy(target_relation, next_relation) -%}
    {%- if load_relation(next_relation) is not none -%}
        {%- set marked = run_query('show tblproperties ' ~ next_relation ~ " ('tousu.complete')") -%}
        {%- if marked.rows | length > 0 and marked.rows[0][-1] == 'true' -%}
            {%- do tousu_copy_snapshot_aside(target_relation, next_relation) -%}
        {%- else -%}
            {%- call statement('drop_next') -%}drop table if exists {{ next_relation }}{%- endcall -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The aside table (complete) over the snapshot, then gone. -#}
{% macro tousu_copy_snapshot_aside(target_relation, next_relation) -%}
    {%- call statement('copy_next') -%}
        insert overwrite table {{ target_relation }} select * from {{ next_relation }}
    {%- endcall -%}
    {%- call statement('drop_next') -%}drop table if exists {{ next_relation }}{%- endcall -%}
{%- endmacro %}
