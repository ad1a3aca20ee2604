"""`tousu demo` and the CLI, end to end on a temporary data directory."""

import contextlib
import gzip
import io
import os
import shlex
import subprocess
import sys

import pytest
from conftest import query, run_tousu

from orchestration.cli import EXIT_DBT_FAILED, EXIT_INGESTION_FAILED, EXIT_NOT_BUILT, EXIT_USAGE
from orchestration.paths import DATA_DIR_ENV, DataDir
from orchestration.warehouse.serving import current_release

# The months of each platform's table in the reference report.
REFERENCE_MONTHS = {
    "分期乐": set(range(1, 13)),
    "支付宝": {1, 3, 5, 7, 9, 10, 11, 12},
    "来分期": {3, 5, 6, 7, 8, 9, 10},
    "拍拍贷": {3, 5, 6, 7, 11, 12},
    "京东金融": {7, 8, 11},
}
# The period tables of a year or of H1, in the reference report's order.
FIRST_HALF_LABELS = ["上半年", "第二季度", "6月", "5月", "4月", "第一季度", "3月", "2月", "1月"]
REFERENCE_COUNTS = {"分期乐": 18, "支付宝": 14, "来分期": 13, "拍拍贷": 12, "京东金融": 6}


def run_captured(data_dir: DataDir, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = run_tousu(data_dir, *args)
    return code, out.getvalue()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data_dir = DataDir(tmp_path_factory.mktemp("demo")).create()
    code, output = run_captured(data_dir, "demo")
    return data_dir, code, output


def test_demo_prints_the_2024_fintech_board(demo):
    data_dir, code, output = demo
    assert code == 0
    assert "2024 金融科技 消费评级榜" in output
    table = [line.split() for line in output.splitlines()]
    rows = {cells[1]: cells[6] for cells in table if len(cells) == 8 and cells[0].isdigit()}
    assert {rows[p] for p in ("支付宝", "来分期", "拍拍贷", "京东金融")} == {"不予评级"}
    assert rows["分期乐"] == "不建议下单"
    assert {"建议下单", "谨慎下单"} <= set(rows.values())
    assert "不建议下单" in {rating for platform, rating in rows.items() if platform != "分期乐"}


def test_reference_platforms_get_the_reports_ratings_and_months(demo):
    data_dir = demo[0]
    rows = query(
        data_dir.warehouse,
        """
        SELECT platform, count(*), list(DISTINCT rating),
               list(month(period_start)) FILTER (WHERE period_type = 'month')
        FROM marts.platform_ratings
        WHERE period_start >= DATE '2024-01-01' AND period_end <= DATE '2024-12-31'
          AND platform IN ('分期乐', '支付宝', '来分期', '拍拍贷', '京东金融')
        GROUP BY platform""",
    )
    got = {platform: (n, set(ratings), set(months)) for platform, n, ratings, months in rows}
    for platform, count in REFERENCE_COUNTS.items():
        expected_rating = {"不建议下单"} if platform == "分期乐" else {"不予评级"}
        assert got[platform] == (count, expected_rating, REFERENCE_MONTHS[platform]), platform


def test_every_planted_defect_is_quarantined_and_every_line_accounted_for(demo):
    data_dir = demo[0]
    assert query(
        data_dir.warehouse, "SELECT count(DISTINCT reason) FROM audit.quarantine WHERE reason NOT LIKE 'invalid_date%'"
    ) == [(15,)]
    assert query(
        data_dir.warehouse,
        """
        SELECT count(*) FROM audit.ingested_files
        WHERE n_lines <> n_loaded + n_quarantined + n_blank""",
    ) == [(0,)]


def tousu_process(data_dir: DataDir, *args: str, shell_tail: str = "") -> subprocess.CompletedProcess:
    command = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "orchestration.cli", *args]) + shell_tail
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        env={**os.environ, DATA_DIR_ENV: str(data_dir.root)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("board", "--period", "2024-13"), "no period key; valid forms: YYYY (year)"),
        (("board", "--period", "24"), "no period key"),
        (("board", "--period", "2024-Q5"), "no period key"),
        (("board", "--period", "2024-h1"), "no period key"),
        (("board", "--period", "2099"), "no ratings for period 2099; years with ratings: 2023, 2024"),
        (("board", "--domain", "火星"), "invalid choice: '火星'"),
        (("board", "--domain", "总榜", "--kind", "rating"), "总榜 has only the complaint board"),
        (("report", "--year", "1999"), "no ratings for period 1999; years with ratings: 2023, 2024"),
        (("report", "--year", "2024", "--domain", "foo"), "invalid choice: 'foo'"),
        (("report", "--year", "2024", "--domain", "a/b"), "invalid choice: 'a/b'"),
        (("trace", "--platform", "分期乐", "--period", "2024-Q9"), "no period key"),
        (("purge",), "--complaint-id ID or --cfpb-complaint-id ID"),
        (("purge", "--cfpb-complaint-id", " "), "a blank complaint id names no complaint"),
    ],
)
def test_arguments_that_name_nothing_exit_2_with_the_valid_forms(demo, args, says):
    result = tousu_process(demo[0], *args)
    assert result.returncode == EXIT_USAGE and says in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [("board",), ("trace", "--platform", "分期乐", "--period", "2024")])
