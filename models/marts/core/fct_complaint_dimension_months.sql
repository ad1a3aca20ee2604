-- Rated complaints per platform, month, dimension and value: the additive base
-- that platform and domain distributions of every period roll up from.
{%- set dimensions = ['problem_type', 'province', 'gender', 'amount_band'] %}

with

complaints as (

    select
        platform,
        date_trunc('month', submitted_date)::date as month_start,
        coalesce(problem_type, '未知') as problem_type,
        province,
        gender,
        amount_band
    from {{ ref('fct_complaints') }}
    where is_rated

),

-- One grouping set per dimension: a hash aggregate over the complaints for
-- each, where unpivoting first made four rows of every complaint (a third of
-- the time at 10M complaints, docs/benchmarks.md). grouping() says which
-- dimension a row counts; the other dimensions' columns are NULL in it.
counts as (

    select
        platform,
        month_start,
        case
            {%- for dimension in dimensions %}
                when grouping({{ dimension }}) = 0 then '{{ dimension }}'
            {%- endfor %}
        end as dimension,
        case
            {%- for dimension in dimensions %}
                when grouping({{ dimension }}) = 0 then {{ dimension }}
            {%- endfor %}
        end as value,
        count(*) as n_complaints
    from complaints
    group by grouping sets (
        {%- for dimension in dimensions %}
            (platform, month_start, {{ dimension }}){{ ',' if not loop.last }}
        {%- endfor %}
    )

)

-- a complaint without a value for a dimension is counted in none of its values
select * from counts
where value is not null
