"""Spark ingestion's pieces, without Spark: a dump cut into byte ranges, each
classified as a Spark task classifies it, gives the lines, verdicts, counts and
hash of the same dump read whole (orchestration/ingestion/spark_run.py)."""

import datetime as dt

import pyarrow as pa
from foreign_landing import write_foreign_landing

from orchestration.ingestion import complaints
from orchestration.ingestion.landing import scan
from orchestration.ingestion.run import triage
from orchestration.ingestion.spark_run import classify_piece, merge_pieces, plan_pieces


def classified(pending, limit: int) -> tuple[list[tuple], dict[str, dict]]:
    """Every row the tasks yield, numbered in its file, and each file's summary."""
    plausible = complaints.plausible_range_params(dt.datetime(2025, 6, 1, tzinfo=dt.UTC))
    rows, summaries = [], []
    for piece in plan_pieces(pending, limit=limit):
        for batch in classify_piece(piece, plausible):
            for row in pa.Table.from_batches([batch]).to_pylist():
                (summaries if row["record"] in ("piece", "hash") else rows).append(row)
    offsets, lines_before = {}, {}
    for summary in sorted(summaries, key=lambda s: (s["source_file"], s["piece"])):
        if summary["record"] == "piece":
            offsets[summary["source_file"], summary["piece"]] = lines_before.get(summary["source_file"], 0)
            lines_before[summary["source_file"]] = (
                offsets[summary["source_file"], summary["piece"]] + summary["n_lines"]
            )
    numbered = sorted(
        (row["record"], row["source_file"], row["line_no"] + offsets[row["source_file"], row["piece"]], row["reason"])
        for row in rows
    )
    return numbered, merge_pieces(summaries)


def test_a_dump_cut_into_ranges_classifies_as_the_whole_dump(tmp_path):
    write_foreign_landing(tmp_path)
    # the files that can be cut: uncompressed dumps (a registry or a .gz is read whole either way)
    pending = [
        (f, triage(f, None)[0])
        for f in scan(tmp_path).files
        if f.name.startswith("complaints") and not f.name.endswith(".gz")
    ]
    whole_rows, whole = classified(pending, limit=1 << 30)
    cut_rows, cut = classified(pending, limit=8192)
    assert len(plan_pieces(pending, limit=8192)) > 3 * len(pending)  # cut indeed
    assert cut_rows == whole_rows and len(whole_rows) > 1000
    assert cut == whole
    assert len({summary["sha256"] for summary in whole.values()}) == len(whole) - 1  # one file is a copy
