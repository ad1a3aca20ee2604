{#- The staging of complaint lines — rename, cast, normalise, mask — over any
    relation with raw.complaints' columns (`lines`). stg_tousu__complaints
    applies it to every landed line; int_complaints__current_state to the
    winning line of each complaint only: the same rows for a third of the work,
    since a complaint has about three lines. One definition, two uses. -#}
{% macro staged_complaint_lines(lines) %}
with

-- One list, compared per row: a scalar subquery that the planner drops when a
-- query does not read masked_name (an IN-subquery would be a join that every
-- read of this view pays, even one that wants only the key columns).
compound_surnames as (

    select array_agg(surname) as surnames from {{ ref('compound_surnames') }}

),

renamed as (

    select
        tousu_trim(complaint_id)                              as complaint_id,
        -- NFKC can turn compatibility spaces into plain ones: trim afterwards.
        tousu_trim(tousu_nfkc(platform))                      as platform,
        tousu_trim(domain)                                    as complaint_domain,
        nullif(tousu_trim(tousu_nfkc(industry)), '')          as industry,
        nullif(tousu_trim(tousu_nfkc(problem_type)), '')      as problem_type,
        tousu_trim(status)                                    as status,
        tousu_local_ts(submitted_at)                          as submitted_at,
        tousu_local_ts(updated_at)                            as updated_at,
        tousu_local_ts(transferred_at)                        as transferred_at,
        tousu_amount(amount)                                  as amount,
        title,
        content,
        case tousu_trim({{ json_text(adapter.quote('user'), 'gender') }})
            when '男' then '男'
            when '女' then '女'
            else '未知'
        end                                                   as gender,
        -- matched to an official province name in int_complaints__current_state
        lower(tousu_trim(tousu_nfkc({{ json_text(adapter.quote('user'), 'province') }}))) as province_text,
        nullif(tousu_trim(tousu_nfkc({{ json_text(adapter.quote('user'), 'name') }})), '') as user_name,
        replies,
        {{ json_text('evaluation', 'score') }}::double        as score,
        tousu_local_ts({{ json_text('evaluation', 'evaluated_at') }}) as evaluated_at,
        {{ json_text('evaluation', 'comment') }}              as evaluation_comment,
        source_file,
        line_no                                               as source_line_no,
        ingested_at
    from {{ lines }}

)

select
    {{ star_except('renamed', ['user_name']) }},
    case
        when user_name is null then '匿名用户'
        else
            case
                when array_contains((select surnames from compound_surnames), left(user_name, 2))
                    then left(user_name, 2)
                else left(user_name, 1)
            end
            || case gender when '男' then '先生' when '女' then '女士' else '某' end
    end                                                       as masked_name
from renamed
{% endmacro %}
