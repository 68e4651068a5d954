"""Documents cited by the code live in the repository (resources/docs/), and no code cites a path outside it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "resources" / "docs"
DOCUMENTS = ("DESIGN.md", "feeds.md", "margin.md", "scenarios.md", "desktop-stack.md", "data.md")
# A cited path ending in .md (`resources/docs/margin.md`, `packaging/README.md`, or a bare `margin.md`).
CITED_MD = re.compile(r"(?<![\w./-])((?:[\w.-]+/)*[\w.-]+\.md)\b")
# Paths that leave the repository: the team's machine, its shared folder, a home directory.
OUTSIDE = re.compile(r"/work/|\.\./shared|(?<![\w.])shared/(?:reference|data|DESIGN)|/home/|~/shared")


def _sources(*rooms: str) -> list[Path]:
    return sorted(path for room in rooms for path in (ROOT / room).rglob("*.py"))


def _citations() -> list[tuple[str, int, str]]:
    found = []
    for path in _sources("app", "tests"):
        if path == Path(__file__):
            continue
        relative = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found.extend((relative, number, match) for match in CITED_MD.findall(line))
    return found


@pytest.mark.parametrize("name", DOCUMENTS)
def test_the_team_documents_are_in_the_repository(name: str) -> None:
    text = (DOCS / name).read_text(encoding="utf-8")
    assert text.startswith("# "), name
    assert not OUTSIDE.search(text), f"{name} cites a path outside the repository"


def test_docs_hold_no_secrets() -> None:
    pattern = re.compile(r"(?i)(api[_-]?secret|secret[_-]?key|passphrase|BEGIN [A-Z ]*PRIVATE KEY|ghp_\w{20,}|"
                         r"sk-[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16})\s*[:=]")
    for path in sorted(DOCS.glob("*.md")):
        assert not pattern.search(path.read_text(encoding="utf-8")), path.name


def test_every_cited_document_exists() -> None:
    citations = _citations()
    assert any(cited == "resources/docs/DESIGN.md" for _, _, cited in citations)  # the scan sees citations
    missing = []
    for where, number, cited in citations:
        if not (ROOT / cited).is_file():
            missing.append(f"{where}:{number}: {cited}")
    assert not missing, "cited documents not in the repository (cite resources/docs/<file>):\n" + "\n".join(missing)


def test_no_code_cites_a_path_outside_the_repository() -> None:
    outside = []
    for path in _sources("app", "tests") + sorted((ROOT / "packaging").rglob("*")):
        if not path.is_file() or path.suffix not in {".py", ".sh", ".md", ".spec", ".iss", ".txt", ".desktop", ""}:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if OUTSIDE.search(line) and path != Path(__file__):
                outside.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not outside, "\n".join(outside)
