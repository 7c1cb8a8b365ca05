"""The pytest plugin (entry point pytest11): fixtures and markers, run in pytester."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def quiet_asyncio(pytester: pytest.Pytester) -> None:
    """pytest-asyncio warns inner runs that leave its loop-scope option unset."""
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")


MODEL = "openai.gpt-oss-20b-1:0"
# For a run in a fresh interpreter: hypothesis's plugin imports all of hypothesis when the
# run ends, ~1 s where no bytecode is written; nothing here is about hypothesis.
NO_HYPOTHESIS = ("-p", "no:hypothesispytest")


def test_the_fixtures_talk_to_the_emulator_with_sigv4_by_default(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        f"""
        def test_chat(bedrock_emulator, bedrock_client):
            completion = bedrock_client.chat.completions.create(
                model="{MODEL}", messages=[{{"role": "user", "content": "ping"}}]
            )
            assert completion.choices[0].message.content == "ping"
            [request] = bedrock_emulator.requests
            assert request.auth == "sigv4"
            assert request.verdict == "ok"
        """
    )
    pytester.runpytest("--strict-markers").assert_outcomes(passed=1)


def test_the_bedrock_auth_marker_switches_to_the_api_key(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.bedrock_auth("api_key")
        def test_bearer(bedrock_emulator, bedrock_client):
            bedrock_client.chat.completions.create(
                model="{MODEL}", messages=[{{"role": "user", "content": "ping"}}]
            )
            assert bedrock_emulator.requests[-1].auth == "bearer"
            assert bedrock_emulator.requests[-1].verdict == "ok"
        """
    )
    pytester.runpytest("--strict-markers").assert_outcomes(passed=1)


def test_indirect_parameters_choose_auth_and_emulator_options(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("bedrock_client", ["sigv4", "api_key"], indirect=True)
        @pytest.mark.parametrize("bedrock_emulator", [{"endpoint": "mantle"}], indirect=True)
        def test_mantle(bedrock_emulator, bedrock_client, request):
            response = bedrock_client.responses.create(model="openai.gpt-oss-120b", input="hi")
            assert response.output_text == "hi"
            assert bedrock_emulator.base_url.endswith("/v1")
            expected = "sigv4" if "sigv4" in request.node.name else "bearer"
            assert bedrock_emulator.requests[-1].auth == expected
        """
    )
    pytester.runpytest("--strict-markers").assert_outcomes(passed=2)


def test_option_markers_configure_the_emulator_and_the_client(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import openai
        import pytest

        @pytest.mark.bedrock_emulator_options(models={{"{MODEL}"}})
        @pytest.mark.bedrock_client_options(max_retries=0)
        def test_models(bedrock_emulator, bedrock_client):
            bedrock_emulator.fail("throttle")
            with pytest.raises(openai.RateLimitError):
                bedrock_client.chat.completions.create(
                    model="{MODEL}", messages=[{{"role": "user", "content": "x"}}]
                )
            assert len(bedrock_emulator.requests) == 1
            with pytest.raises(openai.BadRequestError):
                bedrock_client.chat.completions.create(
                    model="other", messages=[{{"role": "user", "content": "x"}}]
                )
        """
    )
    pytester.runpytest("--strict-markers").assert_outcomes(passed=1)


def test_the_async_client_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.asyncio
        async def test_async(bedrock_emulator, async_bedrock_client):
            stream = await async_bedrock_client.chat.completions.create(
                model="{MODEL}",
                messages=[{{"role": "user", "content": "one two"}}],
                stream=True,
            )
            text = "".join([c.choices[0].delta.content or "" async for c in stream])
            assert text == "one two"
            assert bedrock_emulator.requests[-1].auth == "sigv4"
        """
    )
    # The client must leave no unclosed socket behind for the GC to warn about.
    result = pytester.runpytest_subprocess(
        *NO_HYPOTHESIS,
        "--strict-markers",
        "-W",
        "error::ResourceWarning",
        "-W",
        "error::pytest.PytestUnraisableExceptionWarning",
    )
    result.assert_outcomes(passed=1)


def test_an_unknown_auth_mode_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.bedrock_auth("password")
        def test_bad(bedrock_client):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*must be 'sigv4' or 'api_key', not 'password'*"])


def test_the_plugin_is_inert_until_a_fixture_is_used(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import sys

        def test_nothing_loaded():
            assert "openai_bedrock.testing.pytest_plugin" in sys.modules
            assert "openai_bedrock.testing._emulator" not in sys.modules
            assert "http.server" not in sys.modules
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:asyncio", *NO_HYPOTHESIS)
    result.assert_outcomes(passed=1)
    markers = pytester.runpytest("--markers")  # registered without a fixture in use
    markers.stdout.fnmatch_lines(["*bedrock_auth(mode)*"])
