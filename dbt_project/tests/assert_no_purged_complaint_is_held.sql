{{ config(meta={'dagster': {'ref': {'name': 'fct_complaints'}}}) }}
-- Erasure reached every table that holds complaints: no row of them comes from
-- a raw line `tousu purge` erased (audit.purged_lines). The incremental tables
-- drop such rows themselves (macro drop_purged_complaints, or a rebuild on
-- Spark); the others are rebuilt from every line there is. Each row of these
-- tables carries the line of its complaint's current state, and a purge erases
-- every line of a complaint. Tables that hold complaint ids without their line
-- (typical_cases) are rebuilt from fct_complaints, and their relationship tests
-- find any id it lost.
{%- set complaint_tables = [
    'int_complaints__current_state', 'int_complaint_replies', 'fct_complaints', 'fct_replies',
    'fct_evaluations', 'int_cfpb_complaints__current_state', 'fct_cfpb_complaints',
] %}

with

purged as (

    {{ purged_raw_lines() }}

)

{% for table in complaint_tables %}
    select
        '{{ table }}' as held_in,
        held.source_file,
        held.source_line_no
    from {{ ref(table) }} as held
    inner join purged
        on held.source_file = purged.source_file
            and held.source_line_no = purged.line_no
    {% if not loop.last %}union all{% endif %}
{% endfor %}
