"""What `make bench` relies on, on a small sample: the next day's dump, built
incrementally, and the floor query and the pandas script over the same files all
give the build's monthly ratings; `compare` refuses a difference."""

import datetime as dt
import json
from types import SimpleNamespace

import duckdb
import pytest
from conftest import run_tousu
from spec_oracle import parse_ts

from benchmarks import floor, pandas_ratings
from benchmarks.run import compare, issue_targets
from orchestration.generate.synthetic import generate, generate_next_day
from orchestration.paths import DataDir

N_COMPLAINTS = 1000  # the next day brings 1% of it: ten new complaints, ten updates


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sample built, then its next day landed and built incrementally."""
    root = tmp_path_factory.mktemp("bench")
    data_dir = DataDir(root / "data").create()
    generate(data_dir.landing, N_COMPLAINTS)
    assert run_tousu(data_dir, "build") == 0
    before = set(p.name for p in data_dir.landing.iterdir())
    summary = generate_next_day(root / "next", N_COMPLAINTS)
    (name,) = summary.files
    (data_dir.landing / name).write_bytes((root / "next" / name).read_bytes())
    assert run_tousu(data_dir, "build") == 0
    return data_dir, before, name


def _records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_next_day_is_the_day_after_with_new_complaints_and_updates(built, tmp_path):
    data_dir, before, name = built
    last = max(dt.date.fromisoformat(n[len("complaints-") :][:10]) for n in before if n.startswith("complaints-"))
    assert name == f"complaints-{last + dt.timedelta(days=1)}.jsonl"
    records = _records(data_dir.landing / name)
    with duckdb.connect(str(data_dir.warehouse), read_only=True) as con:
        known = {
            row[0]
            for row in con.execute(
                "SELECT DISTINCT complaint_id FROM raw.complaints WHERE source_file <> $name", {"name": name}
            ).fetchall()
        }
    new = {r["complaint_id"] for r in records} - known
    updates = [r for r in records if r["complaint_id"] in known]
    assert len(new) == len(updates) == round(N_COMPLAINTS * 0.01)
    assert {r["status"] for r in updates} <= {"已受理", "已评价"}
    assert {parse_ts(r["updated_at"]).date() for r in records} == {last + dt.timedelta(days=1)}
    # deterministic: written again, the same bytes
    generate_next_day(tmp_path, N_COMPLAINTS)
    assert (tmp_path / name).read_bytes() == (data_dir.landing / name).read_bytes()


def test_floor_and_pandas_equal_the_incremental_build(built, tmp_path):
    data_dir = built[0]
    serving = data_dir.root / "serving" / "parquet" / "platform_ratings.parquet"
    floor.monthly_ratings(data_dir.landing, tmp_path / "floor.parquet")
    pandas_ratings.monthly_ratings(data_dir.landing).to_parquet(tmp_path / "pandas.parquet", index=False)
    assert compare(serving, tmp_path / "floor.parquet", "floor") > 100
    assert compare(serving, tmp_path / "pandas.parquet", "pandas") > 100


def test_compare_refuses_a_different_number(built, tmp_path):
    data_dir = built[0]
    serving = data_dir.root / "serving" / "parquet" / "platform_ratings.parquet"
    with duckdb.connect() as con:
        con.execute(f"""COPY (SELECT * REPLACE (CASE WHEN row_number() OVER () = 7 THEN n_replied + 1
                                                 ELSE n_replied END AS n_replied)
                         FROM '{serving}' WHERE period_type = 'month') TO '{tmp_path / "off.parquet"}'""")
    with pytest.raises(SystemExit, match="differs"):
        compare(serving, tmp_path / "off.parquet", "tampered")


def test_the_harness_judges_issue_19s_targets_for_its_size():
    def step(seconds: float) -> SimpleNamespace:
        return SimpleNamespace(seconds=seconds)

    floor, pandas = step(100), step(300)
    # 1M (make bench): full build within 3x the floor, day within 10% of it
    small = issue_targets(1_000_000, step(300), step(30), floor, pandas, 2 << 30)
    assert [(name, met) for name, met, _ in small] == [
        ("full build within 3x the floor", True),
        ("incremental day within 10% of the full build", True),
        ("peak memory under 4 GiB", True),
    ]
    # 10M (make bench-large): within 2x, 3%, and a day 20x faster than pandas
    large = issue_targets(10_000_000, step(300), step(30), floor, pandas, 5 << 30)
    assert [(name, met) for name, met, _ in large] == [
        ("full build within 2x the floor", False),
        ("incremental day within 3% of the full build", False),
        ("incremental day at least 20x faster than the pandas script", False),
        ("peak memory under 4 GiB", False),
    ]
    assert [measured for _, _, measured in large] == ["3.00x", "10.0%", "10.0x", "5.00 GiB"]
