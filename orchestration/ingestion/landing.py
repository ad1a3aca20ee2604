"""What is in the landing zone, and which files are new."""

from __future__ import annotations

import enum
import hashlib
import os
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path


class FileKind(enum.StrEnum):
    COMPLAINTS = "complaints"
    PLATFORMS = "platforms"
    CFPB = "cfpb"


# SPEC section 3: the only names the pipeline reads. Anything else is reported
# as ignored and never touched.
PATTERNS: dict[FileKind, tuple[str, ...]] = {
    FileKind.COMPLAINTS: ("complaints-*.jsonl", "complaints-*.jsonl.gz"),
    FileKind.PLATFORMS: ("platforms-*.csv",),
    # CFPB Consumer Complaint Database exports; a zip holds one CSV (the
    # official complaints.csv.zip, renamed).
    FileKind.CFPB: ("cfpb-*.csv", "cfpb-*.csv.gz", "cfpb-*.zip"),
}


def printable_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (surrogate-escaped by the
    OS layer) shown as `\\xNN`, so the name can be printed, logged and stored."""
    return os.fsencode(name).decode("utf-8", errors="backslashreplace")


def is_text_name(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class LandingFile:
    path: Path
    kind: FileKind

    @property
    def name(self) -> str:
        return self.path.name

    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


def kind_of(name: str) -> FileKind | None:
    for kind, patterns in PATTERNS.items():
        if any(fnmatch(name, pattern) for pattern in patterns):
            return kind
    return None


@dataclass(frozen=True)
class IgnoredFile:
    name: str  # printable (see printable_name)
    why: str


@dataclass(frozen=True)
class LandingScan:
    files: list[LandingFile]
    ignored: list[IgnoredFile]
    # Files of a landing kind whose names are not UTF-8: they cannot be recorded
    # in the ledger by name, so they fail (reported) until renamed.
    undecodable: list[LandingFile]


def scan(landing_dir: Path) -> LandingScan:
    """List landing files in name order; symlinks and unknown names are ignored.

    Name order matters: the registry file with the greatest name is the current
    one, and ties between complaint states go to the greater file name.
    """
    files: list[LandingFile] = []
    ignored: list[IgnoredFile] = []
    undecodable: list[LandingFile] = []
    if not landing_dir.is_dir():
        return LandingScan(files, ignored, undecodable)
    for path in sorted(landing_dir.iterdir(), key=lambda p: os.fsencode(p.name)):
        kind = kind_of(path.name)
        name = printable_name(path.name)
        if kind is None:
            ignored.append(
                IgnoredFile(
                    name,
                    "name matches no landing pattern"
                    " (complaints-*.jsonl[.gz], platforms-*.csv, cfpb-*.csv[.gz], cfpb-*.zip)",
                )
            )
        elif path.is_symlink():
            # A symlink could point outside the landing zone: never followed.
            ignored.append(IgnoredFile(name, "a symbolic link (never followed)"))
        elif not path.is_file():
            ignored.append(IgnoredFile(name, "not a regular file"))
        elif not is_text_name(path.name):
            undecodable.append(LandingFile(path, kind))
        else:
            files.append(LandingFile(path, kind))
    return LandingScan(files, ignored, undecodable)
