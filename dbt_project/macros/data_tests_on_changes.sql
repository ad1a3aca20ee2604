{#- Data tests that check only what changed since they last passed (docs block
    `incremental_facts`). A test opts in with

        config:
          meta:
            changes_since_last_pass: {column: source_ingested_at, key: complaint_id}

    `column` is the row's ingestion time; `key` (optional) widens the rows
    tested to every row of a changed key, so that a changed complaint's old row
    left beside its new one still fails a uniqueness test. -#}

{#- Where tousu records, per test, the newest ingestion time it passed on. -#}
{% macro tested_through_relation() -%}
    {#- Spark's targets have no database: schemas are the top level there. -#}
    {%- set database = target.database if target.database is defined else none -%}
    {{- return(api.Relation.create(database=database, schema='audit', identifier='data_tests_passed_through')) -}}
{%- endmacro %}

{#- What the recorded times are valid for: the dbt project tousu's orchestration
    built (TOUSU_PROJECT_HASH, a hash of every node and macro in its manifest,
    orchestration/manifest.py). A changed model or macro, or dbt run by hand (no
    hash), tests every row again. An environment variable, not a var: dbt parses
    the whole project again whenever the vars differ from its parse state's, and
    the hash is known only once the project is parsed. It is read at execution
    only, so it is no part of dbt's parse state. -#}
{% macro project_hash() -%}
    {{- return(env_var('TOUSU_PROJECT_HASH', '')) -}}
{%- endmacro %}

{#- dbt's own `get_where_subquery` (the relation a generic test reads), plus the
    filter to changed rows for tests that opted in. This override is the one
    place where tousu's generic tests behave unlike dbt's: a test without the
    `changes_since_last_pass` meta reads exactly what dbt's would (its `where`
    config included), and with it, a plain `dbt build` (no project hash)
    still tests every row. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set filters = [] -%}
    {%- if config.get('where') -%}
        {%- do filters.append('(' ~ config.get('where') ~ ')') -%}
    {%- endif -%}
    {%- set scope = (config.get('meta') or {}).get('changes_since_last_pass') -%}
    {%- set since = tested_through(model.unique_id) if scope else none -%}
    {%- if since is not none -%}
        {%- set changed = scope['column'] ~ ' > ' ~ instant_literal(since) -%}
        {%- if scope.get('key') -%}
            {%- set changed = scope['key'] ~ ' in (select ' ~ scope['key'] ~ ' from ' ~ relation ~ ' where ' ~ changed ~ ')' -%}
        {%- endif -%}
        {%- do filters.append(changed) -%}
    {%- endif -%}
    {%- if filters -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ filters | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- The ingestion time this test last passed through, as text; none when every
    row must be tested: nothing recorded, another project hash, or a full
    refresh (which rebuilds the rows it would skip). -#}
{% macro tested_through(test_id) -%}
    {%- if not execute or flags.FULL_REFRESH or not project_hash() -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set relation = tested_through_relation() -%}
    {%- if adapter.get_relation(relation.database, relation.schema, relation.identifier) is none -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set result = run_query(
        "select passed_through::string from " ~ relation
        ~ " where test_id = '" ~ test_id ~ "' and project_hash = '" ~ project_hash() ~ "'") -%}
    {{- return(result.columns[0].values()[0] if result.rows | length else none) -}}
{%- endmacro %}

{#- on-run-end: for every opted-in test that passed, the newest ingestion time
    of the rows it could see. Rows an incremental model adds later are newer
    still, so the next run's filter keeps them. -#}
{% macro record_tests_passed_through(results) -%}
    {{- return(adapter.dispatch('record_tests_passed_through', 'tousu')(results)) -}}
{%- endmacro %}

{#- The record's rows for the opted-in tests that passed (selects, one per test);
    none without a project hash (dbt run by hand). -#}
{% macro tests_passed_through(results) -%}
    {%- set rows = [] -%}
    {%- if not execute or not project_hash() -%}
        {{- return(rows) -}}
    {%- endif -%}
    {%- for result in results
            if result.node.resource_type == 'test' and result.status == 'pass'
            and (result.node.config.meta or {}).get('changes_since_last_pass') -%}
        {%- set tested = graph.nodes[result.node.attached_node] -%}
        {%- set column = result.node.config.meta['changes_since_last_pass']['column'] -%}
        {#- an ephemeral model (staging on Spark) has no relation to read back:
            its tests check every row -#}
        {%- if tested.config.materialized != 'ephemeral' -%}
        {%- do rows.append(
            "select '" ~ result.node.unique_id ~ "' as test_id, '" ~ project_hash() ~ "' as project_hash, max("
            ~ column ~ ") as passed_through from " ~ adapter.quote(tested.schema) ~ "." ~ adapter.quote(tested.alias)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(rows) -}}
{%- endmacro %}

{% macro default__record_tests_passed_through(results) -%}
    {%- set rows = tests_passed_through(results) -%}
    {%- if rows -%}
        {%- set relation = tested_through_relation() -%}
        create schema if not exists {{ relation.schema }};
        create table if not exists {{ relation }} (
            test_id varchar primary key, project_hash varchar not null, passed_through timestamptz
        );
        insert or replace into {{ relation }}
        select * from ({{ rows | join(' union all ') }}) where passed_through is not null;
    {%- endif -%}
{%- endmacro %}

{#- On Spark the record is partitioned by test: dynamic partition overwrite
    replaces the rows of the tests that passed and keeps the others (Parquet
    has no `insert or replace`). One statement per query: Spark runs one. -#}
{% macro spark__record_tests_passed_through(results) -%}
    {%- set rows = tests_passed_through(results) -%}
    {%- if rows -%}
        {%- set relation = tested_through_relation() -%}
        {%- do run_query('create schema if not exists ' ~ relation.schema) -%}
        {%- do run_query(
            'create table if not exists ' ~ relation
            ~ ' (project_hash string, passed_through timestamp_ltz, test_id string)'
            ~ ' using parquet partitioned by (test_id)') -%}
        {%- do run_query('set spark.sql.sources.partitionOverwriteMode = DYNAMIC') -%}
        {%- do run_query(
            'insert overwrite table ' ~ relation ~ ' partition (test_id)'
            ~ ' select project_hash, passed_through, test_id from (' ~ rows | join(' union all ')
            ~ ') where passed_through is not null') -%}
    {%- endif -%}
    {{- return('') -}}
{%- endmacro %}
