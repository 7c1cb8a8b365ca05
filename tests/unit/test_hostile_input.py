"""Issue 16: credentials stay ours under hostile input.

Secrets are drawn at random per run (``leaks``) and searched for in every encoding a
log reader could decode.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import http.server
import json
import logging
import multiprocessing
import os
import re
import shlex
import sys
import threading
import traceback
import tracemalloc
import urllib.parse
from pathlib import Path
from typing import Any, Optional

import openai
import pytest

import leaks
import openai_bedrock
from support import MODEL, Factory, FakeBedrock, chat_completion, http_lib, settle


def _echo_everything(sent: list[str]) -> Any:
    """A hostile error reply quoting the sent secrets back in every encoding, in the
    body and in headers."""

    def reply(request: http_lib.Request) -> http_lib.Response:
        quoted = [form for secret in sent for form in leaks.quoted_back(secret) if '"' not in form]
        body = '{"message": "You sent: ' + " | ".join(quoted) + '"}'
        headers = [("x-amzn-ErrorType", "AccessDeniedException"), ("x-amzn-RequestId", "r1")]
        headers += [("x-echo", form) for form in quoted if form.isascii()]
        headers.append(("x-echo-authorization", request.headers["Authorization"]))
        return http_lib.Response(403, content=body.encode(), headers=headers)

    return reply


def _shown(error: openai.APIStatusError, log: str) -> str:
    return "\n".join(
        [
            str(error),
            repr(error),
            json.dumps(error.body),
            error.message,
            repr(error.response.headers.raw),
            error.response.text,
            log,
        ]
    )


async def _fail(client: Any) -> openai.APIStatusError:
    with pytest.raises(openai.APIStatusError) as caught:
        await settle(
            client.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": "hi"}]
            )
        )
    return caught.value


@pytest.mark.parametrize("kind", ["sigv4 session", "api key", "short-term key"])
async def test_no_secret_is_shown_in_any_encoding_a_server_quotes_it_back_in(
    factory: Factory,
    bedrock: FakeBedrock,
    caplog: pytest.LogCaptureFixture,
    kind: str,
) -> None:
    """Failed before: JSON-escaped, percent-encoded and base64 forms, and headers,
    were shown verbatim."""
    if kind == "sigv4 session":
        key_id, secret, token = (
            leaks.access_key_id(),
            leaks.secret_access_key(),
            leaks.session_token(),
        )
        kwargs: dict[str, Any] = {
            "access_key_id": key_id,
            "secret_access_key": secret,
            "session_token": token,
        }
        sent, hidden = [token], [token, secret]
    else:
        key = leaks.api_key() if kind == "api key" else leaks.short_term_key()
        kwargs, sent, hidden = {"api_key": key}, [key], [key]
    client = factory(region="us-west-2", transport=bedrock, max_retries=0, **kwargs)
    bedrock.queue(_echo_everything(sent))
    with (
        caplog.at_level(logging.DEBUG, logger="openai"),
        caplog.at_level(logging.DEBUG, logger=http_lib.__name__),
    ):
        error = await _fail(client)
    assert error.status_code == 403
    assert "You sent" in error.message  # the body still reaches the user, cleaned
    assert leaks.leaks(_shown(error, caplog.text), *hidden) == []


# --- Point 4: credentials go only to Bedrock or loopback ---------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://attacker.example/openai/v1",
        "https://bedrock-runtime.us-west-2.amazonaws.com.attacker.example/openai/v1",
        "https://bedrock-runtime.us-west-2.attacker.example/openai/v1",
        "https://x.bedrock-runtime.us-west-2.amazonaws.com/openai/v1",
        "https://bedrock-runtime.us-west-2.vpce.attacker.example/openai/v1",
        "https://10.0.0.7/openai/v1",
    ],
)
@pytest.mark.parametrize("via", ["argument", "environment"])
def test_a_host_that_is_not_bedrock_is_refused_before_any_request(
    factory: Factory, bedrock: FakeBedrock, monkeypatch: pytest.MonkeyPatch, url: str, via: str
) -> None:
    """Failed before: the client was built and would sign requests for that host."""
    kwargs: dict[str, Any] = {"api_key": leaks.api_key(), "region": "us-west-2"}
    if via == "argument":
        kwargs["base_url"] = url
    else:
        monkeypatch.setenv("AWS_BEDROCK_BASE_URL", url)
    with pytest.raises(openai_bedrock.ConfigurationError) as caught:
        factory(transport=bedrock, **kwargs)
    assert http_lib.URL(url).host in str(caught.value)
    assert "allow_custom_host=True" in str(caught.value)
    assert bedrock.requests == []
    client = factory(transport=bedrock, allow_custom_host=True, **kwargs)
    assert client.base_url.host == http_lib.URL(url).host


@pytest.mark.parametrize(
    "url",
    [
        "https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1",
        "https://bedrock-runtime-fips.us-east-1.amazonaws.com/openai/v1",
        "https://bedrock-runtime.us-west-2.api.aws/openai/v1",
        "https://bedrock-mantle.us-west-2.api.aws/v1",
        "https://bedrock-runtime.cn-north-1.amazonaws.com.cn/openai/v1",
        "https://bedrock-runtime.us-gov-west-1.amazonaws.com/openai/v1",
        "https://bedrock-runtime.us-iso-east-1.c2s.ic.gov/openai/v1",
        "https://vpce-0abc-xyz.bedrock-runtime.us-west-2.vpce.amazonaws.com/openai/v1",
        "http://127.0.0.1:8080/openai/v1",
        "http://127.8.9.10:8080/openai/v1",
        "http://[::1]:8080/openai/v1",
        "http://localhost:8080/openai/v1",
    ],
)
def test_bedrock_endpoints_and_loopback_need_no_opt_in(factory: Factory, url: str) -> None:
    named = re.search(r"\.([a-z]{2}(?:-[a-z]+)+-[0-9])\.", url)
    region = named.group(1) if named else "us-west-2"
    client = factory(api_key=leaks.api_key(), base_url=url, region=region)
    assert client.base_url.host == http_lib.URL(url).host


# --- Point 6: the client-wide guardrail on every path that could reach an invocation --


@pytest.mark.parametrize(
    "path",
    [
        "/chat/completions",
        "/chat/completions/",
        "/Chat/Completions",
        "/CHAT/COMPLETIONS/",
        "/chat%2Fcompletions",
        "/chat%2fcompletions",
        "/chat//completions",
        "chat//completions//",
        "/./chat/./completions",
        "/x/../chat/completions",
        "/chat/x/../completions",
        "/chat%252Fcompletions",
        "/chat/completions;v=1",
    ],
)
async def test_the_client_wide_guardrail_covers_non_canonical_paths(
    factory: Factory, bedrock: FakeBedrock, path: str
) -> None:
    """Failed before for the trailing slash, case, %2F, // and ./ variants: the
    request was signed and sent without the guardrail."""
    from openai_bedrock import Guardrail

    client = factory(
        region="us-west-2",
        api_key=leaks.api_key(),
        transport=bedrock,
        guardrail=Guardrail("gr1", version=1),
        max_retries=0,
    )
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}
    try:
        await settle(client.post(path, body=body, cast_to=http_lib.Response))
    except openai.OpenAIError:
        assert bedrock.requests == []  # refused before it was sent
        return
    sent = bedrock.last
    assert sent.headers["x-amzn-bedrock-guardrailidentifier"] == "gr1"
    assert sent.headers["x-amzn-bedrock-guardrailversion"] == "1"


# --- Point 7: short-term keys minted on the corrected clock ----------------------


def _minted_at(authorization: str) -> dt.datetime:
    token = authorization.partition("Bearer ")[2]
    url = base64.b64decode(token[len("bedrock-api-key-") :]).decode()
    query = dict(urllib.parse.parse_qsl(url.partition("?")[2]))
    return dt.datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(
        tzinfo=dt.timezone.utc
    )


@pytest.mark.parametrize("minutes", [20, -20])
async def test_short_term_keys_are_minted_on_the_clock_the_client_learned(
    factory: Factory, bedrock: FakeBedrock, frozen_clock: dt.datetime, minutes: int
) -> None:
    """Failed before: the key kept the machine's time, so every call was refused."""
    server = frozen_clock + dt.timedelta(minutes=minutes)

    def bedrock_checks_the_key(request: http_lib.Request) -> http_lib.Response:
        if abs(_minted_at(request.headers["Authorization"]) - server) > dt.timedelta(minutes=5):
            return http_lib.Response(
                401,
                json={"error": {"message": "Signature expired", "code": "invalid_api_key"}},
                headers={"Date": email.utils.format_datetime(server, usegmt=True)},
            )
        return http_lib.Response(200, json=chat_completion())

    provider = openai_bedrock.short_term_token_provider(
        region="us-west-2",
        access_key_id=leaks.access_key_id(),
        secret_access_key=leaks.secret_access_key(),
    )
    client = factory(region="us-west-2", token_provider=provider, transport=bedrock)
    bedrock.queue(*[bedrock_checks_the_key] * 3)
    for _ in range(2):
        completion = await settle(
            client.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": "hi"}]
            )
        )
        assert completion.choices[0].message.content
    assert len(bedrock.requests) == 3  # one extra round trip, then none
    assert _minted_at(bedrock.last.headers["Authorization"]) == server
    assert provider.token().expires_at > server