def test_a_reader_that_goes_away_is_no_traceback(demo, args):
    result = tousu_process(demo[0], *args, shell_tail=" | head -1")
    assert result.stdout.count("\n") == 1
    assert "Traceback" not in result.stderr and "Error" not in result.stderr, result.stderr


def test_a_failing_dbt_test_exits_4_then_demo_again_builds_and_says_what_it_did(demo):
    data_dir = demo[0]
    release = current_release(data_dir.serving)
    import duckdb

    with duckdb.connect(str(data_dir.warehouse)) as con:  # break a source uniqueness test
        con.execute("INSERT INTO raw.complaints SELECT * FROM raw.complaints LIMIT 1")
    try:
        assert run_tousu(data_dir, "build") == EXIT_DBT_FAILED
        assert current_release(data_dir.serving) == release
    finally:
        with duckdb.connect(str(data_dir.warehouse)) as con:
            con.execute("""DELETE FROM raw.complaints WHERE rowid = (SELECT max(rowid) FROM raw.complaints)""")

    # Fixed, the warehouse builds again: `tousu demo` once more, now with new
    # files. Issue 14.12: a file whose every line is quarantined, a name that
    # fits no pattern and a directory that does: none may pass unmentioned.
    (data_dir.landing / "complaints-2025-zz-all-bad.jsonl").write_bytes(b"{bad\n" * 7 + b"\n")
    (data_dir.landing / "complaints-x.csv").write_text("x")
    (data_dir.landing / "complaints-y.jsonl").mkdir()
    code, output = run_captured(data_dir, "demo")
    assert code == 0 and "already has files" in output and "1 new file(s)" in output
    assert current_release(data_dir.serving) != release
    assert "lines: 0 loaded, 7 quarantined, 1 blank" in output
    assert "quarantined by reason: invalid_json 7" in output
    assert "warning: complaints-2025-zz-all-bad.jsonl: every line quarantined (7: invalid_json 7)" in output
    assert "ignored: complaints-x.csv: name matches no landing pattern" in output
    assert "ignored: complaints-y.jsonl: not a regular file" in output
    code, output = run_captured(data_dir, "board", "--domain", "总榜", "--period", "2024-Q1")
    assert code == 0 and "2024-Q1 总榜 投诉榜" in output and "分期乐" in output


def test_an_unreadable_file_exits_3_and_the_rest_still_loads(tmp_path, monkeypatch):
    data_dir = DataDir(tmp_path / "data").create()
    (data_dir.landing / "complaints-2024-01-01.jsonl.gz").write_bytes(gzip.compress(b"{}\n" * 1000)[:-20])
    (data_dir.landing / "complaints-2024-01-02.jsonl").write_bytes(b"{}\n")
    assert run_tousu(data_dir, "build") == EXIT_INGESTION_FAILED
    assert query(data_dir.warehouse, "SELECT source_file FROM audit.ingested_files") == [
        ("complaints-2024-01-02.jsonl",)
    ]


