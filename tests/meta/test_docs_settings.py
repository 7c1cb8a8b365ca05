"""docs/settings.md has a row for every keyword of the factories, and no other."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import openai_bedrock

PAGE = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def documented() -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    table = text.split("<!-- settings table -->\n", 1)[1].split("\n\n", 1)[0]
    names: list[str] = []
    for row in table.splitlines()[2:]:  # after the header and the rule
        first = row.strip().strip("|").split("|")[0]
        names += re.findall(r"`(\w+)`", first)
    return names


def test_every_factory_keyword_has_a_row() -> None:
    keywords = {
        name
        for factory in (openai_bedrock.create_client, openai_bedrock.create_async_client)
        for name, parameter in inspect.signature(factory).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
    assert len(keywords) >= 14  # the signature was read
    names = documented()
    assert len(names) == len(set(names)), "a setting has two rows"
    assert sorted(names) == sorted(keywords)
