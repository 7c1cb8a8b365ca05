"""The hot path (``_hotpath``) sends exactly what the general path would, takes the
SDK's ordinary requests, and hands everything unusual to the general path."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import random
import string
from typing import Any, Optional

import pytest

import openai_bedrock
from openai_bedrock import _hotpath, _sigv4, _transport
from openai_bedrock._auth import SigV4Auth
from openai_bedrock._settings import Settings, resolve_settings
from openai_bedrock._sigv4 import FrozenCredentials
from support import (
    ACCESS_KEY_ID,
    API_KEY,
    FROZEN_TIME,
    MODEL,
    SECRET_ACCESS_KEY,
    SESSION_TOKEN,
    FakeBedrock,
    http_lib,
    static_keys,
)

SEED = 20261126
CASES = 600
BASE_URLS = [
    "https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1",
    "https://bedrock-mantle.us-west-2.api.aws/v1",
    "http://127.0.0.1:8080/openai/v1",
    "http://[::1]:9000/openai/v1",
]
PATHS = ["/chat/completions", "/responses", "/models", "/a%20b/c:d", "/x/../y", "//z", ""]
PLACEHOLDER = "Bearer " + _hotpath.SDK_PLACEHOLDER_KEY
SECRETS = [SECRET_ACCESS_KEY, "another/Secret+Key0123456789abcdefghijkl"]
TOKENS = [None, SESSION_TOKEN, "  spaced   token  ", "   "]


class Rotating:
    """Credentials that change whenever the test says so (as botocore's refresh)."""

    def __init__(self) -> None:
        self.frozen = FrozenCredentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None)
        self.due = False

    def get_frozen_credentials(self) -> FrozenCredentials:
        return self.frozen

    def refresh_needed(self) -> bool:
        return self.due


def sigv4_settings(base_url: str, credentials: Any) -> Settings:
    settings = resolve_settings(base_url=base_url, **static_keys())
    auth = settings.auth
    assert isinstance(auth, SigV4Auth)
    return dataclasses.replace(settings, auth=dataclasses.replace(auth, credentials=credentials))


def sdk_like_request(rng: random.Random, base_url: str) -> http_lib.Request:
    """A request as the openai SDK builds it, with random variations."""
    headers: list[tuple[str, str]] = [
        ("Accept", "application/json"),
        ("Content-Type", "application/json"),
        ("User-Agent", "OpenAI/Python 3.57.0"),
        ("X-Stainless-Retry-Count", str(rng.randint(0, 2))),
    ]
    headers.insert(
        rng.randint(0, len(headers)), (rng.choice(["authorization", "Authorization"]), PLACEHOLDER)
    )
    for _ in range(rng.randint(0, 3)):
        name = "x-" + "".join(rng.choices(string.ascii_lowercase + "-", k=rng.randint(1, 8)))
        value = "".join(rng.choices(string.ascii_letters + "  \t,;=%{}\0", k=rng.randint(0, 12)))
        headers.insert(rng.randint(0, len(headers)), (rng.choice([name, name.upper()]), value))
    body = bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 80, 3000])))
    method = rng.choice(["POST", "POST", "GET", "DELETE", "post"])
    return http_lib.Request(
        method,
        base_url + rng.choice(PATHS),
        headers=headers,
        content=body,
        extensions={"timeout": {"read": 3600.0}},
    )


def sent(request: http_lib.Request) -> tuple[Any, ...]:
    """Everything about a request that reaches the wire, raw."""
    raw: Any = request.headers
    return (request.method, str(request.url), list(raw._list), request.read(), request.extensions)


def general(settings: Settings, request: http_lib.Request) -> http_lib.Request:
    wire = _transport._wire_request(settings, request)
    settings.auth.authenticate(wire)
    return wire


def prepared(
    settings: Settings, request: http_lib.Request, is_async: bool = False
) -> Optional[http_lib.Request]:
    prepare = _hotpath.for_settings(settings, _transport._SPECIAL_KEYS, is_async=is_async)
    return prepare(request)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [FROZEN_TIME.timestamp()]
    monkeypatch.setattr(_sigv4, "timestamp", lambda: now[0])
    return now


def test_the_installed_httpx_allows_the_hot_path() -> None:
    assert _hotpath.AVAILABLE, "httpx changed its URL or header internals: the hot path is off"


