{{ config(meta={'dagster': {'ref': {'name': 'fct_cfpb_complaints'}}}) }}
-- Erasure reached the tables that hold CFPB complaints (`tousu purge
-- --cfpb-complaint-id`): no row of them comes from a purged raw line. They are
-- rebuilt from the raw records on every build that reads a CFPB export or a
-- purge. The dumps' tables have a test of their own
-- (assert_no_purged_complaint_is_held).
{{ rows_of_purged_lines(['int_cfpb_complaints__current_state', 'fct_cfpb_complaints']) }}