def test_board_before_any_build_exits_6(tmp_path):
    assert run_tousu(DataDir(tmp_path / "empty").create(), "board") == EXIT_NOT_BUILT


def test_generate_is_deterministic_and_checks_its_arguments(tmp_path):
    data_dir = DataDir(tmp_path / "d").create()
    for out in ("a", "b"):
        assert run_tousu(data_dir, "generate", "--out", str(tmp_path / out), "--complaints", "400", "--seed", "5") == 0
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir()) and len(names) > 100
    assert all((tmp_path / "a" / n).read_bytes() == (tmp_path / "b" / n).read_bytes() for n in names)
    assert run_tousu(data_dir, "generate", "--out", str(tmp_path / "c"), "--complaints", "10") == EXIT_USAGE
    # issue 14.11: never over existing files unless told, never over ingested ones
    before = {n: (tmp_path / "a" / n).stat().st_mtime_ns for n in names}
    assert (
        run_tousu(data_dir, "generate", "--out", str(tmp_path / "a"), "--complaints", "400", "--seed", "6")
        == EXIT_USAGE
    )
    assert {n: (tmp_path / "a" / n).stat().st_mtime_ns for n in names} == before
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == names  # no staging folder left
    assert (
        run_tousu(data_dir, "generate", "--out", str(tmp_path / "a"), "--complaints", "400", "--seed", "6", "--force")
        == 0
    )
    assert any((tmp_path / "a" / n).read_bytes() != (tmp_path / "b" / n).read_bytes() for n in names)


def test_generate_never_overwrites_a_file_the_warehouse_ingested(demo, capsys):
    data_dir = demo[0]
    landed = {p.name: p.read_bytes() for p in data_dir.landing.iterdir() if p.is_file()}
    capsys.readouterr()
    assert (
        run_tousu(data_dir, "generate", "--out", str(data_dir.landing), "--complaints", "400", "--force") == EXIT_USAGE
    )
    err = capsys.readouterr().err
    assert "ingested by the warehouse" in err and "… and" in err and err.count("\n  ") == 11
    assert {p.name: p.read_bytes() for p in data_dir.landing.iterdir() if p.is_file()} == landed


def test_annual_summary_and_fintech_distributions_match_the_reference(demo):
    from orchestration.generate import catalogue as cat

    data_dir = demo[0]
    summary = dict(
        query(
            data_dir.warehouse,
            """
        SELECT platform, n_ratings FROM marts.platform_annual_summary WHERE year = 2024""",
        )
    )
    assert {p: summary[p] for p in REFERENCE_COUNTS} == REFERENCE_COUNTS
    shares = {
        (d, v): s
        for d, v, s in query(
            data_dir.warehouse,
            """
        SELECT dimension, value, share FROM marts.domain_distribution
        WHERE domain = '金融科技' AND period_key = '2024'""",
        )
    }
    reference = [
        ("problem_type", cat.REFERENCE_PROBLEM_TYPES),
        ("province", cat.REFERENCE_PROVINCES),
        ("gender", cat.REFERENCE_GENDERS),
    ]
    for dimension, values in reference:
        for value, percent in values:
            if percent is not None:
                assert abs(shares.get((dimension, value), 0) * 100 - percent) <= 3, (dimension, value)
    bands = {"10000元以上": 38.87, "5000-10000元": 20.96, "1000-5000元": 13.97, "0-100元": 4.80}
    for band, percent in bands.items():
        assert abs(shares[("amount_band", band)] * 100 - percent) <= 3, band


