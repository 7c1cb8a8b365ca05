"""Origin pinning: whatever URL a call names, however the client was copied, and
wherever a redirect points, credentials never leave the configured origin."""

from __future__ import annotations

from typing import Any

import openai
import pytest

import openai_bedrock
from support import (
    API_KEY,
    MODEL,
    RUNTIME_URL,
    Factory,
    FakeBedrock,
    http_lib,
    raised,
    settle,
    static_keys,
)

HELLO = [{"role": "user", "content": "Hello!"}]
HOST = "bedrock-runtime.us-west-2.amazonaws.com"

FOREIGN = [
    "https://elsewhere.example/openai/v1/chat/completions",
    f"http://{HOST}/openai/v1/chat/completions",
    f"https://{HOST}:8443/openai/v1/chat/completions",
    f"https://{HOST}.evil.example/openai/v1/chat/completions",
    f"https://{HOST}@evil.example/openai/v1/chat/completions",
    "https://b\u0435drock-runtime.us-west-2.amazonaws.com/openai/v1/chat/completions",  # Cyrillic
    "https://bedrock-runtime.us-east-1.amazonaws.com/openai/v1/chat/completions",
]


class Provider:
    """A token provider that records whether it was asked for the key."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return API_KEY


def clients(factory: Factory, bedrock: FakeBedrock, provider: Provider) -> list[Any]:
    common = {"transport": bedrock, "max_retries": 0}
    return [
        factory(**static_keys(), **common),
        factory(region="us-west-2", api_key=API_KEY, **common),
        factory(region="us-west-2", token_provider=provider, **common),
    ]


async def refused(call: Any) -> openai_bedrock.ForeignOriginError:
    with pytest.raises(openai.OpenAIError) as caught:
        await settle(call())
    error = raised(caught.value, openai_bedrock.ForeignOriginError)
    assert isinstance(error, openai_bedrock.ForeignOriginError)
    return error


@pytest.mark.parametrize("url", FOREIGN)
async def test_an_absolute_url_to_another_origin_is_refused_before_any_credential_is_used(
    factory: Factory, bedrock: FakeBedrock, url: str
) -> None:
    provider = Provider()
    for client in clients(factory, bedrock, provider):
        await refused(lambda c=client: c.post(url, cast_to=http_lib.Response, body={}))
        await refused(lambda c=client: c.get(url, cast_to=http_lib.Response))
    assert bedrock.requests == []
    assert provider.calls == 0  # the key was never even fetched


async def test_a_scheme_relative_path_stays_on_the_configured_origin(
    factory: Factory, bedrock: FakeBedrock
) -> None:
    client = factory(**static_keys(), transport=bedrock, max_retries=0)
    # The SDK joins "//host/..." to its base URL as a path, never as a host.
    await settle(client.get("//evil.example/x", cast_to=http_lib.Response))
    assert (bedrock.last.url.scheme, bedrock.last.url.host) == ("https", HOST)


@pytest.mark.parametrize("url", FOREIGN)
async def test_copies_pointed_elsewhere_are_refused(
    factory: Factory, bedrock: FakeBedrock, url: str
) -> None:
    provider = Provider()
    base = url.removesuffix("/chat/completions")
    for client in clients(factory, bedrock, provider):
        for copy in (client.copy(base_url=base), client.with_options(base_url=base)):
            await refused(lambda c=copy: c.chat.completions.create(model=MODEL, messages=HELLO))
            await refused(
                lambda c=copy: c.chat.completions.create(model=MODEL, messages=HELLO, stream=True)
            )
    assert bedrock.requests == []
    assert provider.calls == 0


async def test_copies_keep_the_origin_and_still_authenticate(
    factory: Factory, bedrock: FakeBedrock
) -> None:
    provider = Provider()
    for client in clients(factory, bedrock, provider):
        for copy in (
            client.copy(),
            client.copy(timeout=5, max_retries=1),
            client.with_options(default_headers={"X-Trace": "1"}),
            client.copy(base_url=RUNTIME_URL.upper().replace("HTTPS", "https")),
        ):
            await settle(copy.chat.completions.create(model=MODEL, messages=HELLO))
            assert bedrock.last.url.host == HOST
            assert bedrock.last.headers["Authorization"] != "Bearer openai-bedrock-placeholder"
    assert len(bedrock.requests) == 12
    assert provider.calls == 4


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize(
    "location", ["https://elsewhere.example/x", f"https://{HOST}/openai/v1/other"]
)
async def test_redirects_are_never_followed(
    factory: Factory, bedrock: FakeBedrock, status: int, location: str
) -> None:
    bedrock.queue(http_lib.Response(status, headers={"Location": location}))
    client = factory(**static_keys(), transport=bedrock, max_retries=0)
    with pytest.raises(openai.APIStatusError) as caught:
        await settle(client.chat.completions.create(model=MODEL, messages=HELLO))
    assert caught.value.status_code == status
    assert len(bedrock.requests) == 1


@pytest.mark.parametrize(
    "location",
    [
        "https://elsewhere.example/x",
        f"http://{HOST}/openai/v1/x",
        f"https://{HOST}:444/openai/v1/x",
        "//elsewhere.example/x",
    ],
)
async def test_a_forced_redirect_to_another_origin_is_refused_unsigned(
    factory: Factory, bedrock: FakeBedrock, location: str
) -> None:
    bedrock.queue(http_lib.Response(308, headers={"Location": location}))
    client = factory(region="us-west-2", api_key=API_KEY, transport=bedrock)
    # Drive httpx's redirect logic directly, as a caller forcing follow_redirects would.
    with pytest.raises(openai_bedrock.ForeignOriginError):
        await settle(
            client._client.post(f"{RUNTIME_URL}/chat/completions", json={}, follow_redirects=True)
        )
    assert [r.url.host for r in bedrock.requests] == [HOST]


async def test_a_refusal_never_repeats_a_password_from_the_url(
    factory: Factory, bedrock: FakeBedrock
) -> None:
    client = factory(**static_keys(), transport=bedrock, max_retries=0)
    error = await refused(
        lambda: client.get("https://user:hunter2pass@elsewhere.example/", cast_to=http_lib.Response)
    )
    assert "elsewhere.example" in str(error)
    assert "hunter2pass" not in str(error)