def test_sigv4_requests_are_identical_to_the_general_paths(clock: list[float]) -> None:
    """Across seconds, days, credential rotations, session tokens, base URLs, paths,
    methods, header spellings and bodies."""
    rng = random.Random(SEED)
    credentials = Rotating()
    signers = {url: sigv4_settings(url, credentials) for url in BASE_URLS}
    prepares = {
        url: _hotpath.for_settings(settings, _transport._SPECIAL_KEYS, is_async=False)
        for url, settings in signers.items()
    }
    taken = 0
    for _ in range(CASES):
        clock[0] += rng.choice([0, 0, 0.1, 0.25, 0.3, 1, 59, 86400])
        offset = rng.choice([0.0, 0.0, 0.1, -899.9, 900.0])
        if rng.random() < 0.1:
            credentials.frozen = FrozenCredentials(
                rng.choice([ACCESS_KEY_ID, "ASIAEXAMPLE0000"]),
                rng.choice(SECRETS),
                rng.choice(TOKENS),
            )
        url = rng.choice(BASE_URLS)
        auth = signers[url].auth
        assert isinstance(auth, SigV4Auth)
        auth.clock.offset = offset  # as learned from a clock-skew rejection
        request = sdk_like_request(rng, url)
        fast = prepares[url](request)
        if fast is None:
            continue
        taken += 1
        assert sent(fast) == sent(general(signers[url], request))
    assert taken > CASES * 0.9


def test_async_sigv4_requests_are_identical_to_the_general_paths(clock: list[float]) -> None:
    rng = random.Random(SEED + 1)
    credentials = Rotating()
    settings = sigv4_settings(BASE_URLS[0], credentials)

    async def general_async(request: http_lib.Request) -> http_lib.Request:
        wire = _transport._wire_request(settings, request)
        await settings.auth.aauthenticate(wire)
        return wire

    for _ in range(100):
        clock[0] += rng.choice([0, 0.3, 1, 86400])
        credentials.frozen = FrozenCredentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, rng.choice(TOKENS))
        request = sdk_like_request(rng, BASE_URLS[0])
        fast = prepared(settings, request, is_async=True)
        assert fast is not None
        assert sent(fast) == sent(asyncio.run(general_async(request)))


@pytest.mark.parametrize(
    "frozen",
    [
        FrozenCredentials("AKID\u00c9XAMPLE", SECRET_ACCESS_KEY, None),
        FrozenCredentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, "t\u00f6ken"),
    ],
    ids=["access key", "session token"],
)
def test_non_ascii_credentials_take_the_general_path(
    frozen: FrozenCredentials, clock: list[float]
) -> None:
    credentials = Rotating()
    credentials.frozen = frozen
    settings = sigv4_settings(BASE_URLS[0], credentials)
    assert prepared(settings, sdk_like_request(random.Random(SEED), BASE_URLS[0])) is None


def test_api_key_requests_are_identical_to_the_general_paths() -> None:
    rng = random.Random(SEED)
    for _ in range(200):
        url = rng.choice(BASE_URLS)
        settings = resolve_settings(base_url=url, region="us-west-2", api_key=API_KEY)
        request = sdk_like_request(rng, url)
        fast = prepared(settings, request)
        assert fast is not None
        assert sent(fast) == sent(general(settings, request))


def test_the_sdk_request_is_left_as_it_was(clock: list[float]) -> None:
    settings = sigv4_settings(BASE_URLS[0], Rotating())
    request = sdk_like_request(random.Random(SEED), BASE_URLS[0])
    before = sent(request)
    assert prepared(settings, request) is not None
    assert sent(request) == before


def foreign(request: http_lib.Request) -> http_lib.Request:
    return http_lib.Request(
        request.method,
        "https://example.com/openai/v1/chat/completions",
        headers=request.headers,
        content=request.read(),
    )


def with_url(url: str) -> Any:
    return lambda r: http_lib.Request(r.method, url, headers=r.headers, content=r.read())


def with_header(name: str, value: str | bytes = "v") -> Any:
    return lambda r: http_lib.Request(
        r.method, r.url, headers=[*r.headers.multi_items(), (name, value)], content=r.read()
    )


def streamed(request: http_lib.Request) -> http_lib.Request:
    return http_lib.Request(
        request.method, request.url, headers=request.headers, stream=http_lib.ByteStream(b"{}")
    )


UNUSUAL = {
    "another origin": foreign,
    "another port": with_url(
        "https://bedrock-runtime.us-west-2.amazonaws.com:8443/openai/v1/chat/completions"
    ),
    "a query": with_url(BASE_URLS[0] + "/chat/completions?a=b c"),
    "a fragment": with_url(BASE_URLS[0] + "/chat/completions#f"),
    "userinfo": with_url(
        "https://u:p@bedrock-runtime.us-west-2.amazonaws.com/openai/v1/chat/completions"
    ),
    "a guardrail header": with_header("X-Amzn-Bedrock-GuardrailIdentifier", "gr1"),
    "a trace header": with_header("X-Amzn-Bedrock-Trace", "ENABLED"),
    "a hand-set date": with_header("X-Amz-Date", "20200101T000000Z"),
    "a hand-set token": with_header("X-Amz-Security-Token", "t"),
    "a second Authorization": with_header("Authorization", "Bearer mine"),
    "a non-ASCII signed header": with_header("x-name", "caf\u00e9".encode()),
    "a streamed body": streamed,
}


