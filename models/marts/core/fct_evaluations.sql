-- One row per evaluated complaint (current state carries an evaluation score).
-- Incremental: the rows of complaints whose state changed are replaced, so a
-- complaint whose new state has no score leaves (docs block `incremental_facts`).
{{ facts_config('replace_complaints') }}

with

complaints as (

    select * from {{ ref('int_complaints__current_state') }}
    {{ where_complaint_changed() }}

),

new_evaluations as (

    select
        complaint_id,
        platform,
        score,
        evaluated_at,
        evaluation_comment,
        source_file,
        source_line_no,
        source_ingested_at,
        submitted_month
    from complaints
    where score is not null

)

{{ rows_to_write('new_evaluations', changed_complaints()) }}
