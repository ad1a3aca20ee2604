-- One row per reply in a complaint's current state. Incremental: the replies of
-- complaints whose state changed are replaced (docs block `incremental_facts`).
{{ facts_config('replace_complaints') }}

with

complaints as (

    select
        complaint_id,
        platform,
        submitted_month
    from {{ ref('int_complaints__current_state') }}
    {{ where_complaint_changed() }}

),

replies as (

    select * from {{ ref('int_complaint_replies') }}
    {{ where_complaint_changed() }}

),

new_replies as (

    select
        replies.complaint_id,
        replies.reply_index,
        complaints.platform,
        replies.replied_at,
        replies.author,
        replies.content,
        replies.is_effective_platform_reply,
        replies.source_file,
        replies.source_line_no,
        replies.source_ingested_at,
        complaints.submitted_month
    from replies
    inner join complaints using (complaint_id)

)

{{ rows_to_write('new_replies', changed_complaints()) }}
