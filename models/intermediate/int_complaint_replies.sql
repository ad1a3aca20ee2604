-- One row per reply of each complaint's current state, flagged when it is an
-- effective platform reply: author platform and content not blank (full-width
-- spaces count as blank). Incremental: only complaints whose state changed.
{{ config(materialized='incremental', incremental_strategy='replace_complaints') }}

with

complaints as (

    select
        complaint_id,
        replies,
        source_file,
        source_line_no,
        source_ingested_at
    from {{ ref('int_complaints__current_state') }}
    {{ where_complaint_changed() }}

),

unnested as (

    select
        complaint_id,
        source_file,
        source_line_no,
        source_ingested_at,
        unnest(json_extract(replies, '$[*]')) as reply,
        generate_subscripts(json_extract(replies, '$[*]'), 1) as reply_index
    from complaints
    where replies is not null

)

select
    complaint_id,
    reply_index,
    tousu_local_ts(reply ->> 'replied_at') as replied_at,
    reply ->> 'author' as author,
    reply ->> 'content' as content,
    (reply ->> 'author') = 'platform'
    and not tousu_is_blank(reply ->> 'content') as is_effective_platform_reply,
    source_file,
    source_line_no,
    source_ingested_at
from unnested
