{{ config(meta={'dagster': {'ref': {'name': 'platform_ratings'}}}) }}
-- A platform's rated complaints in a year equal the sum over its months, and
-- likewise for each quarter and half that is rated.
with

ratings as (

    select * from {{ ref('platform_ratings') }}

),

months as (

    select * from ratings
    where period_type = 'month'

),

rolled_up as (

    select
        ratings.platform,
        ratings.period_key,
        ratings.n_complaints,
        sum(months.n_complaints) as n_complaints_of_months
    from ratings
    inner join months
        on ratings.platform = months.platform
            and months.period_start between ratings.period_start and ratings.period_end
    where ratings.period_type <> 'month'
    group by all

)

select * from rolled_up
where n_complaints <> n_complaints_of_months
