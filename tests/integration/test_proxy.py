"""The local signing proxy: served in-process by uvicorn on an ephemeral loopback port,
forwarding to the emulator (or a stub upstream) through our transport."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest

pytest.importorskip("starlette")
uvicorn = pytest.importorskip("uvicorn")

from openai_bedrock import ConfigurationError  # noqa: E402
from openai_bedrock.guardrails import Guardrail  # noqa: E402
from openai_bedrock.proxy import create_app, is_loopback, serve  # noqa: E402
from openai_bedrock.testing import BedrockEmulator  # noqa: E402
from openai_bedrock.testing._shapes import BLOCKED_MESSAGE  # noqa: E402
from support import http_lib  # noqa: E402

MODEL = "openai.gpt-oss-20b-1:0"
TOKEN = "local-proxy-token-for-tests"
MESSAGES = [{"role": "user", "content": "Hello proxy"}]


@contextlib.contextmanager
def running(app: Any) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (ephemeral port) in a thread; yield its /v1 base URL."""
    sock = socket.socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as serve() does
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:  # a bounded wait for startup, not an assertion
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the proxy did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def emulator_settings(emu: BedrockEmulator, **extra: Any) -> dict[str, Any]:
    return {
        "region": emu.region,
        "endpoint": emu.endpoint,
        "base_url": emu.base_url,
        "access_key_id": emu.access_key_id,
        "secret_access_key": emu.secret_access_key,
        **extra,
    }


@pytest.fixture
def emu() -> Iterator[BedrockEmulator]:
    with BedrockEmulator() as emulator:
        yield emulator


@pytest.fixture
def proxy_url(emu: BedrockEmulator) -> Iterator[str]:
    with running(create_app(token=TOKEN, **emulator_settings(emu))) as url:
        yield url


def test_the_openai_client_works_end_to_end(emu: BedrockEmulator, proxy_url: str) -> None:
    client = openai.OpenAI(base_url=proxy_url, api_key=TOKEN)
    answer = client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
    assert answer.choices[0].message.content == "Hello proxy"
    assert emu.requests[-1].verdict == "ok"
    assert emu.requests[-1].auth == "sigv4"
    assert emu.requests[-1].path == "/openai/v1/chat/completions"


def test_streaming_through_the_openai_client(emu: BedrockEmulator, proxy_url: str) -> None:
    client = openai.OpenAI(base_url=proxy_url, api_key=TOKEN)
    stream = client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)  # type: ignore[arg-type]
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text == "Hello proxy"
    assert emu.requests[-1].verdict == "ok"


def test_the_async_openai_client(emu: BedrockEmulator, proxy_url: str) -> None:
    async def main() -> str:
        async with openai.AsyncOpenAI(base_url=proxy_url, api_key=TOKEN) as client:
            answer = await client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
            return answer.choices[0].message.content or ""

    assert asyncio.run(main()) == "Hello proxy"


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", TOKEN])
def test_a_missing_or_wrong_token_is_refused(
    emu: BedrockEmulator, proxy_url: str, header: Any
) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = http_lib.post(
        f"{proxy_url}/chat/completions",
        json={"model": MODEL, "messages": MESSAGES},
        headers=headers,
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"
    assert emu.requests == []  # nothing was sent to Bedrock


def test_the_callers_token_and_account_headers_are_never_forwarded(
    emu: BedrockEmulator, proxy_url: str
) -> None:
    client = openai.OpenAI(
        base_url=proxy_url, api_key=TOKEN, organization="org-x", project="proj-x"
    )
    client.chat.completions.create(
        model=MODEL,
        messages=MESSAGES,  # type: ignore[arg-type]
        extra_headers={"X-Api-Key": TOKEN, "X-Amz-Security-Token": "injected", "Cookie": "c=1"},
    )
    seen = emu.requests[-1]
    assert seen.verdict == "ok"
    assert seen.auth == "sigv4"
    assert seen.header("authorization").startswith("AWS4-HMAC-SHA256 ")  # type: ignore[union-attr]
    for name, value in seen.headers.items():
        assert TOKEN not in value, name
    for name in ("openai-organization", "openai-project", "x-api-key", "cookie"):
        assert seen.header(name) is None
    assert seen.header("x-amz-security-token") is None


def test_an_api_key_is_what_bedrock_sees(emu: BedrockEmulator) -> None:
    settings = {"region": emu.region, "base_url": emu.base_url, "api_key": emu.api_key}
    with running(create_app(token=TOKEN, **settings)) as url:
        openai.OpenAI(base_url=url, api_key=TOKEN).chat.completions.create(
            model=MODEL,
            messages=MESSAGES,  # type: ignore[arg-type]
        )
    assert emu.requests[-1].auth == "bearer"
    assert emu.requests[-1].header("authorization") == f"Bearer {emu.api_key}"


def test_the_client_wide_guardrail_is_applied(emu: BedrockEmulator) -> None:
    emu.add_guardrail("grproxy1", version="1", blocks=lambda text: "forbidden" in text)
    app = create_app(
        token=TOKEN, **emulator_settings(emu, guardrail=Guardrail("grproxy1", version="1"))
    )
    with running(app) as url:
        client = openai.OpenAI(base_url=url, api_key=TOKEN)
        allowed = client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
        blocked = client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "something forbidden"}],
        )
    assert allowed.choices[0].message.content == "Hello proxy"
    assert blocked.choices[0].message.content == BLOCKED_MESSAGE
    for seen in emu.requests:
        assert seen.verdict == "ok"
        assert seen.header("X-Amzn-Bedrock-GuardrailIdentifier") == "grproxy1"
        assert seen.header("X-Amzn-Bedrock-GuardrailVersion") == "1"


