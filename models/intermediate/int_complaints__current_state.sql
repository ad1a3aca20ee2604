-- The current state of every complaint: among its loaded lines, the one with the
-- greatest updated_at; ties go to the greater file name, then the greater line
-- (SPEC 3.1). Provinces are matched to their official names here.
--
-- Incremental (see the docs block `incremental_facts`): a build reads only the
-- lines ingested after the newest line this table holds, and a complaint's row
-- is replaced only when one of them beats the state held. A full refresh
-- computes the same table from every line.
{{ facts_config('delete+insert', unique_key='complaint_id', is_the_current_state=true) }}

with

-- The ordering keys of the lines to consider: cheap columns of the staging view.
new_lines as (

    select
        complaint_id,
        updated_at,
        source_file,
        source_line_no
    from {{ ref('stg_tousu__complaints') }}
    {% if is_incremental() %}
        where ingested_at > {{ ingestion_watermark() }}
    {% endif %}

),

-- The winner of each complaint, found on the ordering key alone (structs
-- compare field by field): a hash aggregate over narrow rows, where a window
-- would sort every line with all its columns.
latest_keys as (

    select
        complaint_id,
        max({{ struct_of(['updated_at', 'source_file', 'source_line_no']) }}) as latest
    from new_lines
    group by complaint_id

),

-- The winners that beat the state already held (an older state can arrive
-- late, in a file ingested after a newer one), decided on the narrow keys:
-- only these lines are staged. Joined here, DuckDB builds its hash table on
-- the day's keys; joined after the staging below, it estimated the staged
-- lines far above the states held and built it on all of those instead.
changed_keys as (

    {% if is_incremental() %}
        select latest_keys.latest
        from latest_keys
        left join {{ this }} as held using (complaint_id)
        where held.complaint_id is null
            -- rows compare left to right: the order of the ordering key above
            or {{ ordering_key([
                'latest_keys.latest.updated_at', 'latest_keys.latest.source_file', 'latest_keys.latest.source_line_no'
            ]) }}
            > {{ ordering_key(['held.updated_at', 'held.source_file', 'held.source_line_no']) }}
    {% else %}
        select latest from latest_keys
    {% endif %}

),

winning_lines as (

    select lines.*
    from {{ ref('stg_tousu__complaint_lines') }} as lines
    inner join changed_keys
        on lines.source_file = changed_keys.latest.source_file
            and lines.line_no = changed_keys.latest.source_line_no
    {% if is_incremental() %}
        where lines.ingested_at > {{ ingestion_watermark() }}
    {% endif %}

),

-- Staged exactly as stg_tousu__complaints stages every line, for these only.
changed as (

    {{ staged_complaint_lines('winning_lines') }}

),

province_aliases as (

    select * from {{ ref('province_aliases') }}

),

-- Match provinces once per distinct spelling, not once per complaint.
province_spellings as (

    select distinct province_text from changed
    where province_text is not null

),

province_matches as (

    select
        province_spellings.province_text,
        province_aliases.province
    from province_spellings
    inner join province_aliases
        on left(province_spellings.province_text, length(province_aliases.alias)) = province_aliases.alias
    qualify row_number() over (
            partition by province_spellings.province_text
            order by length(province_aliases.alias) desc
        ) = 1

),

new_states as (

    select
        -- the excluded names are not column references (sqlfluff reads them as such)
        {{ star_except('changed', ['province_text', 'ingested_at']) }},
        coalesce(province_matches.province, '未知') as province,
        changed.ingested_at as source_ingested_at,
        -- how Spark partitions the incremental models (macro facts_config)
        date_trunc('month', changed.submitted_at)::date as submitted_month
    from changed
    left join province_matches using (province_text)

)

{{ rows_to_write('new_states', 'select complaint_id from changed') }}
