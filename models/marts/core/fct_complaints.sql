-- One row per complaint (its current state) with everything a rating needs.
-- Incremental: only complaints whose state changed since the last build are
-- rebuilt (docs block `incremental_facts`).
{{ facts_config('delete+insert', unique_key='complaint_id') }}

with

complaints as (

    select * from {{ ref('int_complaints__current_state') }}
    {{ where_complaint_changed() }}

),

statuses as (

    select * from {{ ref('complaint_statuses') }}

),

first_replies as (

    select
        replies.complaint_id,
        min(replies.replied_at) as first_reply_at,
        -- min_by, not first(... order by ...): an ordered aggregate keeps
        -- every group's rows in memory, a plain one spills (10M complaints).
        min_by(
            replies.content, {{ ordering_key(['replies.replied_at', 'replies.reply_index']) }}
        ) as first_reply_content
    from {{ ref('int_complaint_replies') }} as replies
    where
        replies.is_effective_platform_reply
        {%- if is_incremental() %}
        -- the changed complaints' replies, found by their state time
        -- (macro where_complaint_changed); a full build needs no filter
            and {{ state_changed('replies.source_ingested_at') }}
        {%- endif %}
    group by replies.complaint_id

),

joined as (

    select
        complaints.*,
        first_replies.first_reply_at,
        first_replies.first_reply_content,
        {{ microseconds_between('complaints.transferred_at', 'first_replies.first_reply_at') }}
        / 3600e6 as reply_hours,
        -- transferred to the platform (有效投诉): the seed says which statuses
        coalesce(statuses.is_rated, false) as is_rated
    from complaints
    left join first_replies using (complaint_id)
    left join statuses using (status)

),

new_facts as (

    select
        complaint_id,
        platform,
        complaint_domain,
        industry,
        problem_type,
        status,
        is_rated,
        submitted_at,
        submitted_at::date as submitted_date,
        updated_at,
        transferred_at,
        first_reply_at,
        first_reply_content,
        first_reply_at is not null as has_effective_reply,
        reply_hours,
        {{ timeliness_score('reply_hours') }} as timeliness_score,
        amount,
        {{ amount_band('amount') }} as amount_band,
        province,
        gender,
        masked_name,
        score,
        evaluated_at,
        title,
        content,
        source_file,
        source_line_no,
        source_ingested_at,
        submitted_month
    from joined

)

{{ rows_to_write('new_facts', changed_complaints()) }}
