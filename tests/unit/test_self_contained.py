"""A lone clone must pass: nothing in the project reaches for files beside the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = re.compile(
    r"\.\./shared|[\"']shared[\"']|shared/fixtures|parents\[3\]|parent\.parent\.parent"
)


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [ROOT / name for name in listed if not name.startswith("tests/fixtures/")]


def test_no_file_reads_outside_the_repository() -> None:
    offenders = []
    for path in tracked_files():
        if path == Path(__file__) or path.suffix not in {".py", ".toml", ".ini", ".cfg", ""}:
            continue
        if path.is_file() and OUTSIDE.search(path.read_text(errors="ignore")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_face_photos_and_their_licence_are_in_the_repository() -> None:
    faces = ROOT / "tests" / "fixtures" / "faces"
    assert (faces / "LICENSE").is_file() and (faces / "README.md").is_file()
    assert len(list(faces.glob("*.jpg"))) == 7