def test_no_mart_or_serving_table_holds_personal_data(demo):
    data_dir = demo[0]
    names = {
        n
        for (n,) in query(
            data_dir.warehouse,
            "SELECT DISTINCT \"user\" ->> 'name' FROM raw.complaints WHERE \"user\" ->> 'name' IS NOT NULL",
        )
    }
    assert len(names) > 10
    # Every text column of every table of the marts (the facts and dims in core,
    # the BI tables in marts) and of serving: no email, phone, full name, and no
    # field of the raw user object.
    for database in (data_dir.warehouse, data_dir.serving / "warehouse.duckdb"):
        columns = query(
            database,
            """
            SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns AS c
            JOIN information_schema.tables AS t USING (table_schema, table_name)
            WHERE c.table_schema IN ('core', 'marts', 'meta') AND t.table_type = 'BASE TABLE'
              AND c.data_type IN ('VARCHAR', 'JSON')""",
        )
        assert len(columns) > 30
        assert "user" not in {column for _, _, column in columns}
        for schema, table, column in columns:
            leaks = query(
                database,
                f"""
                SELECT "{column}" FROM {schema}.{table}
                WHERE regexp_matches("{column}"::VARCHAR, '[\\w.+-]+@[\\w-]+\\.[\\w.]+|1[3-9][0-9]{{9}}|"(name|phone|email)"\\s*:')
                   OR "{column}"::VARCHAR IN (SELECT unnest(?::VARCHAR[]))
                LIMIT 3""",
                [sorted(names)],
            )
            assert leaks == [], (database.name, table, column, leaks)


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium(*args: str, profile) -> str:
    import shutil
    import subprocess

    binary = shutil.which("chromium")
    if binary is None:
        pytest.fail("chromium is missing: `make browser` installs Debian's chromium and fonts-noto-cjk")
    result = subprocess.run(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def test_demo_writes_a_self_contained_report_a_reader_can_read(demo, tmp_path):
    import html as html_lib
    import re

    data_dir, _, output = demo
    report = data_dir.reports / "2024-金融科技.html"
    assert f"report: {report}" in output
    source = report.read_text(encoding="utf-8")
    assert "<script" not in source and "<link" not in source and "url(" not in source
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", source)

    dom = chromium("--dump-dom", report.as_uri(), profile=tmp_path / "profile")
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", dom))
    assert "2024年 中国金融科技消费投诉数据与典型案例报告" in text
    assert "2024年全国金融科技消费评级榜" in text
    for platform in ("分期乐", "支付宝", "来分期", "拍拍贷", "京东金融"):
        assert f"“{platform}”数据与典型案例" in text
    charts = re.findall(r'<svg[^>]*aria-label="([^"]+)"', dom)
    assert [label[-5:] for label in charts] == ["问题占比图", "地区占比图", "性别占比图", "金额占比图"]
    assert len(re.findall(r"<(rect|path|circle)\b", dom)) > 20  # bars and slices, not empty frames

    section = dom[dom.index("“分期乐”数据与典型案例") : dom.index("“支付宝”数据与典型案例")]
    labels = re.findall(r"<td>2024年</td><td>([^<]+)</td>", section)
    assert labels == [
        "全年",
        "第四季度",
        "12月",
        "11月",
        "10月",
        "第三季度",
        "9月",
        "8月",
        "7月",
        *FIRST_HALF_LABELS,
    ]
    assert "共获得18次消费评级，其中18次为“不建议下单”" in html_lib.unescape(section)
    cases = re.findall(r"【案例(.)】", section)
    assert cases == ["一", "二", "三"]
    assert re.search(r"的\S+(先生|女士|某|匿名用户)投诉称", html_lib.unescape(section))

    # issue 14.17: the 投诉榜 as a table with counts, 投诉量 per period, titles
    # that fit any domain, sentences that name what their charts show
    board_rows = re.findall(
        r"<tr><td>(\d+)</td><td>([^<]+)</td><td[^>]*>(\d+)</td></tr>", dom[dom.index('id="complaint-board"') :]
    )
    complaints = dict(
        query(
            data_dir.serving / "warehouse.duckdb",
            """
        SELECT platform, n_complaints FROM marts.complaint_board WHERE domain = '金融科技' AND period_key = '2024'""",
        )
    )
    assert {platform: int(n) for _, platform, n in board_rows} == complaints
    assert re.search(r"<td>2024年</td><td>全年</td><td[^>]*>120</td>", section)  # 分期乐's 投诉量
    assert "电商消费" not in text and "分期乐2024年金融科技消费评级数据" in text
    assert "问题问题" not in text
    problem_chart = dom[dom.index("问题占比图") : dom.index("地区占比图")]
    charted = re.findall(r"<text[^>]*>([^<0-9%][^<]*)</text>", problem_chart)
    sentence = re.search(r"问题类型TOP\d+依次为：([^。]+)。", text).group(1)
    assert [item.split("（")[0] for item in sentence.split("、")] == charted and "其他" in charted

    screenshot = tmp_path / "report.png"
    chromium(f"--screenshot={screenshot}", "--window-size=1000,2400", report.as_uri(), profile=tmp_path / "profile")
    assert screenshot.stat().st_size > 50_000


def test_report_needs_a_build_and_names_its_file(tmp_path):
    data_dir = DataDir(tmp_path / "d").create()
    assert run_tousu(data_dir, "report", "--year", "2024") == EXIT_NOT_BUILT


@pytest.fixture
def writer_held_elsewhere(tmp_path):
    """Another process holding the data directory's writer lock, as a running
    build or publication does."""
    import subprocess
    import sys

    from orchestration.warehouse.writer import LOCK_FILE

    data_dir = DataDir(tmp_path / "data").create()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from filelock import FileLock; "
            "lock = FileLock(sys.argv[1]); lock.acquire(); print('holding', flush=True); time.sleep(60)",
            str(data_dir.root / LOCK_FILE),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        yield data_dir
    finally:
        holder.kill()
        holder.wait()


def test_a_second_build_fails_at_once_and_changes_nothing(writer_held_elsewhere):
    from orchestration.cli import EXIT_WAREHOUSE_BUSY

    data_dir = writer_held_elsewhere
    (data_dir.landing / "complaints-2024-01-01.jsonl").write_bytes(b"{}\n")
    assert run_tousu(data_dir, "build") == EXIT_WAREHOUSE_BUSY
    assert run_tousu(data_dir, "publish", "--period", "2024") in (EXIT_NOT_BUILT, EXIT_WAREHOUSE_BUSY)
    assert not data_dir.warehouse.exists() and not any(data_dir.logs.iterdir())


def test_a_dagster_run_fails_before_any_step_while_another_writes(writer_held_elsewhere, monkeypatch):
    """Runs launched from the Dagster UI, the sensor or a schedule hold the same
    lock through the warehouse_writer resource."""
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.paths import DATA_DIR_ENV
    from orchestration.runner import termination_signals_kept

    data_dir = writer_held_elsewhere
    monkeypatch.setenv(DATA_DIR_ENV, str(data_dir.root))
    (data_dir.landing / "complaints-2024-01-01.jsonl").write_bytes(b"{}\n")
    # as the CLI's runner does: the worker's later tests keep its signal handlers
    with termination_signals_kept():
        result = defs.resolve_job_def("build_warehouse").execute_in_process(
            instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
        )
    assert not result.success
    assert not result.get_step_success_events() and not result.get_asset_materialization_events()
    init_failure = next(e for e in result.all_events if e.event_type_value == "RESOURCE_INIT_FAILURE")
    assert "another build or publication is writing" in init_failure.event_specific_data.error.message
    assert not data_dir.warehouse.exists()


def test_audit_prints_the_ledger_and_reads_while_a_build_holds_the_warehouse(demo):
    """Issue 15.3: `tousu audit --json` is the ledger, quarantine by reason and
    ignored files; it answers from the ledger snapshot while a writer holds the
    warehouse (here: a read-write connection, as a build has)."""
    import json

    import duckdb

    data_dir = demo[0]
    with duckdb.connect(str(data_dir.warehouse)):
        as_json = tousu_process(data_dir, "audit", "--json")
        as_text = tousu_process(data_dir, "audit")
    assert as_json.returncode == 0 and as_text.returncode == 0, as_json.stderr + as_text.stderr
    audit = json.loads(as_json.stdout)
    ledger = query(
        data_dir.warehouse,
        """
        SELECT source_file, sha256, n_lines, n_loaded, n_quarantined, n_blank, status
        FROM audit.ingested_files ORDER BY source_file""",
    )
    keys = ("source_file", "sha256", "n_lines", "n_loaded", "n_quarantined", "n_blank", "status")
    assert [tuple(f[k] for k in keys) for f in audit["files"]] == ledger
    assert audit["quarantine_reasons"] == dict(
        query(data_dir.warehouse, "SELECT reason, count(*) FROM audit.quarantine GROUP BY 1")
    )
    assert {
        "name": "complaints-x.csv",
        "why": "name matches no landing pattern"
        " (complaints-*.jsonl[.gz], platforms-*.csv, cfpb-*.csv[.gz], cfpb-*.zip)",
    } in audit["ignored_files"]
    n_lines, n_loaded, n_quarantined, n_blank = query(
        data_dir.warehouse,
        """
        SELECT sum(n_lines), sum(n_loaded), sum(n_quarantined), sum(n_blank)
        FROM audit.ingested_files WHERE status = 'loaded'""",
    )[0]
    assert (
        f"lines: {n_lines:,} = {n_loaded:,} loaded + {n_quarantined:,} quarantined + {n_blank:,} blank"
        in as_text.stdout
    )
    assert f"ledger of {data_dir.root}" in as_text.stdout and "quarantined by reason:" in as_text.stdout


def platform_section(html: str, platform: str) -> str:
    start = html.index(f"“{platform}”数据与典型案例")
    return html[start : html.index("</section>", start)]


def test_reports_for_a_quarter_a_half_and_every_domain_of_a_month(demo):
    """Issue 15.5: a period's report has that period's boards and, per platform,
    the rating rows of the periods inside it; --domain all writes one per domain."""
    import re

    data_dir = demo[0]
    result = tousu_process(data_dir, "report", "--period", "2024-Q4")
    assert result.returncode == 0, result.stderr
    quarter = (data_dir.reports / "2024-Q4-金融科技.html").read_text(encoding="utf-8")
    assert "<h1>2024年第四季度 中国金融科技消费投诉数据与典型案例报告</h1>" in quarter
    section = platform_section(quarter, "分期乐")
    assert re.findall(r"<td>2024年</td><td>([^<]+)</td>", section) == ["第四季度", "12月", "11月", "10月"]
    assert "2024年第四季度“分期乐”共获得4次消费评级，其中4次为“不建议下单”" in section
    board = dict(
        query(
            data_dir.serving / "warehouse.duckdb",
            """
        SELECT platform, n_complaints FROM marts.complaint_board WHERE domain = '金融科技' AND period_key = '2024-Q4'""",
        )
    )
    rows = re.findall(
        r"<tr><td>\d+</td><td>([^<]+)</td><td[^>]*>(\d+)</td></tr>", quarter[quarter.index('id="complaint-board"') :]
    )
    assert {platform: int(n) for platform, n in rows} == board

    assert tousu_process(data_dir, "report", "--period", "2024-H1").returncode == 0
    half = (data_dir.reports / "2024-H1-金融科技.html").read_text(encoding="utf-8")
    section = platform_section(half, "分期乐")
    assert re.findall(r"<td>2024年</td><td>([^<]+)</td>", section) == FIRST_HALF_LABELS

    result = tousu_process(data_dir, "report", "--period", "2024-12", "--domain", "all")
    domains = [
        row[0]
        for row in query(
            data_dir.serving / "warehouse.duckdb",
            """
        SELECT DISTINCT domain FROM marts.platform_ratings WHERE period_key = '2024-12' ORDER BY 1""",
        )
    ]
    assert result.returncode == 0 and len(domains) > 3
    assert sorted(p.name for p in data_dir.reports.glob("2024-12-*.html")) == sorted(
        f"2024-12-{domain}.html" for domain in domains
    )
