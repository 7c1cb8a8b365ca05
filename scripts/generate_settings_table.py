"""Write the settings table of the docs from ``openai_bedrock._setting_table``.

    python scripts/generate_settings_table.py          # rewrite it in place
    python scripts/generate_settings_table.py --check  # exit 1 if it is out of date

The table sits between two markers in whichever docs page holds it (README.md or a
page under docs/), so the page can move without this script changing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from openai_bedrock._setting_table import SETTINGS, Setting

ROOT = Path(__file__).resolve().parent.parent
START = "<!-- settings-table:start (scripts/generate_settings_table.py writes it) -->"
END = "<!-- settings-table:end -->"


def _cell(setting: Setting) -> list[str]:
    env = ", ".join(f"`{name}`" for name in setting.env) or "-"
    cli = f"`{setting.cli}`" if setting.cli else "-"
    doctor = f"`{setting.doctor}`" if setting.doctor else "-"
    return [
        f"`{setting.name}`",
        f"`{setting.annotation}` = `{setting.default!r}`",
        env,
        setting.doc,
        setting.accepts,
        cli,
        doctor,
    ]


def table() -> str:
    """The Markdown table, markers included."""
    rows = [
        "| setting | type = default | environment | what it is | accepted | CLI | doctor row |",
        "|---|---|---|---|---|---|---|",
    ]
    rows += ["| " + " | ".join(_cell(setting)) + " |" for setting in SETTINGS]
    return "\n".join([START, *rows, END])


def pages() -> list[Path]:
    """The docs pages that hold the table (there should be exactly one)."""
    candidates = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    return [path for path in candidates if START in path.read_text(encoding="utf-8")]


def rewritten(text: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return head + table() + tail


def main(argv: list[str]) -> int:
    found = pages()
    if len(found) != 1:
        print(f"expected one page with the settings table marker, found {found}")
        return 1
    page = found[0]
    text = page.read_text(encoding="utf-8")
    if "--check" in argv:
        if rewritten(text) != text:
            print(f"{page.relative_to(ROOT)}: settings table out of date; run {__file__}")
            return 1
        return 0
    page.write_text(rewritten(text), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
