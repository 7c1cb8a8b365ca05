"""pytest plugin: a local Bedrock emulator and clients pointed at it.

Installed with the package (entry point ``pytest11``, name ``openai_bedrock``). It does
nothing until a test asks for one of its fixtures; nothing heavy is imported before.

Fixtures (function scope):

- ``bedrock_emulator``: a running ``openai_bedrock.testing.BedrockEmulator``.
- ``bedrock_client``: an ``openai.OpenAI`` from ``openai_bedrock.create_client``, pointed
  at the emulator, signing with SigV4 using the emulator's credentials.
- ``async_bedrock_client``: the same from ``create_async_client``.

Markers:

- ``@pytest.mark.bedrock_auth("api_key")``: the clients send the emulator's API key as
  ``Authorization: Bearer`` instead of signing (``"sigv4"`` is the default).
- ``@pytest.mark.bedrock_emulator_options(endpoint="mantle", models={...}, ...)``:
  keyword arguments for ``BedrockEmulator``.
- ``@pytest.mark.bedrock_client_options(max_retries=0, guardrail=..., ...)``: keyword
  arguments for the client factories.

Instead of markers, parametrize indirectly: ``bedrock_client`` and
``async_bedrock_client`` take ``"sigv4"`` or ``"api_key"``, ``bedrock_emulator`` takes a
dict of ``BedrockEmulator`` keyword arguments::

    @pytest.mark.parametrize("bedrock_client", ["sigv4", "api_key"], indirect=True)
    def test_both_auth_modes(bedrock_client):
        ...
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import openai

    from ._emulator import BedrockEmulator

AUTH_MODES = ("sigv4", "api_key")


def pytest_configure(config: pytest.Config) -> None:
    for line in (
        "bedrock_auth(mode): 'sigv4' (default) or 'api_key' for the bedrock_client and "
        "async_bedrock_client fixtures",
        "bedrock_emulator_options(**kwargs): keyword arguments for the bedrock_emulator "
        "fixture's BedrockEmulator",
        "bedrock_client_options(**kwargs): keyword arguments for create_client / "
        "create_async_client in the bedrock_client fixtures",
    ):
        config.addinivalue_line("markers", line)


def _marker_kwargs(request: pytest.FixtureRequest, name: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    # Closest marker last, so a test's marker wins over its class's or module's.
    for marker in reversed(list(request.node.iter_markers(name))):
        kwargs.update(marker.kwargs)
    return kwargs


@pytest.fixture
def bedrock_emulator(request: pytest.FixtureRequest) -> Iterator[BedrockEmulator]:
    """A running ``BedrockEmulator`` (closed after the test)."""
    from ._emulator import BedrockEmulator

    kwargs = _marker_kwargs(request, "bedrock_emulator_options")
    kwargs.update(getattr(request, "param", None) or {})
    with BedrockEmulator(**kwargs) as emulator:
        yield emulator


def _client_kwargs(request: pytest.FixtureRequest, emulator: BedrockEmulator) -> dict[str, Any]:
    marker = request.node.get_closest_marker("bedrock_auth")
    mode = getattr(request, "param", None) or (marker.args[0] if marker else "sigv4")
    if mode not in AUTH_MODES:
        raise pytest.UsageError(
            f"bedrock_auth / indirect parameter must be 'sigv4' or 'api_key', not {mode!r}."
        )
    kwargs: dict[str, Any] = {
        "base_url": emulator.base_url,
        "region": emulator.region,
        "endpoint": emulator.endpoint,
    }
    if mode == "api_key":
        kwargs["api_key"] = emulator.api_key
    else:
        kwargs.update(
            access_key_id=emulator.access_key_id,
            secret_access_key=emulator.secret_access_key,
            session_token=emulator.session_token,
        )
    kwargs.update(_marker_kwargs(request, "bedrock_client_options"))
    return kwargs


@pytest.fixture
def bedrock_client(
    request: pytest.FixtureRequest, bedrock_emulator: BedrockEmulator
) -> Iterator[openai.OpenAI]:
    """An ``openai.OpenAI`` client for ``bedrock_emulator`` (SigV4 unless asked)."""
    import openai_bedrock

    with openai_bedrock.create_client(**_client_kwargs(request, bedrock_emulator)) as client:
        yield client


@pytest.fixture
def async_bedrock_client(
    request: pytest.FixtureRequest, bedrock_emulator: BedrockEmulator
) -> openai.AsyncOpenAI:
    """An ``openai.AsyncOpenAI`` client for ``bedrock_emulator`` (SigV4 unless asked).

    A plain (sync) fixture, so it works with any async test runner (pytest-asyncio,
    anyio), which means it cannot await ``close()`` in the test's event loop. So it
    keeps no idle connections: each one is closed inside the loop when its response
    ends, and none is left for garbage collection to warn about.
    """
    import openai_bedrock

    from .._http import http

    kwargs = _client_kwargs(request, bedrock_emulator)
    kwargs.setdefault(
        "transport", http.AsyncHTTPTransport(limits=http.Limits(max_keepalive_connections=0))
    )
    return openai_bedrock.create_async_client(**kwargs)
