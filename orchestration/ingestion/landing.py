"""What is in the landing zone, and which files are new."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path


class FileKind(enum.StrEnum):
    COMPLAINTS = "complaints"
    PLATFORMS = "platforms"


# SPEC section 3: the only names the pipeline reads. Anything else is reported
# as ignored and never touched.
PATTERNS: dict[FileKind, tuple[str, ...]] = {
    FileKind.COMPLAINTS: ("complaints-*.jsonl", "complaints-*.jsonl.gz"),
    FileKind.PLATFORMS: ("platforms-*.csv",),
}


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
class LandingScan:
    files: list[LandingFile]
    ignored: list[str]


def scan(landing_dir: Path) -> LandingScan:
    """List landing files in name order; symlinks and unknown names are ignored.

    Name order matters: the registry file with the greatest name is the current
    one, and ties between complaint states go to the greater file name.
    """
    files: list[LandingFile] = []
    ignored: list[str] = []
    if not landing_dir.is_dir():
        return LandingScan(files, ignored)
    for path in sorted(landing_dir.iterdir(), key=lambda p: p.name):
        kind = kind_of(path.name)
        # A symlink could point outside the landing zone: never followed.
        if kind is None or path.is_symlink() or not path.is_file():
            ignored.append(path.name)
            continue
        files.append(LandingFile(path, kind))
    return LandingScan(files, ignored)