# --- Point 2: a failing credential provider's output, masked ----------------------


def _leaky_profile(config: Path, tmp_path: Path) -> list[str]:
    """A profile whose credential_process prints secrets (in every encoding) to stderr
    and exits 3; returns the secrets."""
    secrets = [
        leaks.access_key_id(),
        leaks.secret_access_key(),
        leaks.session_token(),
        leaks.api_key(),
        leaks.short_term_key(),
    ]
    lines = [form for secret in secrets for form in leaks.quoted_back(secret)]
    script = tmp_path / "leaky.py"
    script.write_text(f"import sys\nsys.stderr.write({chr(10).join(lines)!r})\nsys.exit(3)\n")
    config.write_text(
        "[profile leaky]\nregion = us-west-2\n"
        f"credential_process = {shlex.quote(sys.executable)} {shlex.quote(str(script))}\n"
    )
    return secrets


def test_a_failing_credential_process_is_named_and_its_secrets_masked(
    isolated_aws_env: Path, tmp_path: Path, factory: Factory
) -> None:
    """Failed before: the process's stderr was repeated verbatim."""
    secrets = _leaky_profile(isolated_aws_env / "config", tmp_path)
    with pytest.raises(openai_bedrock.CredentialsError) as caught:
        factory(profile="leaky")
    message = str(caught.value)
    assert "custom-process" in message
    assert "'leaky'" in message
    assert "exit status 3" in message
    shown = "\n".join(
        [message, repr(caught.value), "".join(traceback.format_exception(caught.value))]
    )
    assert leaks.leaks(shown, *secrets) == []


