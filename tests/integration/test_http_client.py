"""create_http_client, create_async_http_client and create_transport, against the emulator.

A library that builds its own ``openai.OpenAI`` on our HTTP client (or its own httpx
clients on our transport) gets every request signed, guarded and origin-checked, as
through ``create_client``.
"""

from __future__ import annotations

import http.cookiejar
from collections.abc import Iterator
from typing import Any

import openai
import pytest

import openai_bedrock
from docs_examples import named_example
from openai_bedrock.testing import BedrockEmulator
from support import MODEL, FakeBedrock, http_lib

HI: list[Any] = [{"role": "user", "content": "Hello there"}]
GUARDRAIL = openai_bedrock.Guardrail("gr1a2b3c4d5e", version="1")


@pytest.fixture
def emu() -> Iterator[BedrockEmulator]:
    with BedrockEmulator() as emulator:
        emulator.add_guardrail(GUARDRAIL.identifier, version="1", blocks=lambda text: False)
        yield emulator


def settings_of(emu: BedrockEmulator) -> dict[str, Any]:
    return {
        "base_url": emu.base_url,
        "region": emu.region,
        "access_key_id": emu.access_key_id,
        "secret_access_key": emu.secret_access_key,
        "session_token": emu.session_token,
        "guardrail": GUARDRAIL,
    }


def assert_signed_and_guarded(emu: BedrockEmulator, count: int) -> None:
    assert len(emu.requests) == count
    for request in emu.requests:
        assert (request.auth, request.verdict) == ("sigv4", "ok")
        assert request.headers["X-Amzn-Bedrock-GuardrailIdentifier"] == GUARDRAIL.identifier
        assert "placeholder" not in request.headers.get("Authorization", "")


def test_an_sdk_built_by_a_library_on_the_http_client_is_signed_and_guarded(
    emu: BedrockEmulator,
) -> None:
    http_client = openai_bedrock.create_http_client(**settings_of(emu))
    # What a library does with an http_client: its own SDK client, its own API key.
    with openai.OpenAI(
        base_url=emu.base_url, api_key="the-librarys-key", http_client=http_client
    ) as client:
        completion = client.chat.completions.create(model=MODEL, messages=HI)
        chunks = list(client.chat.completions.create(model=MODEL, messages=HI, stream=True))

    assert completion.choices[0].message.content == "Hello there"
    assert completion._request_id == emu.requests[0].request_id
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello there"
    assert_signed_and_guarded(emu, 2)
    assert "the-librarys-key" not in str(emu.requests[0].headers)


async def test_the_async_http_client_signs_and_guards(emu: BedrockEmulator) -> None:
    http_client = openai_bedrock.create_async_http_client(**settings_of(emu))
    async with openai.AsyncOpenAI(
        base_url=emu.base_url, api_key="unused", http_client=http_client
    ) as client:
        completion = await client.chat.completions.create(model=MODEL, messages=HI)
        stream = await client.chat.completions.create(model=MODEL, messages=HI, stream=True)
        chunks = [chunk async for chunk in stream]

    assert completion.choices[0].message.content == "Hello there"
    assert chunks
    assert_signed_and_guarded(emu, 2)


async def test_one_transport_serves_a_sync_and_an_async_client(emu: BedrockEmulator) -> None:
    transport = openai_bedrock.create_transport(**settings_of(emu))
    body = {"model": MODEL, "messages": HI}

    # Haystack-style: both clients built from one set of keyword arguments.
    with http_lib.Client(transport=transport) as sync_client:
        sync_answer = sync_client.post(f"{emu.base_url}/chat/completions", json=body)
    async with http_lib.AsyncClient(transport=transport) as async_client:
        async_answer = await async_client.post(f"{emu.base_url}/chat/completions", json=body)

    assert sync_answer.status_code == async_answer.status_code == 200
    assert sync_answer.json()["choices"][0]["message"]["content"] == "Hello there"
    assert async_answer.json()["choices"][0]["message"]["content"] == "Hello there"
    assert_signed_and_guarded(emu, 2)


