-- One row per reply in a complaint's current state. Incremental: the replies of
-- complaints whose state changed are replaced (docs block `incremental_facts`).
{{ config(materialized=facts_materialization(), incremental_strategy='replace_complaints') }}

with

complaints as (

    select
        complaint_id,
        platform
    from {{ ref('int_complaints__current_state') }}
    {{ where_complaint_changed() }}

),

replies as (

    select * from {{ ref('int_complaint_replies') }}

)

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
    replies.source_ingested_at
from replies
inner join complaints using (complaint_id)
