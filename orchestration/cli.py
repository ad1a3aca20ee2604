"""`tousu`: generate dumps, build, publish, purge, print boards, trace ratings, write the report (SPEC section 2)."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from pathlib import Path

from orchestration import engine
from orchestration.engine import ENGINES
from orchestration.paths import DataDir

# Exit codes (documented in the README).
EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INGESTION_FAILED = 3
EXIT_DBT_FAILED = 4
EXIT_SERVING_FAILED = 5
EXIT_NOT_BUILT = 6
EXIT_WAREHOUSE_BUSY = 7
EXIT_BAD_CONFIG = 8
EXIT_DATA_DIR_UNUSABLE = 9
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader of stdout went away (`| head`)

# Commands that only read: they never create the data directory.
READ_ONLY_COMMANDS = ("audit", "board", "report", "trace")

FAILED_STEP_EXIT = {
    "landing_ingestion": (EXIT_INGESTION_FAILED, "ingestion failed"),
    "tousu_dbt_models": (EXIT_DBT_FAILED, "dbt build failed"),
    "tousu_publication": (EXIT_DBT_FAILED, "publication failed"),
    "serving__marts": (EXIT_SERVING_FAILED, "publishing serving/ failed"),
}


# The complaint board over every domain.
OVERALL = "总榜"
# The domain `tousu board` shows when none is named.
DEFAULT_DOMAIN = "金融科技"
# `report --domain all`: one report per domain.
ALL_DOMAINS = "all"


def non_negative_int(text: str) -> int:
    """argparse type: a whole number >= 0."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 0")
    return int(text)


class CliError(Exception):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def _generate(args: argparse.Namespace) -> int:
    from orchestration.generate.placement import WouldOverwrite, ingested_names, place, staging_folder
    from orchestration.generate.synthetic import generate, generate_next_day, minimum_complaints

    if args.complaints < minimum_complaints():
        raise CliError(f"--complaints must be at least {minimum_complaints()}", EXIT_USAGE)
    out_dir = Path(args.out)
    with staging_folder(out_dir) as staged:
        summary = (generate_next_day if args.next_day else generate)(
            staged,
            args.complaints,
            args.year,
            args.seed,
            progress=lambda message: print(message, file=sys.stderr),
        )
        try:
            place(staged, summary.files, out_dir, args.force, lambda: ingested_names(out_dir, DataDir.from_env()))
        except WouldOverwrite as error:
            raise CliError(f"generate: {error}", EXIT_USAGE) from None
    print(
        f"wrote {len(summary.files)} files ({summary.n_lines:,} lines, "
        f"{summary.n_complaints:,} complaints) to {args.out}"
    )
    return EXIT_OK


def _failure(outcome, what: str, unchanged: str, data_dir: DataDir | None = None) -> CliError:
    """One block: what failed, the failing tests (or the root error) with the
    landed lines of their first offending rows, the log."""
    code, _ = FAILED_STEP_EXIT.get(outcome.failed_step or "", (1, what))
    # Failing dbt tests say it all; otherwise show the root error itself.
    lines = [f"failed test: {check}" for check in outcome.failed_checks] or outcome.errors
    if outcome.failed_checks and data_dir is not None:
        from orchestration.failed_tests import failed_tests

        lines += [
            f"{test.name}: {test.n_failures} row(s), from landed lines {', '.join(test.lines)}"
            for test in failed_tests(data_dir)
            if test.lines
        ]
    if outcome.log_file:
        lines.append(f"full log: {outcome.log_file}")
    detail = "".join(f"\n  {line}" for line in "\n".join(lines).splitlines())
    return CliError(f"{what}; {unchanged}{detail}", code)


def _warnings(outcome) -> None:
    for check in outcome.warned_checks:
        print(f"warning: {check}", file=sys.stderr)


def _progress_mode(args: argparse.Namespace) -> str:
    """How a long run shows how far it is: a live line on a terminal, plain lines
    when stderr is a file or a pipe, nothing with -q (or -v, which streams the logs)."""
    if getattr(args, "quiet", False) or getattr(args, "verbose", False):
        return "quiet"
    return "terminal" if sys.stderr.isatty() else "plain"