def _chain_text(error: BaseException) -> str:
    """Every exception reachable from ``error`` (``__cause__`` and ``__context__``, as a
    debugger or an error reporter walks them), shown."""
    shown, seen, todo = [], set(), [error]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        shown += [str(current), repr(current), repr(getattr(current, "kwargs", None))]
        todo += [current.__cause__, current.__context__]
    return "\n".join(shown)


def test_no_exception_linked_to_a_masked_credential_failure_holds_the_secret(
    isolated_aws_env: Path, tmp_path: Path, factory: Factory
) -> None:
    """Failed before: the masked error was raised inside the ``except`` block, so Python
    linked botocore's error, with the process's stderr verbatim, as ``__context__``."""
    secrets = _leaky_profile(isolated_aws_env / "config", tmp_path)
    with pytest.raises(openai_bedrock.CredentialsError) as caught:
        factory(profile="leaky")
    assert "exit status 3" in str(caught.value)
    assert leaks.leaks(_chain_text(caught.value), *secrets) == []


def test_no_exception_linked_to_a_masked_refresh_failure_holds_the_secret() -> None:
    """The same when refreshing credentials fails on a request (a refresh error that
    repeats a secret); the SDK may wrap our error, so the whole chain is searched."""
    from botocore.credentials import RefreshableCredentials

    secret = leaks.secret_access_key()
    refreshes: list[int] = []

    def refresh() -> dict[str, str]:
        refreshes.append(1)
        if len(refreshes) > 1:
            raise RuntimeError(f"token endpoint said: secret {secret}")
        # Inside botocore's mandatory refresh window: the next use refreshes again.
        soon = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)
        return {
            "access_key": leaks.access_key_id(),
            "secret_key": secret,
            "token": leaks.session_token(),
            "expiry_time": soon.isoformat(),
        }

    credentials = RefreshableCredentials.create_from_metadata(
        refresh(), refresh_using=refresh, method="test"
    )
    bedrock = FakeBedrock()
    client = openai_bedrock.create_client(
        session=_SessionOf(credentials), transport=bedrock, max_retries=0
    )
    with pytest.raises(openai.OpenAIError) as caught:
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    text = _chain_text(caught.value)
    assert "token endpoint said: secret [masked]" in text  # our masked report of it
    assert leaks.leaks(text, secret) == []
    assert bedrock.requests == []


