{{ config(meta={'dagster': {'ref': {'name': 'fct_complaints'}}}) }}
-- Erasure reached every table that holds complaints of the dumps: no row of
-- them comes from a raw line `tousu purge` erased (audit.purged_lines). The
-- incremental tables drop such rows themselves (macros drop_purged_complaints
-- on DuckDB, spark__rows_to_write on Spark); the others are rebuilt from them.
-- Each row of these tables carries the line of its complaint's current state,
-- and a purge erases every line of a complaint. Tables that hold complaint ids
-- without their line (typical_cases) are rebuilt from fct_complaints, and their
-- relationship tests find any id it lost. The CFPB's tables have a test of
-- their own, so that a build of dumps alone leaves them as they are.
{{ rows_of_purged_lines([
    'int_complaints__current_state', 'int_complaint_replies', 'fct_complaints', 'fct_replies', 'fct_evaluations',
]) }}