def _build(data_dir: DataDir, verbose: bool, full_refresh: bool = False, progress: str = "quiet") -> None:
    from orchestration.build_state import nothing_new

    release = None if full_refresh else nothing_new(data_dir)
    if release:
        print(
            f"nothing new: no new or changed landing file, and the code is the last build's; "
            f"serving release {release} stays"
        )
        return
    from orchestration.runner import run_build

    outcome = run_build(data_dir, verbose=verbose, full_refresh=full_refresh, progress=progress)
    ingestion = outcome.materialized.get("raw/complaints", {})
    if not outcome.success:
        what = FAILED_STEP_EXIT.get(outcome.failed_step or "", (1, "build failed"))[1]
        raise _failure(outcome, what, "serving/ was not refreshed.", data_dir)
    _warnings(outcome)
    serving = outcome.materialized.get("serving/marts", {})
    print(
        f"build ok{' (full refresh)' if full_refresh else ''}: {ingestion.get('new_files', 0)} new file(s), "
        f"{ingestion.get('duplicate_files', 0)} duplicate(s)"
    )
    for line in ingestion_summary(ingestion):
        print(line)
    warned = f", {len(outcome.warned_checks)} warned" if outcome.warned_checks else ""
    print(
        f"checks: {outcome.n_checks_passed} passed{warned} of "
        f"{outcome.n_checks_passed + len(outcome.warned_checks)} run; serving release {serving.get('release')}"
    )


TOP_REASONS = 5
COUNTED = ("loaded", "quarantined", "blank")


def _counted(metadata: dict, key: str, noun: str) -> str:
    """`  lines: 8,850 loaded, 17 quarantined, 0 blank`, from the ingestion's metadata."""
    return "  " + noun + ": " + ", ".join(f"{metadata.get(f'{key}_{outcome}', 0):,} {outcome}" for outcome in COUNTED)


def ingestion_summary(metadata: dict) -> list[str]:
    """What the build did with the landed lines, and which files it left alone."""
    if not metadata:
        return []
    reasons = metadata.get("quarantine_reasons") or {}
    # CFPB records apart (a record may span lines), when an export landed; the
    # lines of dumps and registries unless only exports did
    has_records = any(metadata.get(f"cfpb_records_{outcome}") for outcome in COUNTED)
    has_lines = any(metadata.get(f"lines_{outcome}") for outcome in COUNTED)
    lines = [_counted(metadata, "lines", "lines")] if has_lines or not has_records else []
    if has_records:
        lines.append(_counted(metadata, "cfpb_records", "CFPB records"))
    if reasons:
        top = ", ".join(f"{reason} {count:,}" for reason, count in list(reasons.items())[:TOP_REASONS])
        more = len(reasons) - TOP_REASONS
        lines.append(
            f"  quarantined by reason: {top}{f' (+{more} more reasons)' if more > 0 else ''}"
            " (each is in audit.quarantine)"
        )
    for wholly in metadata.get("wholly_quarantined_files") or []:
        why = ", ".join(f"{reason} {count:,}" for reason, count in wholly["reasons"].items())
        lines.append(f"warning: {wholly['name']}: every line quarantined ({wholly['lines']:,}: {why})")
    for postponed in metadata.get("postponed_files") or []:
        lines.append(f"postponed: {postponed['name']}: {postponed['why']}")
    for ignored in metadata.get("ignored_files") or []:
        lines.append(f"ignored: {ignored['name']}: {ignored['why']}")
    return lines


def _built(data_dir: DataDir, needed: Path) -> None:
    """Stop with exit 6 unless `needed` (the warehouse, or serving's) exists."""
    if not needed.exists():
        raise CliError(f"nothing built yet in {data_dir.root}: run `tousu build` first", EXIT_NOT_BUILT)


def _cmd_build(args: argparse.Namespace) -> int:
    data_dir = DataDir.from_env()
    engine.record(data_dir, _engine(data_dir, args.engine))
    _build(data_dir, args.verbose, args.full_refresh, _progress_mode(args))
    return EXIT_OK


def _engine(data_dir: DataDir, flag: str | None = None) -> str:
    """The data directory's engine; exit 2 when the command asks for another."""
    try:
        return engine.resolve(data_dir, flag)
    except engine.EngineError as error:
        raise CliError(str(error), EXIT_USAGE) from None