@pytest.mark.parametrize("command", [["doctor", "--no-call"], ["chat", "Hello!"]])
def test_doctor_and_chat_mask_a_failing_credential_process(
    isolated_aws_env: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    """Failed before: doctor and chat printed the process's stderr verbatim."""
    from openai_bedrock.cli import main

    secrets = _leaky_profile(isolated_aws_env / "config", tmp_path)
    assert main([*command, "--profile", "leaky"]) != 0
    captured = capsys.readouterr()
    assert "exit status 3" in captured.out + captured.err
    assert leaks.leaks(captured.out + captured.err, *secrets) == []


# --- Point 3: fork while another thread refreshes the credentials -----------------


class _SessionOf:
    def __init__(self, credentials: Any) -> None:
        self._credentials = credentials
        self.region_name = "us-west-2"

    def get_credentials(self) -> Any:
        return self._credentials


def _child_call(client: Any, report: Any) -> None:
    """In the forked child: one call, reporting what happened."""
    try:
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
        report.send(("answered", None))
    except BaseException as exc:  # reported, so the parent's assertion shows it
        seen: Optional[BaseException] = exc
        while seen is not None and not isinstance(seen, openai_bedrock.ForkedClientError):
            seen = seen.__cause__  # openai 1.x wraps it in APIConnectionError
        if seen is None:
            report.send((type(exc).__name__, str(exc)))
            return
        auth = client._client._transport.settings.auth
        report.send(("ForkedClientError", auth.frozen_credentials().access_key, str(seen)))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX only")
def test_a_fork_during_a_credential_refresh_does_not_hang_the_child(bedrock: FakeBedrock) -> None:
    """Failed before: the child waited forever for the refresh lock that a parent
    thread held at the fork."""
    from botocore.credentials import RefreshableCredentials

    parent = os.getpid()
    entered, release = threading.Event(), threading.Event()
    fresh_key = leaks.access_key_id()

    def refresh() -> dict[str, str]:
        if os.getpid() == parent:
            entered.set()
            release.wait(60)  # the parent's refresh is slow (STS, SSO) when the fork comes
        return {
            "access_key": fresh_key,
            "secret_key": leaks.secret_access_key(),
            "token": leaks.session_token(),
            "expiry_time": (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).isoformat(),
        }

    expired = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)).isoformat()
    credentials = RefreshableCredentials.create_from_metadata(
        {
            "access_key": leaks.access_key_id(),
            "secret_key": leaks.secret_access_key(),
            "token": leaks.session_token(),
            "expiry_time": expired,
        },
        refresh_using=refresh,
        method="test",
    )
    client = openai_bedrock.create_client(
        session=_SessionOf(credentials), transport=bedrock, max_retries=0, timeout=10
    )
    refreshing = threading.Thread(target=credentials.get_frozen_credentials, daemon=True)
    refreshing.start()
    assert entered.wait(10)
    context = multiprocessing.get_context("fork")
    theirs, ours = context.Pipe(duplex=False)
    child = context.Process(target=_child_call, args=(client, ours))
    try:
        child.start()
        child.join(30)
        hung = child.is_alive()
        if hung:
            child.kill()
            child.join(5)
    finally:
        release.set()
        refreshing.join(10)
    assert not hung, "the child hung on the refresh lock"
    assert theirs.poll(5)
    outcome = theirs.recv()
    assert outcome[0] in ("answered", "ForkedClientError"), outcome
    if outcome[0] == "ForkedClientError":
        assert outcome[1] == fresh_key  # the child refreshed for itself


