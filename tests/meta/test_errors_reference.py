"""docs/errors.md's exception reference lists every exception the package exports, each with
its real base classes, when it is raised and what to do."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import openai_bedrock

PAGE = Path(__file__).resolve().parents[2] / "docs" / "errors.md"
PUBLIC_MODULES = [
    "openai_bedrock",
    "openai_bedrock.guardrails",
    "openai_bedrock.batch",
    "openai_bedrock.proxy",
    "openai_bedrock.testing",
]


def exported_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for name in PUBLIC_MODULES:
        module = importlib.import_module(name)
        for attribute in module.__all__:
            value = getattr(module, attribute)
            if isinstance(value, type) and issubclass(value, BaseException):
                found[attribute] = value
    return found


def reference_rows() -> dict[str, list[str]]:
    text = PAGE.read_text(encoding="utf-8")
    table = text.split("<!-- exception reference -->\n", 1)[1].split("\n\n", 1)[0]
    rows: dict[str, list[str]] = {}
    for line in table.splitlines()[2:]:  # after the header and the rule
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        name = cells[0].strip("`")
        assert name not in rows, f"{name} is listed twice"
        rows[name] = cells[1:]
    return rows


def test_every_exported_exception_is_in_the_reference_and_nothing_else() -> None:
    exported = exported_exceptions()
    assert len(exported) >= 10  # the walk found them (a broken walk would find none)
    assert sorted(reference_rows()) == sorted(exported)


def test_every_exported_exception_is_exported_from_the_package() -> None:
    missing = set(exported_exceptions()) - set(openai_bedrock.__all__)
    assert not missing, f"export these from openai_bedrock too: {sorted(missing)}"


def spelled(cls: type) -> str:
    """How the reference names a class: ours bare, builtins bare, others by package."""
    module = cls.__module__
    if module == "builtins" or module.startswith("openai_bedrock"):
        return cls.__name__
    return f"{module.split('.')[0]}.{cls.__name__}"


def test_the_reference_names_each_exceptions_bases_and_says_when_and_what_to_do() -> None:
    exported = exported_exceptions()
    for name, (bases, when, what) in reference_rows().items():
        cls = exported[name]
        listed = re.findall(r"`([\w.]+)`", bases)
        actual = [spelled(base) for base in cls.__bases__]
        assert listed == actual, f"{name}: the reference says {listed}, the class has {actual}"
        assert len(when) > 30, f"{name}: say when it is raised"
        assert len(what) > 20, f"{name}: say what to do"