def test_errors_pass_through_with_status_body_and_request_id(
    emu: BedrockEmulator, proxy_url: str
) -> None:
    emu.fail("throttle")
    response = http_lib.post(
        f"{proxy_url}/chat/completions",
        json={"model": MODEL, "messages": MESSAGES},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 429
    assert response.headers["x-amzn-requestid"] == emu.requests[-1].request_id
    assert response.json()["error"]["message"]

    emu.fail("throttle")
    client = openai.OpenAI(base_url=proxy_url, api_key=TOKEN, max_retries=0)
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
    assert caught.value.request_id == emu.requests[-1].request_id


def test_runtimes_200_unknown_operation_envelope_reaches_callers_as_a_404(
    emu: BedrockEmulator,
) -> None:
    wrong_base = emu.base_url.replace("/openai/v1", "/v1")
    app = create_app(token=TOKEN, **emulator_settings(emu, base_url=wrong_base))
    with running(app) as url:
        client = openai.OpenAI(base_url=url, api_key=TOKEN, max_retries=0)
        with pytest.raises(openai.NotFoundError) as caught:
            client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]

    assert caught.value.code == "UnknownOperationException"
    assert "POST /v1/chat/completions" in caught.value.message
    assert caught.value.request_id == emu.requests[-1].request_id
    assert emu.requests[-1].status == 200


