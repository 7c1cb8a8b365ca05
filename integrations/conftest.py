"""Shared set-up for the framework integration tests.

Each ``test_<library>.py`` here runs in its own environment with that library
installed (``.ci/integrations``), against the local ``BedrockEmulator``, through a
SigV4 client that carries a client-wide guardrail. ``tests/conftest.py`` is not
loaded for this directory, so the network guard and environment isolation live here.
"""

from __future__ import annotations

import ast
import inspect
import ipaddress
import json
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

import openai_bedrock
from openai_bedrock.testing import BedrockEmulator

MODEL = "openai.gpt-oss-20b-1:0"
GUARDRAIL = openai_bedrock.Guardrail("gr1a2b3c4d5e", version="1")
BLOCKED_MESSAGE = "Sorry, the model cannot answer this question."

# Variables that would send a framework's telemetry (LangSmith, Logfire, OpenAI
# tracing) or credentials somewhere, or change which credentials our factory finds.
_ENV_PREFIXES = ("AWS_", "OPENAI_", "BOTO_", "LANGCHAIN_", "LANGSMITH_", "LOGFIRE_")
_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")

_real_connect = socket.socket.connect
_real_getaddrinfo = socket.getaddrinfo


def _is_loopback(host: object) -> bool:
    if host in ("localhost", b"localhost"):
        return True
    try:
        return ipaddress.ip_address(host if isinstance(host, str) else str(host)).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(host):
        raise AssertionError(f"an integration test tried to reach the network: {address!r}")
    return _real_connect(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    # Refusing the name lookup too catches a library phoning home before it connects.
    if host is not None and not _is_loopback(host):
        raise AssertionError(f"an integration test tried to resolve {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    """Forbid non-loopback connections for the whole session, imports included."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo


def pytest_unconfigure(config: pytest.Config) -> None:
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.getaddrinfo = _real_getaddrinfo


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AWS, OpenAI or tracing settings from the machine; no IMDS lookups."""
    for name in list(os.environ):
        if name.upper().startswith(_ENV_PREFIXES) or name.upper() in _PROXY_VARS:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def emulator() -> Iterator[BedrockEmulator]:
    """A runtime emulator that knows GUARDRAIL; it blocks user text containing "lock"."""
    with BedrockEmulator(endpoint="runtime", region="us-west-2") as emu:
        emu.add_guardrail(
            GUARDRAIL.identifier,
            version=str(GUARDRAIL.version),
            blocks=lambda text: "lock" in text,
            blocked_message=BLOCKED_MESSAGE,
        )
        yield emu


def bedrock_settings(emu: BedrockEmulator) -> dict[str, Any]:
    """SigV4 with the emulator's keys, and a guardrail on every chat completion."""
    return {
        "base_url": emu.base_url,
        "region": emu.region,
        "access_key_id": emu.access_key_id,
        "secret_access_key": emu.secret_access_key,
        "guardrail": GUARDRAIL,
    }


def _client_arguments(emu: BedrockEmulator) -> dict[str, Any]:
    return {**bedrock_settings(emu), "max_retries": 0}


@pytest.fixture
def client(emulator: BedrockEmulator) -> Iterator[openai.OpenAI]:
    with openai_bedrock.create_client(**_client_arguments(emulator)) as sync_client:
        yield sync_client


@pytest.fixture
async def async_client(emulator: BedrockEmulator) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai_bedrock.create_async_client(**_client_arguments(emulator)) as aclient:
        yield aclient


def assert_signed_and_guarded(emu: BedrockEmulator, *, calls: int = 1) -> list[Any]:
    """Every request reached the emulator signed, verified, and naming GUARDRAIL.

    Returns the chat completion requests (at least ``calls`` of them).
    """
    assert emu.requests, "the library sent nothing to the emulator"
    for request in emu.requests:
        assert request.auth == "sigv4", request
        assert request.verdict == "ok", request
        assert request.headers["X-Amzn-Bedrock-GuardrailIdentifier"] == GUARDRAIL.identifier
        assert request.headers["X-Amzn-Bedrock-GuardrailVersion"] == "1"
    chats = [r for r in emu.requests if r.path.endswith("/chat/completions")]
    assert len(chats) >= calls, [r.path for r in emu.requests]
    return chats


PROXY_TOKEN = "local-proxy-token-for-integration-tests"


@pytest.fixture
def signing_proxy(
    emulator: BedrockEmulator, monkeypatch: pytest.MonkeyPatch
) -> Iterator[BedrockEmulator]:
    """``openai-bedrock proxy`` in front of the emulator, for libraries that take only a
    base URL and an API key: served by uvicorn in a thread on an ephemeral loopback port,
    with the client-wide guardrail, and ``OPENAI_BASE_URL`` / ``OPENAI_API_KEY`` (the
    proxy's token) set as a user of the proxy sets them. Needs the ``proxy`` extra."""
    import uvicorn

    from openai_bedrock.proxy import create_app

    app = create_app(token=PROXY_TOKEN, **bedrock_settings(emulator))
    sock = socket.socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as serve() does
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:  # a bounded wait for start-up, not an assertion
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the proxy did not start")
        time.sleep(0.01)
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{sock.getsockname()[1]}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", PROXY_TOKEN)
    try:
        yield emulator
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def tool_call(name: str, arguments: dict[str, Any], call_id: str = "call-1") -> dict[str, Any]:
    """Assistant message fields for the emulator: one call of the tool ``name``."""
    function = {"name": name, "arguments": json.dumps(arguments)}
    return {
        "content": None,
        "tool_calls": [{"id": call_id, "type": "function", "function": function}],
    }


def tool_round_trip(
    name: str, arguments: dict[str, Any], answer: Callable[[str], str]
) -> Callable[[dict[str, Any]], Any]:
    """An emulator reply: call the tool ``name`` (when offered tools) until a tool
    result is in the conversation, then answer ``answer(that result)``."""

    def reply(body: dict[str, Any]) -> Any:
        results = [m for m in body["messages"] if m.get("role") == "tool"]
        if results:
            content = results[-1]["content"]
            if isinstance(content, list):  # content parts, as some libraries send them
                content = "".join(part.get("text", "") for part in content)
            return answer(str(content))
        if body.get("tools"):
            return tool_call(name, arguments)
        return "no tools were offered"

    return reply


def structured_reply(value: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
    """An emulator reply: ``value`` as a call of the first tool offered, else as JSON text."""

    def reply(body: dict[str, Any]) -> Any:
        if body.get("tools"):
            return tool_call(body["tools"][0]["function"]["name"], value)
        return json.dumps(value)

    return reply


INTEGRATIONS_PAGE = Path(__file__).resolve().parent.parent / "docs" / "integrations.md"


def docs_recipe(library: str) -> str:
    """The first Python block after the ``### library`` heading in docs/integrations.md."""
    page = INTEGRATIONS_PAGE.read_text(encoding="utf-8")
    after = page.split(f"\n### {library}\n", 1)[1].split("\n### ", 1)[0]
    return after.split("```python\n", 1)[1].split("```", 1)[0]


@pytest.fixture
def recipe_env(emulator: BedrockEmulator, monkeypatch: pytest.MonkeyPatch) -> BedrockEmulator:
    """Point the docs' recipes, unchanged, at the emulator through the environment."""
    monkeypatch.setenv("AWS_BEDROCK_BASE_URL", emulator.base_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", emulator.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", emulator.secret_access_key)
    return emulator


async def run_recipe(source: str) -> dict[str, Any]:
    """Run a docs recipe (top-level ``await`` allowed); return its variables."""
    # dont_inherit: the recipe runs as a user's file would, without this module's
    # ``from __future__ import annotations`` (magentic reads annotations as types).
    code = compile(
        source,
        str(INTEGRATIONS_PAGE),
        "exec",
        flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
        dont_inherit=True,
    )
    namespace: dict[str, Any] = {"__name__": "readme_recipe"}
    result = eval(code, namespace)  # noqa: S307 - our own docs, the point of the test
    if inspect.iscoroutine(result):
        await result
    return namespace