@pytest.mark.parametrize("library", ["httpx", "httpx2"])
async def test_a_transport_for_plain_clients_of_either_library(
    emu: BedrockEmulator, library: str
) -> None:
    """On openai 3.x a library may still build plain httpx clients (Haystack does):
    library= gives it a transport of that library, signing, guarding and streaming."""
    lib = pytest.importorskip(library)
    transport = openai_bedrock.create_transport(**settings_of(emu), library=library)
    body = {"model": MODEL, "messages": HI}
    url = f"{emu.base_url}/chat/completions"

    with lib.Client(transport=transport) as sync_client:
        sync_answer = sync_client.post(url, json=body)
        with sync_client.stream("POST", url, json={**body, "stream": True}) as streamed:
            lines = [line for line in streamed.iter_lines() if line.startswith("data: {")]
    async with lib.AsyncClient(transport=transport) as async_client:
        async_answer = await async_client.post(url, json=body)

    assert isinstance(transport, lib.BaseTransport)
    assert sync_answer.json()["choices"][0]["message"]["content"] == "Hello there"
    assert async_answer.json()["choices"][0]["message"]["content"] == "Hello there"
    assert sync_answer.headers["x-request-id"] == emu.requests[0].request_id
    assert len(lines) > 1
    assert_signed_and_guarded(emu, 3)


def test_an_unknown_library_is_refused() -> None:
    with pytest.raises(openai_bedrock.ConfigurationError, match="library must be one of"):
        openai_bedrock.create_transport(region="us-west-2", library="requests")


async def test_closing_one_kind_of_client_leaves_the_other_working(
    emu: BedrockEmulator,
) -> None:
    transport = openai_bedrock.create_transport(**settings_of(emu))
    async_client = http_lib.AsyncClient(transport=transport)
    body = {"model": MODEL, "messages": HI}
    with http_lib.Client(transport=transport) as sync_client:
        sync_client.post(f"{emu.base_url}/chat/completions", json=body)

    answer = await async_client.post(f"{emu.base_url}/chat/completions", json=body)
    await async_client.aclose()

    assert answer.status_code == 200
    assert_signed_and_guarded(emu, 2)


def test_requests_to_another_origin_are_refused_unsigned(emu: BedrockEmulator) -> None:
    with (
        openai_bedrock.create_http_client(**settings_of(emu)) as http_client,
        pytest.raises(openai_bedrock.ForeignOriginError),
    ):
        http_client.post("http://127.0.0.2:9/v1/chat/completions", json={})

    assert emu.requests == []


def test_the_inner_transports_given_are_the_ones_used() -> None:
    sync_inner, async_inner = FakeBedrock(), FakeBedrock()
    settings = {"region": "us-west-2", "api_key": "ABSK" + "a" * 40}
    transport = openai_bedrock.create_transport(
        **settings, transport=sync_inner, async_transport=async_inner
    )
    http_client = openai_bedrock.create_http_client(**settings, transport=sync_inner)

    url = "https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1/chat/completions"
    http_lib.Client(transport=transport).post(url, json={})
    http_client.post(url, json={})

    assert len(sync_inner.requests) == 2
    assert async_inner.requests == []
    assert sync_inner.requests[0].headers["Authorization"] == "Bearer " + "ABSK" + "a" * 40


@pytest.mark.parametrize(
    ("factory", "transport"),
    [
        (openai_bedrock.create_http_client, http_lib.AsyncHTTPTransport()),
        (openai_bedrock.create_async_http_client, http_lib.HTTPTransport()),
    ],
)
def test_a_transport_of_the_wrong_kind_is_refused(factory: Any, transport: Any) -> None:
    with pytest.raises(
        openai_bedrock.ConfigurationError, match="transport must be an " + http_lib.__name__
    ):
        factory(region="us-west-2", api_key="ABSK" + "a" * 40, transport=transport)


