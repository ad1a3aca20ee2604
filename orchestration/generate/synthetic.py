"""Generate landing files: daily complaint dumps and platform registries.

All row work happens in DuckDB: complaints are drawn from hash-based uniforms
(deterministic for a seed, independent of thread scheduling), expanded into one
line per state a complaint passes through (submitted → decided/transferred →
replied → evaluated), and written per day with `COPY … (FORMAT json)`. Python
supplies the catalogue, writes the two small registry files and appends a fixed
handful of defective lines.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.generate import catalogue as cat
from orchestration.generate.defects import append_defects
from orchestration.generate.registry_files import write_registries

DEFAULT_COMPLAINTS = 3000
DEFAULT_YEAR = 2024
DEFAULT_SEED = 20250303
BUCKETS = 1000  # resolution of the categorical lookups (0.1 percentage point)
UNRATED_EXTRA_SHARE = 0.10  # calibrated platforms also get complaints never transferred
GZIP_EVERY_NTH_DAY = 10
COMPLAINT_FIELDS = (
    "complaint_id", "updated_at", "submitted_at", "platform", "domain", "industry",
    "problem_type", "amount", "title", "content", "status", "transferred_at", "user",
    "replies", "evaluation",
)


@dataclass(frozen=True)
class GenerationSummary:
    n_complaints: int
    n_lines: int
    files: list[str]


def minimum_complaints() -> int:
    """The calibrated block (the reference's 金融科技 platforms) is always generated."""
    return sum(
        p.calibrated_count + math.ceil(p.calibrated_count * UNRATED_EXTRA_SHARE)
        for p in cat.PLATFORMS
    )


# --------------------------------------------------------------------------- SQL helpers


def _literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return repr(value)


def _bucket_map(shares: Sequence[tuple[object, float | None]]) -> tuple[list, list[int]]:
    """Values, and a BUCKETS-long list mapping a uniform's bucket to a 1-based value
    index. A share of None takes what the others leave of 100."""
    values = [value for value, _ in shares]
    known = sum(share for _, share in shares if share is not None)
    weights = [share if share is not None else max(0.0, 100.0 - known) for _, share in shares]
    total = sum(weights)
    cumulative, running = [], 0.0
    for weight in weights:
        running += weight / total
        cumulative.append(running)
    index, buckets = 0, []
    for bucket in range(BUCKETS):
        centre = (bucket + 0.5) / BUCKETS
        while index < len(values) - 1 and centre > cumulative[index]:
            index += 1
        buckets.append(index + 1)
    return values, buckets


def _pick(shares: Sequence[tuple[object, float | None]], u: str) -> str:
    """SQL picking a value of `shares` with the uniform expression `u`, in O(1)."""
    values, buckets = _bucket_map(shares)
    return (
        f"{_literal(values)}[{_literal(buckets)}"
        f"[least({BUCKETS - 1}, floor(({u}) * {BUCKETS}))::int + 1]]"
    )


def _hash(*parts: str) -> str:
    # DuckDB's multi-argument hash() leaves near-collisions in its high bits
    # (complaints 565 and 1665 drew the same times); hashing again mixes them.
    return f"hash(hash({', '.join(parts)}))"


def _u(attr: str, *more: str) -> str:
    """A uniform in [0, 1) from the seed, the complaint and an attribute name."""
    return f"(({_hash('$seed', 'cid', *more, repr(attr))} >> 11)::double / 9007199254740992.0)"


def _spread(attr: str, partition: str) -> str:
    """Evenly spread uniforms within a partition, so its shares come out exact."""
    return (
        f"((row_number() OVER (PARTITION BY {partition} ORDER BY {_hash('$seed', 'cid', repr(attr))}) - 0.5)"
        f" / count(*) OVER (PARTITION BY {partition}))"
    )


# --------------------------------------------------------------------------- tables


def _platforms_arrow(year: int) -> pa.Table:
    rows = []
    for pid, p in enumerate(cat.PLATFORMS, start=1):
        profile = cat.PROFILES[p.profile]
        rows.append({
            "pid": pid, "name": p.name, "domain": p.domain, "industry": p.industry,
            "calibrated_count": p.calibrated_count,
            "months": list(p.months) if p.months else None,
            "year": year - 1 if p.previous_year_only else year,
            "spellings": list(p.spellings),
            "reply_share": profile.reply_share, "fast_share": profile.fast_share,
            "mid_share": profile.mid_share, "eval_share": profile.eval_share,
            "score_low": float(profile.score_low), "score_high": float(profile.score_high),
        })
    return pa.Table.from_pylist(rows)


def _complaint_rows_sql(n_rest: int) -> str:
    weighted = [(pid, p.weight) for pid, p in enumerate(cat.PLATFORMS, start=1) if p.weight > 0]
    return f"""
CREATE OR REPLACE TABLE complaint_rows AS
WITH calibrated AS (
    -- exactly calibrated_count rated complaints, plus some never transferred
    SELECT pid, true AS is_reference FROM platforms, range(calibrated_count)
    UNION ALL
    SELECT pid, false FROM platforms, range(ceil(calibrated_count * {UNRATED_EXTRA_SHARE})::bigint)
),
numbered AS (
    SELECT row_number() OVER (ORDER BY pid, is_reference DESC) AS cid, pid, is_reference
    FROM calibrated
)
SELECT * FROM numbered
UNION ALL
SELECT cid, {_pick(weighted, _u('platform'))} AS pid, false AS is_reference
FROM (SELECT (SELECT count(*) FROM numbered) + range + 1 AS cid FROM range({n_rest}))
"""


def _amount_sql(bands, u_band: str) -> str:
    lows = [band[0] if band else 0 for band, _ in bands]
    widths = [band[1] - band[0] if band else 0 for band, _ in bands]
    index = _pick([(i + 1, share) for i, (_, share) in enumerate(bands)], u_band)
    no_amount = len(bands) if bands[-1][0] is None else -1
    return (
        f"CASE WHEN {index} = {no_amount} THEN NULL "
        f"ELSE round({_literal(lows)}[{index}] + {_literal(widths)}[{index}] * {_u('amount')}, 2) END"
    )


def _complaints_sql() -> str:
    generic_amount = (
        f"CASE WHEN {_u('has_amount')} < 0.15 THEN NULL "
        f"ELSE round(exp(ln(10) + {_u('amount')} * (ln(50000) - ln(10))), 2) END"
    )
    return f"""
CREATE OR REPLACE TABLE complaints AS
WITH base AS (
    SELECT complaint_rows.*, platforms.* EXCLUDE (pid)
    FROM complaint_rows JOIN platforms USING (pid)
),
draws AS (
    SELECT *,
        -- the reference block is allocated by exact shares; the rest drawn freely
        CASE WHEN is_reference THEN {_spread('problem', 'is_reference')} ELSE {_u('problem')} END AS u_problem,
        CASE WHEN is_reference THEN {_spread('province', 'is_reference')} ELSE {_u('province')} END AS u_province,
        CASE WHEN is_reference THEN {_spread('gender', 'is_reference')} ELSE {_u('gender')} END AS u_gender,
        CASE WHEN is_reference THEN {_spread('amount_band', 'is_reference')} ELSE {_u('amount_band')} END AS u_amount_band,
        {_spread('month', 'pid, is_reference')} AS u_month,
        {_spread('reply', 'pid')} AS u_reply,
        {_spread('speed', 'pid')} AS u_speed,
        {_spread('evaluate', 'pid')} AS u_evaluate
    FROM base
),
attributes AS (
    SELECT *,
        CASE WHEN is_reference THEN {_pick(cat.REFERENCE_PROBLEM_TYPES, 'u_problem')}
             ELSE {_pick(cat.GENERIC_PROBLEM_TYPES, 'u_problem')} END AS problem_type,
        CASE WHEN is_reference THEN {_pick(cat.REFERENCE_PROVINCES, 'u_province')}
             ELSE {_pick(cat.GENERIC_PROVINCES, 'u_province')} END AS province_name,
        CASE WHEN is_reference THEN {_pick(cat.REFERENCE_GENDERS, 'u_gender')}
             ELSE {_pick(cat.GENERIC_GENDERS, 'u_gender')} END AS gender,
        CASE WHEN is_reference THEN {_amount_sql(cat.REFERENCE_AMOUNT_BANDS, 'u_amount_band')}
             ELSE {generic_amount} END AS amount,
        CASE WHEN months IS NOT NULL
             THEN months[least(len(months), floor(u_month * len(months))::int + 1)]
             ELSE least(12, floor({_u('month')} * 12)::int + 1) END AS month
    FROM draws
),
timeline AS (
    SELECT *,
        make_timestamp(year, month, 1, 0, 0, 0)
            + to_days(floor({_u('day')} * day(last_day(make_date(year, month, 1))))::int)
            + to_seconds(floor({_u('time')} * 86400)::bigint) AS submitted_at,
        CASE
            WHEN is_reference THEN '已移交'
            -- the calibrated platforms' extra complaints never reach them
            WHEN calibrated_count > 0 THEN ['未审核', '已驳回', '已撤回'][1 + floor({_u('status')} * 3)::int]
            WHEN {_u('status')} < 0.05 THEN '未审核'
            WHEN {_u('status')} < 0.09 THEN '已驳回'
            WHEN {_u('status')} < 0.12 THEN '已撤回'
            ELSE '已移交'
        END AS decision
    FROM attributes
),
lifecycle AS (
    SELECT *,
        CASE WHEN decision <> '未审核'
             THEN submitted_at + to_seconds((7200 + floor({_u('decide')} * 165600))::bigint) END AS decided_at,
        decision = '已移交' AND u_reply < reply_share AS replied,
        CASE  -- seconds from transfer to the first effective reply
            WHEN u_speed < fast_share THEN 3600 + floor({_u('delay')} * 244800)                -- 1 h … 69 h
            WHEN u_speed < fast_share + mid_share THEN 262800 + floor({_u('delay')} * 158400)  -- 73 h … 117 h
            ELSE 435600 + floor({_u('delay')} * 1000000)                                       -- 121 h …
        END::bigint AS reply_delay_s
    FROM timeline
),
outcomes AS (
    SELECT *,
        CASE WHEN replied THEN decided_at + to_seconds(reply_delay_s) END AS reply_at,
        replied AND u_evaluate < eval_share AS evaluated
    FROM lifecycle
)
SELECT *,
    reply_at + to_seconds((3600 + floor({_u('evaluate_delay')} * 259200))::bigint) AS evaluated_at,
    CASE WHEN evaluated THEN greatest(0, least(10,
        score_low + floor({_u('score')} * (score_high - score_low + 1))
        - CASE WHEN {_u('half_point')} < 0.1 THEN 0.5 ELSE 0 END)) END AS score,
    replied AND {_u('blank_reply')} < 0.08 AS has_blank_reply,
    decision = '已移交' AND {_u('mediator')} < 0.15 AS has_mediator_reply,
    evaluated AND {_u('user_reply')} < 0.2 AS has_user_reply,
    'TS' || year || lpad(cid::varchar, 8, '0') AS complaint_id
FROM outcomes
"""


def _timestamp_macro() -> str:
    # Spellings of one instant: plain local, ISO with +08:00, UTC with Z, fractions.
    return """
CREATE OR REPLACE TEMP MACRO fmt_ts(ts, u) AS CASE
    WHEN ts IS NULL THEN NULL
    WHEN u < 0.6 THEN strftime(ts, '%Y-%m-%d %H:%M:%S')
    WHEN u < 0.8 THEN strftime(ts, '%Y-%m-%dT%H:%M:%S+08:00')
    WHEN u < 0.9 THEN strftime(ts - INTERVAL 8 HOUR, '%Y-%m-%dT%H:%M:%SZ')
    ELSE strftime(ts, '%Y-%m-%dT%H:%M:%S.%f+08:00')
END
"""


def _lines_sql(province_spellings: dict[str, list[str]]) -> str:
    officials = sorted(province_spellings)
    spellings = [[name, *province_spellings[name]] for name in officials]
    surnames, given = list(cat.SURNAMES), list(cat.GIVEN_NAMES)
    return f"""
CREATE OR REPLACE TABLE lines AS
WITH states AS (
    SELECT *, 1 AS kind, '未审核' AS status, submitted_at AS state_at FROM complaints
    UNION ALL
    SELECT *, 2, decision, decided_at FROM complaints WHERE decided_at IS NOT NULL
    UNION ALL
    SELECT *, 3, '已受理', reply_at FROM complaints WHERE replied
    UNION ALL
    SELECT *, 4, '已评价', evaluated_at FROM complaints WHERE evaluated
),
fields AS (
    SELECT *,
        {_u('format', 'kind')} AS u_format,
        -- where the province is spelled as official name, short name, or English
        CASE WHEN province_name = '' THEN NULL ELSE
            list_element({_literal(spellings)}[list_position({_literal(officials)}, province_name)],
                         1 + floor({_u('province_spelling')} * 3)::int) END AS province_text,
        CASE WHEN len(spellings) > 0 AND {_u('spelling')} < 0.5
             THEN spellings[1 + floor({_u('which_spelling')} * len(spellings))::int] ELSE name END AS platform_text,
        list_element({_literal(surnames)}, 1 + floor({_u('surname')} * {len(surnames)})::int)
          || list_element({_literal(given)}, 1 + floor({_u('given')} * {len(given)})::int) AS user_name
    FROM states
)
SELECT
    state_at::date AS dump_date,
    state_at, cid, kind,
    complaint_id,
    fmt_ts(state_at, u_format) AS updated_at,
    fmt_ts(submitted_at, u_format) AS submitted_at,
    platform_text AS platform,
    domain,
    industry,
    problem_type,
    CASE WHEN amount IS NULL THEN NULL
         WHEN {_u('amount_as_text')} < 0.4 THEN to_json(format('{{:,.2f}}', amount) || '元')
         ELSE to_json(amount) END AS amount,
    '投诉「' || name || '」' || problem_type AS title,
    '用户反映在' || name || '遇到' || problem_type || '问题'
        || coalesce('，涉及金额' || printf('%.2f', amount) || '元', '') || '，请求平台尽快处理。' AS content,
    status,
    CASE WHEN kind >= 2 AND decision = '已移交' THEN fmt_ts(decided_at, u_format) END AS transferred_at,
    {{'name': user_name,
      'gender': nullif(gender, ''),
      'age': 18 + floor({_u('age')} * 50)::int,
      'province': province_text,
      'email': 'user' || cid || '@example.com',
      'phone': '13' || lpad(({_hash('$seed', 'cid', repr('phone'))} % 1000000000)::varchar, 9, '0')}} AS "user",
    CASE WHEN kind >= 3 THEN list_concat(
        CASE WHEN has_mediator_reply THEN [{{'replied_at': fmt_ts(decided_at + INTERVAL 30 MINUTE, u_format),
            'author': 'mediator', 'content': '调解员已将投诉移交平台处理。'}}] END,
        CASE WHEN has_blank_reply THEN [{{'replied_at': fmt_ts(decided_at + to_seconds(reply_delay_s // 2), u_format),
            'author': 'platform', 'content': '\u3000'}}] END,
        [{{'replied_at': fmt_ts(reply_at, u_format), 'author': 'platform',
           'content': '您好，已收到您的反馈，我们将尽快核实处理。'}}],
        CASE WHEN kind = 4 AND has_user_reply THEN [{{'replied_at': fmt_ts(evaluated_at, u_format),
            'author': 'user', 'content': '感谢处理。'}}] END)
    END AS replies,
    CASE WHEN kind = 4 THEN {{'score': score, 'evaluated_at': fmt_ts(evaluated_at, u_format),
        'comment': CASE WHEN score >= 6 THEN '处理及时' ELSE '不满意' END}} END AS evaluation
FROM fields
ORDER BY dump_date, state_at, cid, kind
"""


def _province_spellings(seed_csv: Path) -> dict[str, list[str]]:
    """Official name → [short name, English name], from the dbt seed (one source)."""
    import csv

    spellings: dict[str, dict[str, str]] = {}
    with seed_csv.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            spellings.setdefault(row["province"], {}).setdefault(row["alias_kind"], row["alias"])
    return {name: [kinds["short_name"], kinds["english"]] for name, kinds in spellings.items()}


# --------------------------------------------------------------------------- entry point


def generate(
    out_dir: Path,
    n_complaints: int = DEFAULT_COMPLAINTS,
    year: int = DEFAULT_YEAR,
    seed: int = DEFAULT_SEED,
    progress: Callable[[str], None] | None = None,
) -> GenerationSummary:
    """Write complaint dumps and registries for `n_complaints` complaints into out_dir."""
    if n_complaints < minimum_complaints():
        raise ValueError(
            f"--complaints must be at least {minimum_complaints()} (the calibrated 金融科技 block)"
        )
    report = progress or (lambda message: None)
    out_dir.mkdir(parents=True, exist_ok=True)
    seed_csv = Path(__file__).resolve().parents[2] / "seeds" / "province_aliases.csv"
    params = {"seed": seed}
    with duckdb.connect() as con:
        con.register("platforms_arrow", _platforms_arrow(year))
        con.execute("CREATE TABLE platforms AS SELECT * FROM platforms_arrow")
        con.execute(_complaint_rows_sql(n_complaints - minimum_complaints()), params)
        report(f"drawing {n_complaints:,} complaints")
        con.execute(_complaints_sql(), params)
        con.execute(_timestamp_macro())
        report("expanding complaint lifecycles into dump lines")
        con.execute(_lines_sql(_province_spellings(seed_csv)), params)
        n_lines = con.execute("SELECT count(*) FROM lines").fetchall()[0][0]
        days = [row[0] for row in con.execute("SELECT DISTINCT dump_date FROM lines ORDER BY 1").fetchall()]
        files = []
        columns = ", ".join(f'"{name}"' for name in COMPLAINT_FIELDS)
        for number, day in enumerate(days, start=1):
            gzip = number % GZIP_EVERY_NTH_DAY == 0
            name = f"complaints-{day.isoformat()}.jsonl" + (".gz" if gzip else "")
            con.execute(
                f"COPY (SELECT {columns} FROM lines WHERE dump_date = DATE '{day.isoformat()}'"
                f" ORDER BY state_at, cid, kind) TO '{out_dir / name}'"
                f" (FORMAT json{', COMPRESSION gzip' if gzip else ''})"
            )
            files.append(name)
            if number % 30 == 0:
                report(f"wrote {number}/{len(days)} daily dumps")
    files += write_registries(out_dir, year)
    defect_lines = append_defects(out_dir, [f for f in files if f.endswith(".jsonl")], year)
    report(f"wrote {len(files)} files, {n_lines + defect_lines:,} lines")
    return GenerationSummary(n_complaints, n_lines + defect_lines, files)
