-- The current state of every complaint: among its loaded lines, the one with the
-- greatest updated_at; ties go to the greater file name, then the greater line
-- (SPEC 3.1). Cast to tousu's types and normalised. Of the personal data only
-- gender, province and a masked name (surname + 先生/女士/某) leave the raw layer.
--
-- A table, unlike the other staging models: six models read the current state,
-- and as a view the dedupe over every landed line would run six times per build.
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('tousu', 'complaints') }}

),

current_state as (

    select *
    from source
    qualify row_number() over (
        partition by tousu_trim(complaint_id)
        order by tousu_local_ts(updated_at) desc, source_file desc, line_no desc
    ) = 1

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
        case tousu_trim("user" ->> 'gender')
            when '男' then '男'
            when '女' then '女'
            else '未知'
        end                                                   as gender,
        lower(tousu_trim(tousu_nfkc("user" ->> 'province')))  as province_text,
        nullif(tousu_trim(tousu_nfkc("user" ->> 'name')), '') as user_name,
        replies,
        (evaluation ->> 'score')::double                      as score,
        tousu_local_ts(evaluation ->> 'evaluated_at')         as evaluated_at,
        evaluation ->> 'comment'                              as evaluation_comment,
        source_file,
        line_no                                               as source_line_no
    from current_state

),

province_aliases as (

    select * from {{ ref('province_aliases') }}

),

compound_surnames as (

    select surname from {{ ref('compound_surnames') }}

),

-- Match provinces once per distinct spelling, not once per complaint.
province_spellings as (

    select distinct province_text from renamed where province_text is not null

),

province_matches as (

    select
        province_spellings.province_text,
        province_aliases.province
    from province_spellings
    inner join province_aliases
        on starts_with(province_spellings.province_text, province_aliases.alias)
    qualify row_number() over (
        partition by province_spellings.province_text
        order by length(province_aliases.alias) desc
    ) = 1

)

select
    renamed.* exclude (province_text, user_name),
    coalesce(province_matches.province, '未知') as province,
    case
        when renamed.user_name is null then '匿名用户'
        else
            case
                when left(renamed.user_name, 2) in (select surname from compound_surnames)
                    then left(renamed.user_name, 2)
                else left(renamed.user_name, 1)
            end
            || case renamed.gender when '男' then '先生' when '女' then '女士' else '某' end
    end                                         as masked_name
from renamed
left join province_matches using (province_text)
