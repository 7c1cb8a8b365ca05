"""The "Testing your code" examples (docs/testing.md) pass as written, with the plugin."""

from __future__ import annotations

import pytest

from docs_examples import named_example

pytestmark = pytest.mark.usefixtures("shared_botocore_data")


@pytest.mark.filterwarnings("ignore::pytest.PytestDeprecationWarning")
def test_the_testing_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_my_app=named_example("test_my_app.py"))
    result = pytester.runpytest("--strict-markers")
    result.assert_outcomes(passed=6)


def test_the_batch_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(test_my_batch=named_example("test_my_batch.py"))
    result = pytester.runpytest("--strict-markers")
    result.assert_outcomes(passed=1)
