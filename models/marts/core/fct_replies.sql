-- One row per reply in a complaint's current state.

with

replies as (

    select * from {{ ref('int_complaint_replies') }}

),

complaints as (

    select complaint_id, platform from {{ ref('stg_tousu__complaints') }}

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
    replies.source_line_no
from replies
inner join complaints using (complaint_id)
