"""The Python examples in README.md and docs/*.md, for the tests that run them.

A block's marker is an HTML comment on the line before its fence (invisible on GitHub and on
the docs site):

- ``<!-- example: NAME -->``: a whole file (a test module, say) that a dedicated test runs
  with ``named_example("NAME")``;
- ``<!-- not run: REASON -->``: cannot run offline; the reason says why.

Blocks under a ``### Library`` heading of docs/integrations.md need that library installed and
are run by ``integrations/`` (``docs_recipe("Library")``). Every other block is run against
the emulator by ``tests/meta/test_docs_examples.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
MARKER = re.compile(r"^<!-- (example|not run): (.+?) -->$")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence, 1-based
    heading: str  # the nearest heading above, without its #s
    marker: tuple[str, str] | None  # ("example", name) or ("not run", reason)
    source: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def python_blocks(page: Path) -> list[Block]:
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    heading = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("```"):
            end = index + 1
            while not lines[end].startswith("```"):
                end += 1
            if line.strip() == "```python":
                before = next((p for p in reversed(lines[:index]) if p.strip()), "")
                match = MARKER.match(before.strip())
                blocks.append(
                    Block(
                        page=page,
                        line=index + 1,
                        heading=heading,
                        marker=(match.group(1), match.group(2)) if match else None,
                        source="\n".join(lines[index + 1 : end]) + "\n",
                    )
                )
            index = end + 1
            continue
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        index += 1
    return blocks


def all_blocks() -> list[Block]:
    return [block for page in pages() for block in python_blocks(page)]


def named_example(name: str) -> str:
    """The source of the block marked ``<!-- example: NAME -->``, wherever it lives."""
    found = [b for b in all_blocks() if b.marker == ("example", name)]
    assert len(found) == 1, f"expected one example named {name!r}, found {len(found)}"
    return found[0].source
