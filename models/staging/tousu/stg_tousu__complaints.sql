-- Every loaded complaint line, cast to tousu's types and normalised: one row per
-- (source_file, source_line_no). Timestamps in Asia/Shanghai local time, platform
-- names trimmed and NFKC-normalised. Of the personal data only gender, the
-- province as written and a masked name (surname + 先生/女士/某) leave the raw
-- layer.
--
-- A view: int_complaints__current_state reads the ordering keys of the lines
-- ingested since its last build through it (the filter on ingested_at reaches
-- the raw table), and stages only the winning lines with the same macro.


{{ staged_complaint_lines(source('tousu', 'complaints')) }}
