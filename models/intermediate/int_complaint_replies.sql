-- One row per reply of each complaint's current state, flagged when it is an
-- effective platform reply: author platform and content not blank (full-width
-- spaces count as blank). Incremental: only complaints whose state changed.
{{ facts_config('replace_complaints') }}

with

complaints as (

    select
        complaint_id,
        replies,
        source_file,
        source_line_no,
        source_ingested_at,
        submitted_month
    from {{ ref('int_complaints__current_state') }}
    {{ where_complaint_changed() }}

),

unnested as (

    select
        complaint_id,
        source_file,
        source_line_no,
        source_ingested_at,
        submitted_month,
        {{ list_elements(json_array('replies'), 'reply', 'reply_index') }}
    from complaints
    where replies is not null

),

new_replies as (

    select
        complaint_id,
        reply_index,
        tousu_local_ts({{ json_text('reply', 'replied_at') }}) as replied_at,
        {{ json_text('reply', 'author') }} as author,
        {{ json_text('reply', 'content') }} as content,
        {{ json_text('reply', 'author') }} = 'platform'
        and not tousu_is_blank({{ json_text('reply', 'content') }}) as is_effective_platform_reply,
        source_file,
        source_line_no,
        source_ingested_at,
        submitted_month
    from unnested

)

{{ rows_to_write('new_replies', changed_complaints()) }}
