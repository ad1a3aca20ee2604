-- One row per evaluated complaint (current state carries an evaluation score).

select
    complaint_id,
    platform,
    score,
    evaluated_at,
    evaluation_comment,
    source_file,
    source_line_no
from {{ ref('stg_tousu__complaints') }}
where score is not null