# --- Point 5: a huge error body is read only up to a bound ------------------------

_HUGE = 300 * 1024 * 1024
_CHUNK = 256 * 1024


class _LazyBody(http_lib.SyncByteStream, http_lib.AsyncByteStream):
    """A 300 MB body made chunk by chunk, counting what was read of it."""

    def __init__(self) -> None:
        self.sent = 0
        self._chunk = b"x" * _CHUNK

    def __iter__(self) -> Any:
        while self.sent < _HUGE:
            self.sent += _CHUNK
            yield self._chunk

    async def __aiter__(self) -> Any:
        for chunk in self:
            yield chunk


async def test_a_huge_error_body_is_cut_to_a_bounded_prefix(factory: Factory) -> None:
    """Failed before: the whole body was read and copied into the exception (peaking
    at several times its size)."""
    body = _LazyBody()
    transport = http_lib.MockTransport(lambda request: http_lib.Response(500, stream=body))
    client = factory(
        region="us-west-2", api_key=leaks.api_key(), transport=transport, max_retries=0
    )
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        error = await _fail(client)
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    assert error.status_code == 500
    assert peak < 100 * 1024 * 1024
    assert body.sent < 4 * 1024 * 1024  # the rest was never read
    assert len(error.response.content) < 2 * 1024 * 1024
    assert "only its first 1 MiB were kept" in error.message


class _EchoingServer(http.server.BaseHTTPRequestHandler):
    """A hostile server on loopback: every request gets a 403 quoting its credentials."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        request = http_lib.Request("POST", "http://x/", headers=dict(self.headers.items()))
        token = request.headers["Authorization"].partition("Bearer ")[2]
        reply = _echo_everything([token])(request)
        self.send_response(reply.status_code)
        for name, value in reply.headers.multi_items():
            if name.lower() not in ("content-length",):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.content)))
        self.end_headers()
        self.wfile.write(reply.content)

    def log_message(self, *args: Any) -> None:
        pass


def test_the_cli_shows_no_secret_a_server_quotes_back(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI prints the error it got: cleaned like every other view of it."""
    from openai_bedrock.cli import main

    key = leaks.api_key()
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", key)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _EchoingServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/openai/v1"
        code = main(["chat", "--region", "us-west-2", "--base-url", url, "Hello!"])
    finally:
        server.shutdown()
        server.server_close()
    captured = capsys.readouterr()
    assert code != 0
    assert "Bedrock answered 403 AccessDeniedException: You sent: REDACTED" in captured.err
    assert leaks.leaks(captured.out + captured.err, key) == []


def test_the_cli_refuses_a_custom_host_unless_allowed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from openai_bedrock.cli import main

    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", leaks.api_key())
    argv = ["doctor", "--no-call", "--region", "us-west-2"]
    argv += ["--base-url", "https://llm-gateway.corp.example/openai/v1"]
    assert main(argv) != 0
    out = capsys.readouterr()
    assert "llm-gateway.corp.example" in out.out + out.err
    assert "--allow-custom-host" in out.out + out.err
    assert main([*argv, "--allow-custom-host"]) == 0
