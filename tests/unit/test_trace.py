"""`tousu trace --csv` writes CSV any reader takes back, cell for cell."""

import csv
import io

import pyarrow as pa

from orchestration.trace import HEADERS, Trace, render_csv


def test_trace_csv_reads_back_with_quotes_commas_and_empty_cells():
    values = [
        ["TS,1", 'say "hi"', "2024-01-01 00:00:00", None, None, None, 0.0, None, "dump, 1.jsonl", 7],
        ["TS2", "已评价", "2024-01-02 00:00:00", "2024-01-02 01:00", "2024-01-02 02:00", 1.5, 1.0, 9.0, "d.jsonl", 8],
    ]
    complaints = pa.table(list(zip(*values, strict=True)), names=list(HEADERS))
    rows = list(csv.reader(io.StringIO(render_csv(Trace("P 2024", HEADERS, complaints)))))
    assert rows[0] == list(HEADERS)
    assert rows[1] == ["TS,1", 'say "hi"', "2024-01-01 00:00:00", "", "", "", "0", "", "dump, 1.jsonl", "7"]
    assert rows[2][1] == "已评价" and [float(cell) for cell in rows[2][5:8]] == [1.5, 1.0, 9.0]
