"""Generate landing files: daily complaint dumps and platform registries.

All row work happens in DuckDB: complaints are drawn from hash-based uniforms
(deterministic for a seed, independent of thread scheduling), expanded into one
line per state a complaint passes through (submitted → decided/transferred →
replied → evaluated), and written per day with `COPY … (FORMAT json)`. Python
supplies the catalogue, writes the two small registry files and appends a fixed
handful of defective lines.

Memory stays bounded at any size: the work happens in a scratch database file
with a memory limit (DuckDB spills to disk beyond it), and lines are rendered one
month at a time from a narrow table of (complaint, state, time).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.generate import DEFAULT_COMPLAINTS, DEFAULT_SEED, DEFAULT_YEAR
from orchestration.generate import catalogue as cat
from orchestration.generate.defects import append_defects
from orchestration.generate.registry_files import write_registries
from orchestration.ingestion.complaints import FIELDS
from orchestration.warehouse.connection import DEFAULT_SETTINGS, duckdb_settings

BUCKETS = 1000  # resolution of the categorical lookups (0.1 percentage point)
UNRATED_EXTRA_SHARE = 0.10  # calibrated platforms also get complaints never transferred
GZIP_EVERY_NTH_DAY = 10
# The scratch database's memory limit unless TOUSU_DUCKDB_MEMORY_LIMIT says otherwise.
DEFAULT_MEMORY_LIMIT = "2GB"
# The fields of a complaint line in the contract's order, as ingestion reads them.
COMPLAINT_FIELDS = FIELDS


@dataclass(frozen=True)
class GenerationSummary:
    n_complaints: int
    n_lines: int
    files: list[str]


def minimum_complaints() -> int:
    """The calibrated block (the reference's 金融科技 platforms) is always generated."""
    return sum(p.calibrated_count + math.ceil(p.calibrated_count * UNRATED_EXTRA_SHARE) for p in cat.PLATFORMS)


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
    return f"{_literal(values)}[{_literal(buckets)}[least({BUCKETS - 1}, floor(({u}) * {BUCKETS}))::int + 1]]"


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
        rows.append(
            {
                "pid": pid,
                "name": p.name,
                "domain": p.domain,
                "industry": p.industry,
                "calibrated_count": p.calibrated_count,
                "months": list(p.months) if p.months else None,
                "year": year - 1 if p.previous_year_only else year,
                "spellings": list(p.spellings),
                "reply_share": profile.reply_share,
                "fast_share": profile.fast_share,
                "mid_share": profile.mid_share,
                "eval_share": profile.eval_share,
                "score_low": float(profile.score_low),
                "score_high": float(profile.score_high),
            }
        )
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
SELECT cid, {_pick(weighted, _u("platform"))} AS pid, false AS is_reference
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
        CASE WHEN is_reference THEN {_spread("problem", "is_reference")} ELSE {_u("problem")} END AS u_problem,
        CASE WHEN is_reference THEN {_spread("province", "is_reference")} ELSE {_u("province")} END AS u_province,
        CASE WHEN is_reference THEN {_spread("gender", "is_reference")} ELSE {_u("gender")} END AS u_gender,
        CASE WHEN is_reference THEN {_spread("amount_band", "is_reference")} ELSE {_u("amount_band")} END AS u_amount_band,
        {_spread("month", "pid, is_reference")} AS u_month,
        {_spread("reply", "pid")} AS u_reply,
        {_spread("speed", "pid")} AS u_speed,
        {_spread("evaluate", "pid")} AS u_evaluate
    FROM base
),
attributes AS (
    SELECT *,
        CASE WHEN is_reference THEN {_pick(cat.REFERENCE_PROBLEM_TYPES, "u_problem")}
             ELSE {_pick(cat.GENERIC_PROBLEM_TYPES, "u_problem")} END AS problem_type,
        CASE WHEN is_reference THEN {_pick(cat.REFERENCE_PROVINCES, "u_province")}
             ELSE {_pick(cat.GENERIC_PROVINCES, "u_province")} END AS province_name,
        CASE WHEN is_reference THEN {_pick(cat.REFERENCE_GENDERS, "u_gender")}
             ELSE {_pick(cat.GENERIC_GENDERS, "u_gender")} END AS gender,
        CASE WHEN is_reference THEN {_amount_sql(cat.REFERENCE_AMOUNT_BANDS, "u_amount_band")}
             ELSE {generic_amount} END AS amount,
        CASE WHEN months IS NOT NULL
             THEN months[least(len(months), floor(u_month * len(months))::int + 1)]
             ELSE least(12, floor({_u("month")} * 12)::int + 1) END AS month
    FROM draws
),
timeline AS (
    SELECT *,
        make_timestamp(year, month, 1, 0, 0, 0)
            + to_days(floor({_u("day")} * day(last_day(make_date(year, month, 1))))::int)
            + to_seconds(floor({_u("time")} * 86400)::bigint) AS submitted_at,
        CASE
            WHEN is_reference THEN '已移交'
            -- the calibrated platforms' extra complaints never reach them
            WHEN calibrated_count > 0 THEN ['未审核', '已驳回', '已撤回'][1 + floor({_u("status")} * 3)::int]
            WHEN {_u("status")} < 0.05 THEN '未审核'
            WHEN {_u("status")} < 0.09 THEN '已驳回'
            WHEN {_u("status")} < 0.12 THEN '已撤回'
            ELSE '已移交'
        END AS decision
    FROM attributes
),
lifecycle AS (
    SELECT *,
        CASE WHEN decision <> '未审核'
             THEN submitted_at + to_seconds((7200 + floor({_u("decide")} * 165600))::bigint) END AS decided_at,
        decision = '已移交' AND u_reply < reply_share AS replied,
        CASE  -- seconds from transfer to the first effective reply
            WHEN u_speed < fast_share THEN 3600 + floor({_u("delay")} * 244800)                -- 1 h … 69 h
            WHEN u_speed < fast_share + mid_share THEN 262800 + floor({_u("delay")} * 158400)  -- 73 h … 117 h
            ELSE 435600 + floor({_u("delay")} * 1000000)                                       -- 121 h …
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
    reply_at + to_seconds((3600 + floor({_u("evaluate_delay")} * 259200))::bigint) AS evaluated_at,
    CASE WHEN evaluated THEN greatest(0, least(10,
        score_low + floor({_u("score")} * (score_high - score_low + 1))
        - CASE WHEN {_u("half_point")} < 0.1 THEN 0.5 ELSE 0 END)) END AS score,
    replied AND {_u("blank_reply")} < 0.08 AS has_blank_reply,
    decision = '已移交' AND {_u("mediator")} < 0.15 AS has_mediator_reply,
    evaluated AND {_u("user_reply")} < 0.2 AS has_user_reply,
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


# One row per state a complaint passes through; lines are rendered from these.
STATES_SQL = """
CREATE OR REPLACE TABLE states AS
SELECT cid, kind, status, state_at, state_at::date AS dump_date FROM (
    SELECT cid, 1 AS kind, '未审核' AS status, submitted_at AS state_at FROM complaints
    UNION ALL
    SELECT cid, 2, decision, decided_at FROM complaints WHERE decided_at IS NOT NULL
    UNION ALL
    SELECT cid, 3, '已受理', reply_at FROM complaints WHERE replied
    UNION ALL
    SELECT cid, 4, '已评价', evaluated_at FROM complaints WHERE evaluated
)
ORDER BY dump_date, state_at, cid, kind
"""


def _lines_sql(province_spellings: dict[str, list[str]], states: str, complaints: str = "complaints") -> str:
    """SELECT of dump lines for the rows of relation `states` (cid, kind, status,
    state_at), each the full state of its complaint in relation `complaints`."""
    officials = sorted(province_spellings)
    spellings = [[name, *province_spellings[name]] for name in officials]
    surnames, given = list(cat.SURNAMES), list(cat.GIVEN_NAMES)
    return f"""
WITH states AS (
    SELECT {complaints}.*, states.kind, states.status, states.state_at
    FROM ({states}) AS states JOIN {complaints} USING (cid)
),
fields AS (
    SELECT *,
        {_u("format", "kind")} AS u_format,
        -- where the province is spelled as official name, short name, or English
        CASE WHEN province_name = '' THEN NULL ELSE
            list_element({_literal(spellings)}[list_position({_literal(officials)}, province_name)],
                         1 + floor({_u("province_spelling")} * 3)::int) END AS province_text,
        CASE WHEN len(spellings) > 0 AND {_u("spelling")} < 0.5
             THEN spellings[1 + floor({_u("which_spelling")} * len(spellings))::int] ELSE name END AS platform_text,
        list_element({_literal(surnames)}, 1 + floor({_u("surname")} * {len(surnames)})::int)
          || list_element({_literal(given)}, 1 + floor({_u("given")} * {len(given)})::int) AS user_name
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
         WHEN {_u("amount_as_text")} < 0.4 THEN to_json(format('{{:,.2f}}', amount) || '元')
         ELSE to_json(amount) END AS amount,
    '投诉「' || name || '」' || problem_type AS title,
    -- 「…」: a problem type may end in 问题 itself (退款问题)
    '用户反映在' || name || '遇到「' || problem_type || '」'
        || coalesce('，涉及金额' || printf('%.2f', amount) || '元', '') || '，请求平台尽快处理。' AS content,
    status,
    CASE WHEN kind >= 2 AND decision = '已移交' THEN fmt_ts(decided_at, u_format) END AS transferred_at,
    {{'name': user_name,
      'gender': nullif(gender, ''),
      'age': 18 + floor({_u("age")} * 50)::int,
      'province': province_text,
      'email': 'user' || cid || '@example.com',
      'phone': '13' || lpad(({_hash("$seed", "cid", repr("phone"))} % 1000000000)::varchar, 9, '0')}} AS "user",
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
"""


def _province_spellings(seed_csv: Path) -> dict[str, list[str]]:
    """Official name → [short name, English name], from the dbt seed (one source)."""
    import csv

    spellings: dict[str, dict[str, str]] = {}
    with seed_csv.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            spellings.setdefault(row["province"], {}).setdefault(row["alias_kind"], row["alias"])
    return {name: [kinds["short_name"], kinds["english"]] for name, kinds in spellings.items()}


# --------------------------------------------------------------------------- scratch database


@contextlib.contextmanager
def _scratch(out_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB database file beside the output, removed afterwards: tables live
    on disk, and work beyond the memory limit spills to its temp directory."""
    with tempfile.TemporaryDirectory(prefix=".tousu-generate-", dir=out_dir) as folder:
        # The warehouse's TOUSU_DUCKDB_* variables, over the generator's defaults.
        config = duckdb_settings(
            {
                **DEFAULT_SETTINGS,
                "memory_limit": DEFAULT_MEMORY_LIMIT,
                "temp_directory": str(Path(folder) / "spill"),
            }
        )
        con = duckdb.connect(str(Path(folder) / "scratch.duckdb"), config=config)
        try:
            yield con
        finally:
            con.close()


def _draw_complaints(con: duckdb.DuckDBPyConnection, n_complaints: int, year: int, seed: int) -> None:
    """Tables `platforms` and `complaints` (one row per complaint, its whole life)."""
    con.register("platforms_arrow", _platforms_arrow(year))
    con.execute("CREATE TABLE platforms AS SELECT * FROM platforms_arrow")
    con.unregister("platforms_arrow")
    con.execute(_complaint_rows_sql(n_complaints - minimum_complaints()), {"seed": seed})
    con.execute(_complaints_sql(), {"seed": seed})
    con.execute(_timestamp_macro())


def _write_day(con, out_dir: Path, day: dt.date, gzip: bool, relation: str) -> str:
    name = f"complaints-{day.isoformat()}.jsonl" + (".gz" if gzip else "")
    columns = ", ".join(f'"{field}"' for field in COMPLAINT_FIELDS)
    con.execute(
        f"COPY (SELECT {columns} FROM {relation} WHERE dump_date = DATE '{day.isoformat()}'"
        f" ORDER BY state_at, cid, kind) TO '{out_dir / name}'"
        f" (FORMAT json{', COMPRESSION gzip' if gzip else ''})"
    )
    return name


def _seed_csv() -> Path:
    return Path(__file__).resolve().parents[2] / "seeds" / "province_aliases.csv"


# --------------------------------------------------------------------------- entry points


def generate(
    out_dir: Path,
    n_complaints: int = DEFAULT_COMPLAINTS,
    year: int = DEFAULT_YEAR,
    seed: int = DEFAULT_SEED,
    progress: Callable[[str], None] | None = None,
) -> GenerationSummary:
    """Write complaint dumps and registries for `n_complaints` complaints into out_dir."""
    if n_complaints < minimum_complaints():
        raise ValueError(f"--complaints must be at least {minimum_complaints()} (the calibrated 金融科技 block)")
    report = progress or (lambda message: None)
    out_dir.mkdir(parents=True, exist_ok=True)
    params = {"seed": seed}
    files: list[str] = []
    with _scratch(out_dir) as con:
        report(f"drawing {n_complaints:,} complaints")
        _draw_complaints(con, n_complaints, year, seed)
        report("expanding complaint lifecycles into states")
        con.execute(STATES_SQL)
        ((n_lines,),) = con.execute("SELECT count(*) FROM states").fetchall()
        days = [row[0] for row in con.execute("SELECT DISTINCT dump_date FROM states ORDER BY 1").fetchall()]
        months = sorted({day.replace(day=1) for day in days})
        lines_sql = _lines_sql(
            _province_spellings(_seed_csv()),
            "SELECT * FROM states WHERE dump_date >= $first AND dump_date < $after",
        )
        written = 0
        for month in months:
            after = (month + dt.timedelta(days=32)).replace(day=1)
            # One month of rendered lines at a time: bounded by the month, not the total.
            con.execute(
                f"CREATE OR REPLACE TABLE month_lines AS {lines_sql} ORDER BY dump_date, state_at, cid, kind",
                {**params, "first": month, "after": after},
            )
            for day in (d for d in days if month <= d < after):
                files.append(
                    _write_day(
                        con, out_dir, day, len(files) % GZIP_EVERY_NTH_DAY == GZIP_EVERY_NTH_DAY - 1, "month_lines"
                    )
                )
            ((in_month,),) = con.execute("SELECT count(*) FROM month_lines").fetchall()
            written += in_month
            report(f"{month:%Y-%m}: {written:,} of {n_lines:,} lines written ({len(files)}/{len(days)} daily dumps)")
    files += write_registries(out_dir, year)
    defect_lines = append_defects(out_dir, [f for f in files if f.endswith(".jsonl")], year)
    report(f"wrote {len(files)} files, {n_lines + defect_lines:,} lines")
    return GenerationSummary(n_complaints, n_lines + defect_lines, files)


# The day after the dumps: new complaints, and late replies and evaluations of
# old ones (each a full current-state line, as a real dump would carry).
_NEXT_DAY_SQL = """
CREATE OR REPLACE TABLE next_complaints AS
WITH templates AS (
    -- new complaints take an existing one's profile (platform, problem, amount …)
    SELECT * FROM complaints ORDER BY {order_new} LIMIT $n_new
),
new AS (
    SELECT * REPLACE (
            $n_total + row_number() OVER (ORDER BY cid) AS cid,
            $day + to_seconds(floor({u_submit} * 57600)::bigint) AS submitted_at,
            $day + to_seconds(floor({u_submit} * 57600)::bigint) + INTERVAL 2 HOUR AS decided_at,
            false AS replied, false AS evaluated),
        'new' AS change
    FROM templates
),
unanswered AS (
    -- a late reply to a complaint transferred but never answered
    SELECT * REPLACE (
            true AS replied,
            $day + to_seconds(floor({u_late} * 72000)::bigint) AS reply_at,
            false AS has_blank_reply),
        'late_reply' AS change
    FROM complaints WHERE decision = '已移交' AND NOT replied
),
unrated AS (
    -- an evaluation of a complaint answered but never evaluated
    SELECT * REPLACE (
            true AS evaluated,
            $day + to_seconds(floor({u_late} * 72000)::bigint) AS evaluated_at,
            greatest(0, least(10, score_low + floor({u_score} * (score_high - score_low + 1)))) AS score),
        'evaluation' AS change
    FROM complaints WHERE replied AND NOT evaluated
),
updates AS (
    SELECT * FROM (SELECT * FROM unanswered UNION ALL BY NAME SELECT * FROM unrated)
    ORDER BY {order_update} LIMIT $n_updates
)
SELECT * REPLACE ('TS' || year(submitted_at) || lpad(cid::varchar, 8, '0') AS complaint_id) FROM new
UNION ALL BY NAME
SELECT * FROM updates
"""

_NEXT_DAY_STATES = """
SELECT cid, 1 AS kind, '未审核' AS status, submitted_at AS state_at FROM next_complaints WHERE change = 'new'
UNION ALL
SELECT cid, 2, decision, decided_at FROM next_complaints WHERE change = 'new' AND decision <> '未审核'
UNION ALL
SELECT cid, 3, '已受理', reply_at FROM next_complaints WHERE change = 'late_reply'
UNION ALL
SELECT cid, 4, '已评价', evaluated_at FROM next_complaints WHERE change = 'evaluation'
"""


def generate_next_day(
    out_dir: Path,
    n_complaints: int = DEFAULT_COMPLAINTS,
    year: int = DEFAULT_YEAR,
    seed: int = DEFAULT_SEED,
    share: float = 0.01,
    progress: Callable[[str], None] | None = None,
) -> GenerationSummary:
    """One more daily dump after those `generate` wrote for the same arguments:
    `share` of n_complaints new complaints (submitted, most transferred that day)
    plus as many updates of old ones (late replies and evaluations)."""
    report = progress or (lambda message: None)
    n_new = n_updates = max(1, round(n_complaints * share))
    out_dir.mkdir(parents=True, exist_ok=True)
    with _scratch(out_dir) as con:
        report(f"drawing the {n_complaints:,} complaints again")
        _draw_complaints(con, n_complaints, year, seed)
        ((last_day,),) = con.execute(
            "SELECT max(greatest(submitted_at, decided_at, reply_at, CASE WHEN evaluated THEN evaluated_at END))::date"
            " FROM complaints"
        ).fetchall()
        day = last_day + dt.timedelta(days=1)
        con.execute(
            _NEXT_DAY_SQL.format(
                order_new=_hash("$seed", "cid", "'next_new'"),
                order_update=_hash("$seed", "cid", "'next_update'"),
                u_submit=_u("next_submit"),
                u_late=_u("next_late"),
                u_score=_u("next_score"),
            ),
            {
                "seed": seed,
                "n_new": n_new,
                "n_updates": n_updates,
                "n_total": n_complaints,
                "day": dt.datetime.combine(day, dt.time()),
            },
        )
        lines_sql = _lines_sql(_province_spellings(_seed_csv()), _NEXT_DAY_STATES, "next_complaints")
        con.execute(f"CREATE TABLE next_lines AS {lines_sql} WHERE dump_date = $day", {"seed": seed, "day": day})
        ((n_lines,),) = con.execute("SELECT count(*) FROM next_lines").fetchall()
        name = _write_day(con, out_dir, day, False, "next_lines")
    report(f"wrote {name}: {n_lines:,} lines ({n_new:,} new complaints, {n_updates:,} updates)")
    return GenerationSummary(n_new + n_updates, n_lines, [name])