def test_a_bad_proxy_variable_fails_when_the_client_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "gopher://proxy.example:70")

    with pytest.raises(openai_bedrock.ConfigurationError, match="HTTPS_PROXY"):
        openai_bedrock.create_http_client(region="us-west-2", api_key="ABSK" + "a" * 40)


def test_the_timeout_is_the_http_clients_default() -> None:
    http_client = openai_bedrock.create_http_client(
        region="us-west-2", api_key="ABSK" + "a" * 40, timeout=12.5
    )
    default = openai_bedrock.create_http_client(region="us-west-2", api_key="ABSK" + "a" * 40)

    assert http_client.timeout == http_lib.Timeout(12.5)
    assert default.timeout.read == 3600.0
    assert default.follow_redirects is False


def test_the_endpoints_base_url_is_on_the_client_and_the_transport() -> None:
    settings = {"region": "eu-west-1", "api_key": "ABSK" + "a" * 40}

    http_client = openai_bedrock.create_http_client(**settings)
    transport = openai_bedrock.create_transport(**settings, endpoint="mantle")

    assert str(http_client.base_url) == "https://bedrock-runtime.eu-west-1.amazonaws.com/openai/v1/"
    assert transport.base_url == "https://bedrock-mantle.eu-west-1.api.aws/v1"


def test_the_docs_example_runs(emu: BedrockEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/integrations.md's example of an HTTP client for a library's own SDK client."""
    source = named_example("http client")
    monkeypatch.setenv("AWS_BEDROCK_BASE_URL", emu.base_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", emu.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", emu.secret_access_key)
    if emu.session_token:
        monkeypatch.setenv("AWS_SESSION_TOKEN", emu.session_token)
    namespace: dict[str, Any] = {}

    exec(source, namespace)

    assert namespace["completion"].choices[0].message.content == "Hello!"
    assert [(r.auth, r.verdict) for r in emu.requests] == [("sigv4", "ok")]


class CountingJar(http.cookiejar.CookieJar):
    """A cookie jar that counts the responses it is asked to read."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def extract_cookies(self, response: Any, request: Any) -> None:
        self.reads += 1
        super().extract_cookies(response, request)


def cookie_reply(request: Any) -> Any:
    """A completion; the one for ``?set`` also sets a cookie."""
    headers = {"x-amzn-requestid": "req-1"}
    if request.url.query.startswith(b"set"):
        headers["Set-Cookie"] = "AWSALB=sticky; Path=/"
    return http_lib.Response(200, headers=headers, json={"ok": True})


def test_the_cookie_jar_reads_only_responses_that_set_a_cookie() -> None:
    """httpx rebuilds every response for http.cookiejar (about 35 us a call on openai
    1.x and 2.x) although almost none set a cookie: our clients look first, as httpx2
    does, and still keep the cookies a response sets."""
    jar = CountingJar()
    http_client = openai_bedrock.create_http_client(
        region="us-east-1", api_key="ABSKexample", transport=http_lib.MockTransport(cookie_reply)
    )
    http_client.cookies = jar
    url = f"{http_client.base_url}chat/completions"

    http_client.post(url, json={})
    assert jar.reads == 0
    http_client.post(url, params={"set": ""}, json={})
    assert jar.reads == 1
    assert http_client.cookies["AWSALB"] == "sticky"
    assert isinstance(http_client, http_lib.Client)


async def test_the_async_cookie_jar_reads_only_responses_that_set_a_cookie() -> None:
    jar = CountingJar()
    http_client = openai_bedrock.create_async_http_client(
        region="us-east-1", api_key="ABSKexample", transport=http_lib.MockTransport(cookie_reply)
    )
    http_client.cookies = jar
    url = f"{http_client.base_url}chat/completions"

    await http_client.post(url, json={})
    assert jar.reads == 0
    await http_client.post(url, params={"set": ""}, json={})
    assert jar.reads == 1
    assert http_client.cookies["AWSALB"] == "sticky"
    assert isinstance(http_client, http_lib.AsyncClient)