def _cmd_publish(args: argparse.Namespace) -> int:
    from orchestration.publish import CannotPublish, NothingBuilt, publish_period

    data_dir = DataDir.from_env()
    _engine(data_dir)  # another engine asked for: exit 2
    _built(data_dir, engine.ratings_file(data_dir))
    try:
        publication = publish_period(data_dir, args.period, verbose=args.verbose)
    except CannotPublish as error:
        raise CliError(str(error), EXIT_USAGE) from None
    except NothingBuilt as error:
        raise CliError(str(error), EXIT_NOT_BUILT) from None
    outcome = publication.outcome
    if not outcome.success:
        raise _failure(outcome, "publication failed", "nothing was published.")
    _warnings(outcome)
    serving = outcome.materialized.get("serving/marts", {})
    print(
        f"published {publication.period_key} as revision {publication.revision}: "
        f"{publication.n_rows} rating rows (partition {publication.partition}); "
        f"serving release {serving.get('release')}"
    )
    return EXIT_OK


def _cmd_purge(args: argparse.Namespace) -> int:
    from orchestration.purge import NamesNothing, purge_complaints

    if not (args.complaint_id or args.cfpb_complaint_id):
        raise CliError(
            "purge: name a complaint: --complaint-id ID or --cfpb-complaint-id ID (each repeatable)", EXIT_USAGE
        )
    data_dir = DataDir.from_env()
    _engine(data_dir)  # another engine asked for: exit 2
    _built(data_dir, engine.ratings_file(data_dir))
    try:
        result = purge_complaints(data_dir, args.complaint_id or [], args.cfpb_complaint_id or [], verbose=args.verbose)
    except NamesNothing as error:
        raise CliError(str(error), EXIT_USAGE) from None
    print(
        f"purged {result.names()}: {result.n_raw_lines} raw line(s), {result.n_quarantined_lines} quarantined line(s)"
    )
    if not result.outcome.success:
        raise _failure(
            result.outcome,
            "rebuilding after the purge failed",
            "the lines are deleted; once fixed, run the purge again (or `tousu build`, which then runs every node).",
        )
    print("no table of the warehouse holds them now; serving has a new release and no older one")
    if result.landing_files:
        print("landing/ still holds them (tousu never changes landing files); remove or redact:")
        for name in result.landing_files:
            print(f"  {data_dir.landing / name}")
    return EXIT_OK


def _board_text(data_dir: DataDir, kind: str, domain: str, period: str | None) -> str:
    from orchestration.boards import render_board

    return _served(data_dir, lambda serving_db: render_board(serving_db, kind, domain, period))


def _served(data_dir: DataDir, render):
    """`render(serving_db)`, a period without ratings being a usage error."""
    from orchestration.periods import NoRatings

    serving_db = data_dir.serving / "warehouse.duckdb"
    _built(data_dir, serving_db)
    try:
        return render(serving_db)
    except NoRatings as error:
        raise CliError(str(error), EXIT_USAGE) from None


def _cmd_board(args: argparse.Namespace) -> int:
    if args.source == "cfpb":
        if args.domain or args.kind:
            raise CliError(
                "--domain and --kind are the 电诉宝 boards'; the CFPB board takes --period and --top", EXIT_USAGE
            )
        from orchestration.boards import render_cfpb_board

        print(_served(DataDir.from_env(), lambda serving_db: render_cfpb_board(serving_db, args.period, args.top)))
        return EXIT_OK
    domain = args.domain or DEFAULT_DOMAIN
    kind = args.kind or ("complaint" if domain == OVERALL else "rating")
    if domain == OVERALL and kind == "rating":
        raise CliError(f"{OVERALL} has only the complaint board: use --kind complaint (or no --kind)", EXIT_USAGE)
    print(_board_text(DataDir.from_env(), kind, domain, args.period))
    return EXIT_OK


def _write_report(data_dir: DataDir, period_key: str, domain: str) -> None:
    """One report, or with domain `all` one per domain rated in the period."""
    from orchestration.periods import NoRatings
    from orchestration.report.data import rated_domains
    from orchestration.report.render import write_report

    serving_db = data_dir.serving / "warehouse.duckdb"
    _built(data_dir, serving_db)
    try:
        domains = rated_domains(serving_db, period_key) if domain == ALL_DOMAINS else [domain]
        for one in domains:
            print(f"report: {write_report(serving_db, data_dir.reports, period_key, one)}")
    except NoRatings as error:
        raise CliError(str(error), EXIT_USAGE) from None


def _cmd_report(args: argparse.Namespace) -> int:
    _write_report(DataDir.from_env(), args.period or f"{args.year:04d}", args.domain)
    return EXIT_OK