def test_unknown_paths_and_health(proxy_url: str) -> None:
    root = proxy_url.removesuffix("/v1")
    health = http_lib.get(f"{root}/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert TOKEN not in health.text
    assert http_lib.get(f"{root}/chat/completions").status_code == 404


class _Gate:
    """A stub upstream: answers a stream with one chunk, then waits for release() (at
    most 10 s, so a proxy that buffers fails the test rather than hanging it)."""

    def __init__(self) -> None:
        self.released = threading.Event()
        self.finished = threading.Event()

    def release(self) -> None:
        self.released.set()

    async def stream(self) -> Any:
        yield b'data: {"first": true}\n\n'
        deadline = time.monotonic() + 10
        while not self.released.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        self.finished.set()
        yield b"data: [DONE]\n\n"

    def transport(self) -> http_lib.AsyncBaseTransport:
        gate = self

        class Stub(http_lib.AsyncBaseTransport):
            async def handle_async_request(self, request: http_lib.Request) -> http_lib.Response:
                return http_lib.Response(
                    200,
                    headers={"content-type": "text/event-stream", "x-amzn-RequestId": "req-1"},
                    stream=_Stream(gate),
                )

        return Stub()


class _Stream(http_lib.AsyncByteStream):
    def __init__(self, gate: _Gate) -> None:
        self.gate = gate

    async def __aiter__(self) -> Any:
        async for chunk in self.gate.stream():
            yield chunk


def test_streams_are_not_buffered() -> None:
    gate = _Gate()
    app = create_app(
        token=TOKEN,
        transport=gate.transport(),
        region="us-west-2",
        access_key_id="AKIDEXAMPLE",
        secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    )
    with (
        running(app) as url,
        http_lib.stream(
            "POST",
            f"{url}/chat/completions",
            json={"model": MODEL, "messages": MESSAGES, "stream": True},
            headers={"Authorization": f"Bearer {TOKEN}"},
        ) as response,
    ):
        chunks = response.iter_raw()
        first = next(chunks)
        assert not gate.finished.is_set()  # the first chunk came before the upstream ended
        assert first.startswith(b'data: {"first": true}')
        gate.release()
        rest = b"".join(chunks)
    assert rest.endswith(b"data: [DONE]\n\n")
    assert response.headers["x-amzn-requestid"] == "req-1"


def test_one_log_line_per_request_without_secrets(
    emu: BedrockEmulator, proxy_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="openai_bedrock.proxy"):
        openai.OpenAI(base_url=proxy_url, api_key=TOKEN).chat.completions.create(
            model=MODEL,
            messages=MESSAGES,  # type: ignore[arg-type]
        )
        http_lib.get(f"{proxy_url}/models")  # no token: 401
    lines = [r.getMessage() for r in caplog.records if r.name == "openai_bedrock.proxy"]
    assert len(lines) == 2
    assert lines[0].startswith("POST /v1/chat/completions 200 ")
    assert lines[0].endswith(emu.requests[-1].request_id)
    assert lines[1].startswith("GET /v1/models 401 ")
    for line in lines:
        assert TOKEN not in line
        assert emu.secret_access_key not in line
        assert emu.access_key_id not in line


def test_loopback_only_unless_allowed(emu: BedrockEmulator) -> None:
    assert is_loopback("127.0.0.1")
    assert is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0")
    assert not is_loopback("192.168.1.2")
    with pytest.raises(ConfigurationError, match="allow-remote"):
        serve(host="0.0.0.0", token=TOKEN, **emulator_settings(emu))


def test_the_cli_refuses_a_remote_host_and_defaults_to_loopback() -> None:
    from openai_bedrock.cli import build_parser, main

    args = build_parser().parse_args(["proxy"])
    assert args.host == "127.0.0.1"
    assert main(["proxy", "--offline", "--host", "0.0.0.0"]) == 2


def test_import_openai_bedrock_does_not_import_the_server() -> None:
    code = (
        "import sys, openai_bedrock, openai_bedrock.cli\n"
        "from openai_bedrock.cli import build_parser; build_parser()\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_served_connections_send_without_nagle_delay() -> None:
    # Without TCP_NODELAY a kept-alive caller waits ~40 ms per answer for its own delayed
    # ACK; accepted connections inherit the option from the listening socket.
    from openai_bedrock.proxy import _listening_socket

    sock = _listening_socket("127.0.0.1", 0)
    try:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()


# --- without the proxy extra --------------------------------------------------------


@pytest.mark.parametrize("missing", ["starlette", "uvicorn"])
def test_without_the_extra_serve_and_create_app_say_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    """Failed before: ``serve()`` raised ModuleNotFoundError for uvicorn."""
    monkeypatch.setitem(sys.modules, missing, None)  # as if not installed
    starts = (serve, create_app) if missing == "starlette" else (serve,)
    for start in starts:
        with pytest.raises(ConfigurationError, match=r"pip install 'openai-bedrock\[proxy\]'"):
            start(token="t", region="us-west-2", api_key="ABSK-not-used")


def test_without_the_extra_the_command_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Failed before: "Unexpected ModuleNotFoundError ... report the traceback", exit 1."""
    from openai_bedrock.cli import main

    monkeypatch.setitem(sys.modules, "uvicorn", None)
    assert main(["proxy", "--offline"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'openai-bedrock[proxy]'" in err
    assert "Unexpected" not in err
