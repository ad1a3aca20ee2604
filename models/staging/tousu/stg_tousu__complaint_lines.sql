-- Every loaded complaint line as landed (text and JSON, nothing cast): one row
-- per (source_file, line_no). int_complaints__current_state stages the winning
-- line of each complaint from here with staged_complaint_lines(), the macro
-- stg_tousu__complaints applies to every line.

select * from {{ source('tousu', 'complaints') }}