@pytest.mark.parametrize("change", UNUSUAL.values(), ids=UNUSUAL.keys())
def test_unusual_requests_take_the_general_path(change: Any, clock: list[float]) -> None:
    request = change(sdk_like_request(random.Random(SEED), BASE_URLS[0]))
    settings = sigv4_settings(BASE_URLS[0], Rotating())
    assert prepared(settings, request) is None


def test_a_caller_authorization_alone_takes_the_general_path() -> None:
    base = sdk_like_request(random.Random(SEED), BASE_URLS[0])
    headers = [
        (k, "Bearer mine" if k == "authorization" else v) for k, v in base.headers.multi_items()
    ]
    request = http_lib.Request(base.method, base.url, headers=headers, content=base.read())
    settings = resolve_settings(base_url=BASE_URLS[0], region="us-west-2", api_key=API_KEY)
    assert prepared(settings, request) is None


def test_clients_the_hot_path_does_not_cover() -> None:
    from openai_bedrock import Guardrail

    guarded = resolve_settings(
        region="us-west-2", api_key=API_KEY, guardrail=Guardrail("gr1", version=1)
    )
    provided = resolve_settings(region="us-west-2", token_provider=lambda: API_KEY)
    for settings in (guarded, provided):
        prepare = _hotpath.for_settings(settings, _transport._SPECIAL_KEYS, is_async=False)
        assert prepare(sdk_like_request(random.Random(SEED), BASE_URLS[0])) is None


def test_async_credentials_due_a_refresh_take_the_general_path(clock: list[float]) -> None:
    credentials = Rotating()
    settings = sigv4_settings(BASE_URLS[0], credentials)
    request = sdk_like_request(random.Random(SEED), BASE_URLS[0])
    assert prepared(settings, request, is_async=True) is not None
    credentials.due = True
    assert prepared(settings, request, is_async=True) is None
    assert prepared(settings, request, is_async=False) is not None  # sync refreshes inline


def test_without_httpx_internals_only_the_general_path_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_hotpath, "AVAILABLE", False)
    client = openai_bedrock.create_client(transport=(bedrock := FakeBedrock()), **static_keys())
    assert client._client._transport._prepare is _hotpath._general  # type: ignore[attr-defined]
    client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}])
    assert bedrock.last.headers["Authorization"].startswith("AWS4-HMAC-SHA256 ")


@pytest.fixture(params=["api_key", "sigv4", "sigv4 with session token"])
def credentials(request: pytest.FixtureRequest) -> dict[str, Any]:
    if request.param == "api_key":
        return {"region": "us-west-2", "api_key": API_KEY}
    if request.param == "sigv4":
        return static_keys()
    return static_keys(session_token=SESSION_TOKEN)


def spy(transport: Any) -> list[bool]:
    taken: list[bool] = []
    prepare = transport._prepare

    def counting(request: http_lib.Request) -> Optional[http_lib.Request]:
        wire = prepare(request)
        taken.append(wire is not None)
        return wire

    transport._prepare = counting
    return taken


def test_the_sdks_requests_take_the_hot_path(credentials: dict[str, Any]) -> None:
    client = openai_bedrock.create_client(transport=FakeBedrock(), **credentials)
    taken = spy(client._client._transport)
    client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}])
    client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Hi"}], stream=True
    ).close()
    assert taken == [True, True]


def test_the_async_sdks_requests_take_the_hot_path(credentials: dict[str, Any]) -> None:
    async def main() -> list[bool]:
        client = openai_bedrock.create_async_client(transport=FakeBedrock(), **credentials)
        taken = spy(client._client._transport)
        await client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "Hi"}]
        )
        return taken

    assert asyncio.run(main()) == [True]


def test_the_signer_repr_shows_no_secret(clock: list[float]) -> None:
    signer = _sigv4.Signer("bedrock", "us-west-2")
    credentials = FrozenCredentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN)
    items = [(b"Host", b"host", b"example.com")]
    assert signer.raw_headers("POST", "https://example.com/", items, b"", credentials, clock[0])
    shown = repr(signer) + repr(signer._last)
    assert SECRET_ACCESS_KEY not in shown
    assert SESSION_TOKEN not in shown


def iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def test_each_signature_carries_its_own_second(clock: list[float]) -> None:
    settings = sigv4_settings(BASE_URLS[0], Rotating())
    dates: list[str] = []
    for step in (0, 0.5, 0.6, 1, 86400):
        clock[0] += step
        wire = prepared(settings, sdk_like_request(random.Random(SEED), BASE_URLS[0]))
        assert wire is not None
        dates.append(wire.headers["X-Amz-Date"])
        assert dates[-1] == iso(clock[0])
    assert len(set(dates)) == 4
