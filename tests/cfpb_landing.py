"""A landing zone of real CFPB extracts (tests/fixtures/cfpb), and an
independent reading of them with Python's csv module that the tests judge
tousu's CFPB marts against (docs block `cfpb_rating_method`, in plain Python)."""

from __future__ import annotations

import csv
import gzip
import io
import shutil
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "cfpb"
SAMPLE = FIXTURES / "complaints_sample.csv"  # 18 columns; 2 lines of archive-tool output on top
LEGACY = FIXTURES / "consumer_complaints.csv"  # 14 columns, no Complaint ID, CRLF, m/d/yyyy
SAMPLE_JUNK_LINES = 2

# The landing zone: the legacy export, then the sample three times (plain,
# gzip, zip) as three snapshots of one day; the zip's name is the greatest.
LANDED = {
    "cfpb-2017-03-01.csv": "legacy",
    "cfpb-2020-03-19.csv": "plain",
    "cfpb-2020-03-20.csv.gz": "gzip",
    "cfpb-2020-03-21.zip": "zip",
}
CLOSED = {
    "Closed with explanation",
    "Closed with monetary relief",
    "Closed with non-monetary relief",
    "Closed",
    "Closed with relief",
    "Closed without relief",
}
RELIEF = {"Closed with monetary relief", "Closed with non-monetary relief", "Closed with relief"}


def write_cfpb_landing(landing: Path) -> None:
    landing.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(LEGACY, landing / "cfpb-2017-03-01.csv")
    shutil.copyfile(SAMPLE, landing / "cfpb-2020-03-19.csv")
    (landing / "cfpb-2020-03-20.csv.gz").write_bytes(gzip.compress(SAMPLE.read_bytes(), mtime=0))
    with zipfile.ZipFile(landing / "cfpb-2020-03-21.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(SAMPLE, "complaints.csv")


def sample_records() -> list[dict[str, str]]:
    with SAMPLE.open(newline="", encoding="utf-8") as handle:
        for _ in range(SAMPLE_JUNK_LINES):
            handle.readline()
        return list(csv.DictReader(handle))


def legacy_records() -> list[dict[str, str]]:
    with LEGACY.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def later_snapshot(records: list[dict[str, str]], response: str) -> bytes:
    """The records as a later export in which every complaint "In progress" got `response`."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    for record in records:
        if record["Company response to consumer"] == "In progress":
            record = dict(record, **{"Company response to consumer": response})
        writer.writerow(record)
    return out.getvalue().encode()


def company_year_figures(records: list[dict[str, str]], year: str) -> dict[str, dict[str, int]]:
    """Per company, the complaints received in `year` and the counts a rating divides."""
    figures: dict[str, Counter] = {}
    for record in records:
        if not record["Date received"].startswith(year):
            continue
        # the contract's company name: NFKC-normalised and trimmed
        company = unicodedata.normalize("NFKC", record["Company"]).strip()
        counts = figures.setdefault(company, Counter())
        response = record["Company response to consumer"]
        disputed = record["Consumer disputed?"]
        counts.update(
            n_complaints=1,
            n_responded=int(response in CLOSED),
            n_timely=int(record["Timely response?"] == "Yes"),
            n_relief=int(response in RELIEF),
            n_dispute_known=int(disputed in ("Yes", "No")),
            n_disputed=int(disputed == "Yes"),
        )
    return {company: dict(counts) for company, counts in figures.items()}


def record_to_purge() -> dict[str, str]:
    """A 2019 record whose consumer consented to publish a narrative of their
    own (a consumer often files one narrative against several companies): the
    record a purge erases, as when the consumer withdraws."""
    records = sample_records()
    told = Counter(r["Consumer complaint narrative"] for r in records)
    return next(
        r
        for r in records
        if r["Consumer consent provided?"] == "Consent provided"
        and len(r["Consumer complaint narrative"]) > 200
        and told[r["Consumer complaint narrative"]] == 1
        and r["Date received"].startswith("2019")
    )