def _cmd_trace(args: argparse.Namespace) -> int:
    import duckdb

    from orchestration.trace import TraceNotFound, render_csv, render_text, trace, trace_cfpb

    data_dir = DataDir.from_env()
    chosen = _engine(data_dir)
    _built(data_dir, engine.ratings_file(data_dir))
    # --platform: a platform's rating (电诉宝 method); --company: a CFPB company's
    lineage, subject = (trace, args.platform) if args.platform is not None else (trace_cfpb, args.company)
    try:
        if chosen == engine.SPARK:
            from orchestration.warehouse.spark import Queries, session

            with session(data_dir.spark) as spark:
                result = lineage(Queries(spark), subject, args.period)
        else:
            with duckdb.connect(str(data_dir.warehouse), read_only=True) as con:
                result = lineage(con, subject, args.period)
    except TraceNotFound as error:
        raise CliError(str(error), EXIT_USAGE) from None
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise
        raise CliError(
            "the warehouse is being built right now; trace again when the build ends", EXIT_WAREHOUSE_BUSY
        ) from None
    print(render_csv(result) if args.csv else render_text(result), end="" if args.csv else "\n")
    return EXIT_OK


def _cmd_audit(args: argparse.Namespace) -> int:
    import json

    from orchestration import ledger
    from orchestration.boards import format_table
    from orchestration.ingestion.landing import scan

    data_dir = DataDir.from_env()
    found = ledger.current(data_dir.warehouse, data_dir.ledger_snapshot)
    if found is None:
        raise CliError(f"nothing ingested yet in {data_dir.root}: run `tousu build` first", EXIT_NOT_BUILT)
    ignored = [{"name": i.name, "why": i.why} for i in scan(data_dir.landing).ignored]
    if args.json:
        keys = (
            "source_file",
            "sha256",
            "n_lines",
            "n_loaded",
            "n_quarantined",
            "n_blank",
            "status",
            "kind",
            "duplicate_of",
            "ingested_at",
        )
        print(
            json.dumps(
                {
                    "as_of": found["as_of"],
                    "files": [{k: f[k] for k in keys} for f in found["files"]],
                    "quarantine_reasons": found["quarantine_reasons"],
                    "ignored_files": ignored,
                    "purges": found["purges"],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return EXIT_OK
    files = found["files"]
    print(f"ledger of {data_dir.root} as of {found['as_of']}: {len(files)} file(s)")
    print(
        format_table(
            ("source_file", "status", "n_lines", "n_loaded", "n_quarantined", "n_blank", "ingested_at", "sha256"),
            [
                (
                    f["source_file"],
                    f["status"] + (f" of {f['duplicate_of']}" if f["duplicate_of"] else ""),
                    *("" if f[c] is None else f[c] for c in ("n_lines", "n_loaded", "n_quarantined", "n_blank")),
                    f["ingested_at"][:19],
                    f["sha256"],
                )
                for f in files
            ],
        )
    )
    loaded = [f for f in files if f["status"] == "loaded"]
    print(
        f"\nlines: {sum(f['n_lines'] for f in loaded):,} = {sum(f['n_loaded'] for f in loaded):,} loaded"
        f" + {sum(f['n_quarantined'] for f in loaded):,} quarantined + {sum(f['n_blank'] for f in loaded):,} blank"
    )
    print("\nquarantined by reason:")
    print(
        format_table(("reason", "lines"), list(found["quarantine_reasons"].items()))
        if found["quarantine_reasons"]
        else "  none"
    )
    print("\nignored in landing/:" + ("" if ignored else " none"))
    for item in ignored:
        print(f"  {item['name']}: {item['why']}")
    print("\npurges:" + ("" if found["purges"] else " none"))
    for purge in found["purges"]:
        print(f"  {purge['purged_at'][:19]}: {purge['complaints']} complaint(s), {purge['lines']} line(s)")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from orchestration.generate.synthetic import DEFAULT_YEAR, generate

    data_dir = DataDir.from_env().create()
    if not any(data_dir.landing.iterdir()):
        summary = generate(data_dir.landing, progress=lambda m: print(m, file=sys.stderr))
        print(f"generated the default sample: {len(summary.files)} files in {data_dir.landing}")
    else:
        print(f"landing/ already has files: building what is there ({data_dir.landing})")
    _build(data_dir, args.verbose, progress=_progress_mode(args))
    print()
    print(_board_text(data_dir, "rating", "金融科技", str(DEFAULT_YEAR)))
    print()
    _write_report(data_dir, str(DEFAULT_YEAR), "金融科技")
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    from orchestration.generate import DEFAULT_COMPLAINTS, DEFAULT_SEED, DEFAULT_YEAR
    from orchestration.periods import PERIOD_KEY_FORMS, period_key, year_number
    from orchestration.reference import domains

    domain_names = domains()
    top = argparse.ArgumentParser(
        prog="tousu",
        description="Consumer-complaint warehouse. Data lives in $TOUSU_DATA_DIR (default ./data).",
        epilog=f"Domains: {' '.join(domain_names)} (boards also take {OVERALL}). "
        f"Period keys: {PERIOD_KEY_FORMS}. The contract: docs/spec.md; exit codes: README.md.",
    )
    commands = top.add_subparsers(dest="command", required=True)

    gen = commands.add_parser("generate", help="write realistic synthetic landing files")
    gen.add_argument("--out", required=True, help="directory to write into (refuses to overwrite its files)")
    gen.add_argument(
        "--complaints",
        type=int,
        default=DEFAULT_COMPLAINTS,
        help=f"number of complaints (default {DEFAULT_COMPLAINTS:,})",
    )
    gen.add_argument("--year", type=int, default=DEFAULT_YEAR, help=f"the year they fall in (default {DEFAULT_YEAR})")
    gen.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    gen.add_argument(
        "--next-day",
        action="store_true",
        help="write only the day after the dumps of the same --complaints/--year/--seed: "
        "1%% of --complaints new complaints plus as many late replies and evaluations",
    )
    gen.add_argument(
        "--force",
        action="store_true",
        help="overwrite files of the same names in --out (never one the warehouse has ingested)",
    )
    gen.set_defaults(func=_generate)

    build = commands.add_parser("build", help="ingest new landing files, dbt build with tests, refresh serving/")
    build.add_argument("-v", "--verbose", action="store_true", help="show Dagster and dbt progress")
    build.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress on stderr (default: a live line on a terminal, plain lines otherwise)",
    )
    build.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental facts from every raw line (published ratings are kept)",
    )
    build.add_argument(
        "--engine",
        choices=ENGINES,
        help="the engine of a new data directory (default: $TOUSU_ENGINE, else duckdb); "
        "a built one keeps the engine it was created with",
    )
    build.set_defaults(func=_cmd_build)

    publish = commands.add_parser("publish", help="freeze a closed period's ratings into marts.published_ratings")
    publish.add_argument("--period", required=True, type=period_key, help=f"period key: {PERIOD_KEY_FORMS}")
    publish.add_argument("-v", "--verbose", action="store_true", help="show Dagster and dbt progress")
    publish.set_defaults(func=_cmd_publish)

    purge = commands.add_parser("purge", help="erase complaints (and their complainant's data) from every layer")
    purge.add_argument("--complaint-id", action="append", help="a dump's complaint id to erase; repeat for several")
    purge.add_argument(
        "--cfpb-complaint-id", action="append", help="a CFPB export's Complaint ID to erase; repeat for several"
    )
    purge.add_argument("-v", "--verbose", action="store_true", help="show Dagster and dbt progress")
    purge.set_defaults(func=_cmd_purge)

    board = commands.add_parser("board", help="print a rating or complaint board, or the CFPB company board")
    board.add_argument(
        "--source",
        choices=("tousu", "cfpb"),
        default="tousu",
        help="tousu: the 电诉宝 boards of complaint dumps (default); cfpb: CFPB companies by complaints",
    )
    board.add_argument(
        "--domain",
        choices=(*domain_names, OVERALL),
        metavar="DOMAIN",
        help=f"one of {' '.join(domain_names)}, or {OVERALL} (all platforms: the complaint board only) (default {DEFAULT_DOMAIN})",
    )
    board.add_argument("--period", type=period_key, help=f"period key: {PERIOD_KEY_FORMS} (default: the latest year)")
    board.add_argument(
        "--kind",
        choices=("rating", "complaint"),
        help=f"rating board or complaint board (default: rating; complaint for {OVERALL})",
    )
    board.add_argument(
        "--top",
        type=non_negative_int,
        default=20,
        help="--source cfpb: how many companies, most complaints first (default 20; 0 for all)",
    )
    board.set_defaults(func=_cmd_board)

    report = commands.add_parser(
        "report", help="write the report (HTML) of a year, half, quarter or month into reports/<period>-<domain>.html"
    )
    which = report.add_mutually_exclusive_group(required=True)
    which.add_argument("--year", type=year_number, help="the year to report (the annual report: --period YYYY)")
    which.add_argument("--period", type=period_key, help=f"the period to report: {PERIOD_KEY_FORMS}")
    report.add_argument(
        "--domain",
        default=DEFAULT_DOMAIN,
        choices=(*domain_names, ALL_DOMAINS),
        metavar="DOMAIN",
        help=f"one of {' '.join(domain_names)}, or {ALL_DOMAINS} for one report per domain "
        "rated in the period (default 金融科技)",
    )
    report.set_defaults(func=_cmd_report)

    trace = commands.add_parser("trace", help="list the complaints behind a rating row, with source file and line")
    subject = trace.add_mutually_exclusive_group(required=True)
    subject.add_argument("--platform", help="platform name (normalised as the warehouse does)")
    subject.add_argument("--company", help="CFPB company, as `tousu board --source cfpb` prints it")
    trace.add_argument("--period", required=True, type=period_key, help=f"period key: {PERIOD_KEY_FORMS}")
    trace.add_argument("--csv", action="store_true", help="CSV instead of a table")
    trace.set_defaults(func=_cmd_trace)

    audit = commands.add_parser(
        "audit",
        help="print the ledger: every landed file with its sha256 and line "
        "counts, quarantine by reason, ignored files, purges",
    )
    audit.add_argument(
        "--json", action="store_true", help="one JSON object: files, quarantine_reasons, ignored_files, purges"
    )
    audit.set_defaults(func=_cmd_audit)

    demo = commands.add_parser(
        "demo", help="generate the default sample, build, print the 2024 金融科技 board, write the report"
    )
    demo.add_argument("-v", "--verbose", action="store_true", help="show Dagster and dbt progress")
    demo.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    demo.set_defaults(func=_cmd_demo)
    return top


def _check_setup(args: argparse.Namespace) -> None:
    """Errors of setup, not of data, found before anything runs."""
    from orchestration.warehouse.connection import ConfigError, duckdb_settings

    try:
        duckdb_settings()
    except ConfigError as error:
        raise CliError(str(error), EXIT_BAD_CONFIG) from None
    if args.command in ("generate",):
        return
    data_dir = DataDir.from_env()
    if data_dir.root.exists() and not data_dir.root.is_dir():
        raise CliError(
            f"the data directory {data_dir.root} (TOUSU_DATA_DIR) cannot be used: it is not a directory",
            EXIT_DATA_DIR_UNUSABLE,
        )
    if args.command in READ_ONLY_COMMANDS:
        _built(data_dir, data_dir.root)  # never created by a command that only reads
        return
    try:
        data_dir.create()
    except OSError as error:
        raise CliError(
            f"the data directory {data_dir.root} (TOUSU_DATA_DIR) cannot be used: {error.strerror or error}",
            EXIT_DATA_DIR_UNUSABLE,
        ) from None


def main(argv: list[str] | None = None) -> int:
    from orchestration.manifest import DbtProjectInvalid
    from orchestration.warehouse.writer import WarehouseBusy

    args = parser().parse_args(argv)
    try:
        _check_setup(args)
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except BrokenPipeError:
        # The reader went away (`tousu board | head -1`): not an error of ours.
        # Point stdout at /dev/null so the interpreter's last flush is silent.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print(
            "tousu: interrupted; whatever was not committed was rolled back, as after a crash: run the command again",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES):
            raise
        where = error.filename or f"in the data directory {DataDir.from_env().root}"
        print(
            f"tousu: cannot write {where}: {error.strerror}; "
            "each step commits all or nothing, so the warehouse and serving/ are as the last "
            "finished step left them: free space (or fix permissions) and run it again",
            file=sys.stderr,
        )
        return EXIT_DATA_DIR_UNUSABLE
    except CliError as error:
        print(f"tousu: {error}", file=sys.stderr)
        return error.code
    except WarehouseBusy as error:
        print(f"tousu: {error}", file=sys.stderr)
        return EXIT_WAREHOUSE_BUSY
    except DbtProjectInvalid as error:
        print(f"tousu: {error}", file=sys.stderr)
        return EXIT_BAD_CONFIG


if __name__ == "__main__":
    sys.exit(main())
