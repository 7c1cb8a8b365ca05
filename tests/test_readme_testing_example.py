"""The "Testing your code" example in README.md runs as written, with the plugin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def example() -> str:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- README example: test_my_app.py -->\n```python\n(.*?)```", text, re.S)
    assert match is not None, "the README example is missing"
    return match.group(1)


@pytest.mark.filterwarnings("ignore::pytest.PytestDeprecationWarning")
def test_the_readme_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_my_app=example())
    result = pytester.runpytest("--strict-markers")
    result.assert_outcomes(passed=6)


def test_the_readme_batch_example_passes(pytester: pytest.Pytester) -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- README example: test_my_batch.py -->\n```python\n(.*?)```", text, re.S)
    assert match is not None, "the README batch example is missing"
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_my_batch=match.group(1))
    result = pytester.runpytest("--strict-markers")
    result.assert_outcomes(passed=1)
