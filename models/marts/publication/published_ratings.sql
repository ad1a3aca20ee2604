-- Frozen copies of platform_ratings for published periods (SPEC section 5).
--
-- Append only: each publication adds one new revision of every period it
-- publishes, copying that period's rows as they are now, and never touches an
-- earlier revision. full_refresh=false keeps `tousu build --full-refresh` (and
-- `dbt build --full-refresh`) from dropping what was published.
--
-- What to publish comes from vars that only the publication asset (a month
-- partition: every period ending in it) and `tousu publish --period KEY` set;
-- see the docs block `publication`.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='fail',
) }}

with

ratings as (

    select * from {{ ref('platform_ratings') }}
    where {{ periods_to_publish() }}

),

previous_revisions as (

    {% if is_incremental() %}
        select
            period_key,
            max(revision) as revision
        from {{ this }}
        group by period_key
    {% else %}
        select
            null::string as period_key,
            0 as revision
        where false
    {% endif %}

)

select
    ratings.platform,
    ratings.domain,
    ratings.period_key,
    ratings.period_type,
    ratings.period_label,
    ratings.period_start,
    ratings.period_end,
    ratings.n_complaints,
    ratings.n_replied,
    ratings.reply_rate,
    ratings.timeliness,
    ratings.n_scored,
    ratings.satisfaction,
    ratings.composite_index,
    ratings.eligible,
    ratings.rating,
    ratings.rating_code,
    (coalesce(previous_revisions.revision, 0) + 1)::integer as revision,
    -- one statement, one timestamp: every row of a publication shares it
    current_timestamp as published_at,
    '{{ code_version() }}' as code_version
from ratings
left join previous_revisions using (period_key)
