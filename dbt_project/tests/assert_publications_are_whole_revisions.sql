-- Each revision of a period is one publication: one timestamp and code version,
-- and revisions of a period are numbered 1, 2, 3 … without gaps, the later
-- published no earlier than the one before.
{{ config(meta={'dagster': {'ref': {'name': 'published_ratings'}}}) }}

with

revisions as (

    select
        period_key,
        revision,
        count(distinct published_at) as n_published_at,
        count(distinct code_version) as n_code_versions,
        min(published_at) as published_at
    from {{ ref('published_ratings') }}
    group by period_key, revision

),

numbered as (

    select
        *,
        row_number() over (partition by period_key order by revision) as expected_revision,
        lag(published_at) over (partition by period_key order by revision) as previous_published_at
    from revisions

)

select *
from numbered
where n_published_at <> 1
    or n_code_versions <> 1
    or revision <> expected_revision
    or published_at < previous_published_at
