"""Property-based: on generated records — unicode white space, odd types, and
timestamps at and past every edge — ingestion's SQL validator gives each line
exactly the verdict of the plain-Python reading of SPEC (tests/spec_oracle.py)."""

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from spec_oracle import classify

from orchestration import reference
from orchestration.ingestion.run import ingest_landing
from orchestration.warehouse.connection import connect

SPACES = " \t\u3000\u00a0\u2003\u200b\ufeff"
# drawn from the seeds ingestion validates against; the oracle keeps its own lists
DOMAINS = list(reference.domains())
STATUSES = list(reference.statuses())

blank_text = st.text(alphabet=SPACES, max_size=4)
odd_values = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10), st.floats(allow_nan=False), st.just([]), st.just({})
)


@st.composite
def timestamps(draw):
    """Timestamps built from parts that run one past every limit, in every
    separator and zone notation SPEC allows and some it does not."""
    date = f"{draw(st.integers(1999, 2030)):04d}-{draw(st.integers(0, 13)):02d}-{draw(st.integers(0, 32)):02d}"
    time = f"{draw(st.integers(0, 25)):02d}:{draw(st.integers(0, 60)):02d}:{draw(st.integers(0, 61)):02d}"
    digits = draw(st.integers(0, 10))
    fraction = "." + "1234567890"[:digits] if digits else ""
    separator = draw(st.sampled_from([" ", "T", "t", "_", "  "]))
    zone = draw(st.sampled_from(["", "Z", "z", "+08:00", "+0800", "+08", "-05:30", "+24:00", "+08:60", " +08:00"]))
    text = date + separator + time + fraction + zone
    return draw(st.sampled_from([text, text, text, date, text.replace("2", "２"), f" {text} "]))


ts_values = st.one_of(timestamps(), blank_text, odd_values)
reply = st.fixed_dictionaries(
    {},
    optional={
        "replied_at": ts_values,
        "author": st.sampled_from(["platform", "mediator", "user", "bot", "", None]),
        "content": st.one_of(st.text(max_size=6), blank_text, odd_values),
    },
)


def mostly(valid, wild):
    """Valid values three times in four, so that whole lines pass often enough
    for the later rules (transfer, replies, scores) to be reached."""
    return st.integers(0, 3).flatmap(lambda pick: wild if pick == 0 else valid)


valid_ts = st.sampled_from(["2024-03-01 09:00:00", "2024-03-01T01:00:00Z", "2024-03-02t10:00:00.5+08:00"])
later_ts = st.sampled_from(["2024-03-05 10:00:00", "2024-03-04T23:59:59.999999999+08:00"])
records = st.fixed_dictionaries(
    {
        "complaint_id": mostly(
            st.text(st.characters(exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=8),
            st.one_of(blank_text, st.text(min_size=63, max_size=66), odd_values),
        ),
        "updated_at": mostly(later_ts, ts_values),
        "submitted_at": mostly(valid_ts, ts_values),
        "platform": mostly(
            st.text(st.characters(exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=6),
            st.one_of(blank_text, odd_values),
        ),
        "domain": mostly(
            st.sampled_from(DOMAINS),
            st.one_of(st.sampled_from(DOMAINS).map(lambda d: f" {d}\u3000"), st.text(max_size=3), odd_values),
        ),
        "status": mostly(st.sampled_from(STATUSES), st.one_of(st.text(max_size=3), odd_values)),
    },
    optional={
        "transferred_at": mostly(valid_ts, ts_values),
        "amount": st.one_of(
            st.sampled_from(["6,000.00元", "¥12", "￥1,2,3", "１２", "", "1e400", "-1", "12.5元 "]),
            st.floats(allow_nan=False),
            st.integers(-5, 10**7),
            odd_values,
        ),
        "evaluation": st.one_of(
            odd_values,
            st.fixed_dictionaries(
                {},
                optional={
                    "score": st.one_of(st.floats(-1, 11), st.integers(-1, 11), st.text(max_size=2), odd_values),
                    "evaluated_at": ts_values,
                },
            ),
        ),
        "replies": st.one_of(odd_values, st.lists(reply, max_size=3), reply),
        "user": st.one_of(odd_values, st.fixed_dictionaries({}, optional={"name": st.text(max_size=4)})),
    },
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(st.tuples(records, st.booleans()), min_size=1, max_size=25))
def test_sql_validator_agrees_with_the_spec_reading(batch):
    lines = [json.dumps(record, ensure_ascii=ascii_only).encode("utf-8") for record, ascii_only in batch]
    with tempfile.TemporaryDirectory() as folder:
        landing = Path(folder) / "landing"
        landing.mkdir()
        (landing / "complaints-1.jsonl").write_bytes(b"\n".join(lines) + b"\n")
        with connect(Path(folder) / "warehouse.duckdb") as con:
            ingest_landing(con, landing)
            reasons = dict(con.execute("SELECT line_no, reason FROM audit.quarantine").fetchall())
            loaded = {n for (n,) in con.execute("SELECT line_no FROM raw.complaints").fetchall()}
    for line_no, raw in enumerate(lines, start=1):
        expected = classify(raw)[0] or "loaded"
        got = "loaded" if line_no in loaded else reasons.get(line_no, "blank")
        event(expected.split(":")[0])  # `pytest --hypothesis-show-statistics` shows the mix
        assert got == expected, (raw.decode(), got, expected)
