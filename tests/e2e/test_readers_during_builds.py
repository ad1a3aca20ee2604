"""A BI reader polling serving/ while builds run: it never errors, never blocks a
build, and never sees tables of two different builds at once."""

import json
import shutil
import subprocess
import sys
import textwrap

from conftest import run_tousu
from foreign_landing import write_foreign_landing

from orchestration.paths import DataDir
from orchestration.warehouse.serving import current_release

# Reads the way README tells BI tools to: one DuckDB connection, or the Parquet
# files of one resolved release folder.
READER = textwrap.dedent("""
    import json, os, pathlib, sys, time, duckdb
    serving, stop, report = (pathlib.Path(arg) for arg in sys.argv[1:4])
    stats = {"reads": 0, "errors": [], "mixed": [], "releases": []}
    stopped_at = None
    while True:
        # Told to stop, it still reads until it has seen the last release (the
        # stop file names it), or for 30 s.
        if stop.exists():
            stopped_at = stopped_at or time.time()
            if stop.read_text() in stats["releases"] or time.time() - stopped_at > 30:
                break
        if not (serving / "warehouse.duckdb").exists():
            time.sleep(0.05)
            continue
        try:
            with duckdb.connect(str(serving / "warehouse.duckdb"), read_only=True) as con:
                (release,), = con.execute("SELECT release_id FROM meta.release").fetchall()
                con.execute("SELECT count(*), sum(n_complaints) FROM marts.platform_ratings").fetchall()
            folder = pathlib.Path(os.path.realpath(serving / "parquet"))
            with duckdb.connect() as con:
                tags = {decoded for (decoded,) in con.execute(
                    "SELECT DISTINCT decode(value) FROM parquet_kv_metadata(?) WHERE decode(key) = 'tousu_release'",
                    [str(folder / "*.parquet")]).fetchall()}
                con.execute("SELECT count(*) FROM read_parquet(?)", [str(folder / "platform_ratings.parquet")]).fetchall()
            if tags != {folder.parent.name}:
                stats["mixed"].append(sorted(tags))
            stats["reads"] += 1
            if release not in stats["releases"]:
                stats["releases"].append(release)
        except Exception as error:  # every failure is a finding, not a crash
            stats["errors"].append(repr(error))
    report.write_text(json.dumps(stats))
""")


def test_a_reader_polling_serving_during_builds(tmp_path):
    source = tmp_path / "source"
    first, *rest = write_foreign_landing(source, n_complaints=120)
    batches = [first, [name for batch in rest for name in batch]]  # two builds, one swap to read across
    data_dir = DataDir(tmp_path / "data").create()
    stop, report = tmp_path / "stop", tmp_path / "report.json"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(data_dir.serving), str(stop), str(report)])
    try:
        codes = []
        for batch in batches:
            for name in batch:
                shutil.copy2(source / name, data_dir.landing / name)
            codes.append(run_tousu(data_dir, "build"))
    finally:
        stop.write_text(current_release(data_dir.serving) or "")
        reader.wait(timeout=90)
    stats = json.loads(report.read_text())
    assert codes == [0] * len(batches)  # builds were never blocked
    assert stats["errors"] == []
    assert stats["mixed"] == []
    assert stats["reads"] > 20
    assert len(stats["releases"]) == len(batches)  # it read every release, across each swap
