-- The floor: monthly platform ratings straight from the landing files in one
-- hand-written DuckDB query — no ledger, no quarantine, no history, no tests.
-- It applies the SPEC's rules only as far as this data needs them, so it is
-- what the machine can do at best, not a replacement for the warehouse.
-- Parameters: $complaint_files (glob), table `registry` (the current registry),
-- macro contract_ts(s) and function tousu_nfkc(s) (DuckDB has no NFKC).
-- The contract's timestamps: a date with dashes, then 'T' or a space.
WITH lines AS (
    SELECT *
    FROM read_json(
        $complaint_files,
        format = 'newline_delimited', ignore_errors = true, filename = true,
        columns = {
            complaint_id: 'VARCHAR', updated_at: 'VARCHAR', submitted_at: 'VARCHAR',
            platform: 'VARCHAR', domain: 'VARCHAR', amount: 'VARCHAR', status: 'VARCHAR',
            transferred_at: 'VARCHAR', replies: 'JSON', evaluation: 'JSON'
        })
),
typed AS (
    SELECT
        complaint_id, filename, platform, domain, status, replies,
        contract_ts(updated_at) AS updated_ts,
        contract_ts(submitted_at) AS submitted_ts,
        contract_ts(transferred_at) AS transferred_ts,
        try_cast(regexp_replace(amount, '[,元]', '', 'g') AS DOUBLE) AS amount_value,
        amount,
        evaluation,
        try_cast(evaluation ->> 'score' AS DOUBLE) AS score,
        replies ->> '$[*].author' AS authors,
        list_transform(replies ->> '$[*].replied_at', lambda t: contract_ts(t)) AS reply_ts,
        replies ->> '$[*].content' AS contents
    FROM lines
),
valid AS (
    SELECT * FROM typed
    WHERE complaint_id IS NOT NULL AND trim(platform) <> ''
      AND updated_ts IS NOT NULL AND submitted_ts IS NOT NULL
      AND list_contains($statuses, status)
      AND list_contains($domains, domain)
      AND (amount IS NULL OR amount_value >= 0)
      AND (evaluation IS NULL OR score BETWEEN 0 AND 10)
      AND list_bool_and(list_transform(authors, lambda a: list_contains($reply_authors, a))) IS NOT false
      AND list_bool_and(list_transform(reply_ts, lambda t: t IS NOT NULL)) IS NOT false
      AND (NOT list_contains($rated_statuses, status) OR transferred_ts IS NOT NULL)
      AND (transferred_ts IS NULL OR transferred_ts >= submitted_ts)
      AND NOT coalesce(list_bool_or(list_transform(list_zip(authors, reply_ts),
              lambda r: r[1] = 'platform' AND r[2] < transferred_ts)), false)
),
current_state AS (
    SELECT arg_max(valid, (updated_ts, filename)) AS c FROM valid GROUP BY complaint_id
),
rated AS (
    SELECT
        c.platform AS platform_text,
        strftime(c.submitted_ts::TIMESTAMP, '%Y-%m') AS period_key,
        (SELECT min(r[2]) FROM (SELECT unnest(list_zip(c.authors, c.reply_ts, c.contents)) AS r)
         WHERE r[1] = 'platform' AND NOT regexp_full_match(coalesce(r[3], ''), '[\s\x{3000}]*')) AS first_reply_ts,
        c.transferred_ts, c.score
    FROM current_state
    WHERE list_contains($rated_statuses, c.status)
),
scored AS (
    SELECT *,
        (epoch_us(first_reply_ts) - epoch_us(transferred_ts)) / 3600e6 AS hours
    FROM rated
),
monthly_by_spelling AS (
    SELECT platform_text, period_key,
        count(*) AS n_complaints,
        count(first_reply_ts) AS n_replied,
        sum(CASE WHEN hours < 72 THEN 1.0 WHEN hours < 120 THEN 0.6 ELSE 0 END) AS timeliness_sum,
        count(score) AS n_scored,
        sum(score) AS score_sum
    FROM scored GROUP BY ALL
),
spellings AS (
    SELECT DISTINCT platform_text, tousu_nfkc(trim(platform_text)) AS platform FROM monthly_by_spelling
),
monthly AS (
    SELECT platform, period_key,
        sum(n_complaints) AS n_complaints, sum(n_replied) AS n_replied,
        sum(timeliness_sum) / sum(n_complaints) AS timeliness,
        sum(n_scored) AS n_scored,
        coalesce(sum(score_sum) / nullif(sum(n_scored), 0), 0) AS satisfaction
    FROM monthly_by_spelling JOIN spellings USING (platform_text) GROUP BY ALL
),
indexed AS (
    SELECT *, n_replied / n_complaints AS reply_rate,
        n_replied / n_complaints * 0.5 + timeliness * 0.3 + satisfaction / 10 * 0.2 AS composite_index,
        last_day(strptime(period_key, '%Y-%m')) AS period_end
    FROM monthly
)
SELECT indexed.platform, period_key, n_complaints, n_replied, reply_rate, timeliness,
    n_scored, satisfaction, composite_index,
    CASE WHEN registry.platform IS NULL THEN '不予评级'
         WHEN composite_index < 0.4 THEN '不建议下单'
         WHEN composite_index < 0.75 THEN '谨慎下单' ELSE '建议下单' END AS rating
FROM indexed
LEFT JOIN registry
    ON registry.platform = indexed.platform
   AND registry.onboarded_at <= period_end
   AND (registry.offboarded_at IS NULL OR registry.offboarded_at > period_end)
   AND registry.after_sales_contact = '是'
