"""Credentials never show up in logs, reprs or errors, and refreshing them never
blocks the event loop."""

from __future__ import annotations

import json
import logging
import re
import threading
from typing import Any

import openai
import pytest

import openai_bedrock
from openai_bedrock._sigv4 import FrozenCredentials
from support import (
    API_KEY,
    MODEL,
    SECRET_ACCESS_KEY,
    SESSION_TOKEN,
    Factory,
    FakeBedrock,
    http_lib,
    raised,
    settle,
    static_keys,
)

HELLO = [{"role": "user", "content": "Hello!"}]
SECRETS = (SECRET_ACCESS_KEY, SESSION_TOKEN, API_KEY)
LOGGERS = ("", "openai_bedrock", "openai", "httpx", "httpcore", "botocore")


def _signatures(bedrock: FakeBedrock) -> list[str]:
    found = []
    for request in bedrock.requests:
        match = re.search(r"Signature=([0-9a-f]{64})", request.headers.get("Authorization", ""))
        if match:
            found.append(match.group(1))
    return found


def _denied() -> http_lib.Response:
    return http_lib.Response(
        403,
        json={"message": "The security token included in the request is invalid."},
        headers={"x-amzn-ErrorType": "UnrecognizedClientException:http://internal.amazon.com/"},
    )


def test_debug_logs_of_every_library_hold_no_secret(
    bedrock: FakeBedrock, caplog: pytest.LogCaptureFixture
) -> None:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    bedrock.queue(http_lib.Response(200, json={"object": "list", "data": []}), _denied())
    sigv4 = openai_bedrock.create_client(
        **static_keys(session_token=SESSION_TOKEN), transport=bedrock, max_retries=0
    )
    sigv4.chat.completions.create(model=MODEL, messages=HELLO)
    with pytest.raises(openai.PermissionDeniedError) as caught:
        sigv4.chat.completions.create(model=MODEL, messages=HELLO)
    bearer = openai_bedrock.create_client(api_key=API_KEY, region="us-west-2", transport=bedrock)
    bearer.chat.completions.create(model=MODEL, messages=HELLO)

    assert caplog.records, "DEBUG logging was not captured, so this test proves nothing"
    logged = caplog.text
    for secret in (*SECRETS, *_signatures(bedrock)):
        assert secret not in logged
        assert secret not in str(caught.value)
        assert secret not in repr(caught.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        static_keys(session_token=SESSION_TOKEN),
        {"api_key": API_KEY, "region": "us-west-2"},
        {"token_provider": lambda: API_KEY, "region": "us-west-2"},
    ],
    ids=["static keys and token", "api key", "token provider"],
)
def test_reprs_of_everything_we_create_hold_no_secret(
    factory: Factory, kwargs: dict[str, Any]
) -> None:
    client = factory(**kwargs)
    transport = client._client._transport
    settings = transport.settings  # type: ignore[attr-defined]
    shown = " ".join(
        text
        for obj in (client, client._client, transport, settings, settings.auth)
        for text in (repr(obj), str(obj))
    )
    for secret in SECRETS:
        assert secret not in shown


async def test_a_bad_token_from_the_provider_is_not_echoed(
    factory: Factory, bedrock: FakeBedrock
) -> None:
    leaked = "ABSKsecret\nInjected-Header: yes"
    client = factory(
        token_provider=lambda: leaked, region="us-west-2", transport=bedrock, max_retries=0
    )
    with pytest.raises(openai.OpenAIError) as caught:
        await settle(client.chat.completions.create(model=MODEL, messages=HELLO))
    error = raised(caught.value, openai_bedrock.CredentialsError)
    assert "ABSKsecret" not in str(error)
    assert "ABSKsecret" not in str(caught.value)
    assert bedrock.requests == []


class RotatingCredentials:
    """A refreshable credentials object that records where it was refreshed."""

    method = "custom-process"

    def __init__(self, *, due: bool) -> None:
        self.due = due
        self.threads: list[int] = []

    def get_credentials(self) -> RotatingCredentials:
        return self

    def refresh_needed(self) -> bool:
        return self.due

    def get_frozen_credentials(self) -> FrozenCredentials:
        self.threads.append(threading.get_ident())
        return FrozenCredentials("AKIDEXAMPLE", SECRET_ACCESS_KEY, SESSION_TOKEN)


async def test_a_due_refresh_runs_off_the_event_loop(bedrock: FakeBedrock) -> None:
    credentials = RotatingCredentials(due=True)
    client = openai_bedrock.create_async_client(
        region="us-west-2", session=credentials, transport=bedrock
    )
    await client.chat.completions.create(model=MODEL, messages=HELLO)
    assert credentials.threads
    assert threading.get_ident() not in credentials.threads
    assert bedrock.last.headers["X-Amz-Security-Token"] == SESSION_TOKEN


async def test_fresh_credentials_cost_no_thread_hop(bedrock: FakeBedrock) -> None:
    credentials = RotatingCredentials(due=False)
    client = openai_bedrock.create_async_client(
        region="us-west-2", session=credentials, transport=bedrock
    )
    await client.chat.completions.create(model=MODEL, messages=HELLO)
    assert credentials.threads == [threading.get_ident()]


def test_each_signature_uses_one_frozen_snapshot(bedrock: FakeBedrock) -> None:
    """Rotated credentials are picked up on the next request, never half-applied."""

    class Rotating(RotatingCredentials):
        generation = 0

        def get_frozen_credentials(self) -> FrozenCredentials:
            self.generation += 1
            n = self.generation
            return FrozenCredentials(f"AKIDGEN{n}", f"secret-{n}", f"token-{n}")

    client = openai_bedrock.create_client(
        region="us-west-2", session=Rotating(due=False), transport=bedrock
    )
    for _ in range(2):
        client.chat.completions.create(model=MODEL, messages=HELLO)
    for n, request in enumerate(bedrock.requests, start=1):
        assert f"Credential=AKIDGEN{n}/" in request.headers["Authorization"]
        assert request.headers["X-Amz-Security-Token"] == f"token-{n}"


async def test_the_sdks_request_object_never_holds_the_signature(
    factory: Factory, bedrock: FakeBedrock
) -> None:
    """Errors show the SDK's request; httpx masks only Authorization in header reprs."""
    bedrock.queue(_denied())
    client = factory(**static_keys(session_token=SESSION_TOKEN), transport=bedrock, max_retries=0)
    with pytest.raises(openai.PermissionDeniedError) as caught:
        await settle(client.chat.completions.create(model=MODEL, messages=HELLO))
    shown = repr(caught.value.request.headers) + repr(caught.value.response.request.headers)
    assert SESSION_TOKEN not in shown
    assert "x-amz-security-token" not in shown.lower()
    assert bedrock.last.headers["X-Amz-Security-Token"] == SESSION_TOKEN  # but it was sent


async def test_a_plain_token_provider_runs_off_the_event_loop(bedrock: FakeBedrock) -> None:
    threads: list[int] = []

    def mint() -> str:
        threads.append(threading.get_ident())
        return API_KEY

    client = openai_bedrock.create_async_client(
        token_provider=mint, region="us-west-2", transport=bedrock
    )
    await client.chat.completions.create(model=MODEL, messages=HELLO)
    assert threads
    assert threading.get_ident() not in threads
    assert bedrock.last.headers["Authorization"] == f"Bearer {API_KEY}"


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync client", "async client"])
async def test_a_failing_token_provider_is_a_credentials_error(
    bedrock: FakeBedrock, asynchronous: bool
) -> None:
    def broken() -> str:
        raise RuntimeError(f"vault said no for {API_KEY}")

    kwargs: dict[str, Any] = {
        "token_provider": broken,
        "region": "us-west-2",
        "transport": bedrock,
        "max_retries": 0,
    }
    if asynchronous:
        aclient = openai_bedrock.create_async_client(**kwargs)
        with pytest.raises(openai.OpenAIError) as caught:
            await aclient.chat.completions.create(model=MODEL, messages=HELLO)
    else:
        client = openai_bedrock.create_client(**kwargs)
        with pytest.raises(openai.OpenAIError) as caught:
            client.chat.completions.create(model=MODEL, messages=HELLO)
    error = raised(caught.value, openai_bedrock.CredentialsError)
    assert "token_provider raised RuntimeError" in str(error)
    assert API_KEY not in str(error)
    assert bedrock.requests == []


CANONICAL_STRING_403 = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. The Canonical String for this "
    "request should have been\n'POST\n/openai/v1/chat/completions\n\naccept:application/json\n"
    "content-type:application/json\nhost:bedrock-runtime.us-west-2.amazonaws.com\n"
    f"x-amz-date:20261124T120000Z\nx-amz-security-token:{SESSION_TOKEN}\n\n"
    "accept;content-type;host;x-amz-date;x-amz-security-token\n<hash>'"
)


@pytest.mark.parametrize(
    "body",
    [
        {"message": CANONICAL_STRING_403},
        {"error": {"code": "invalid_signature", "message": CANONICAL_STRING_403}},
        {"message": f"Request carried token {SESSION_TOKEN}"},
    ],
    ids=["AWS-style body", "OpenAI-style body", "the exact token anywhere"],
)
async def test_a_session_token_quoted_back_in_an_error_is_redacted(
    factory: Factory, bedrock: FakeBedrock, body: dict[str, Any]
) -> None:
    bedrock.queue(
        http_lib.Response(
            403,
            json=body,
            headers={"x-amzn-ErrorType": "InvalidSignatureException:http://internal.amazon.com/"},
        )
    )
    client = factory(**static_keys(session_token=SESSION_TOKEN), transport=bedrock, max_retries=0)
    with pytest.raises(openai.PermissionDeniedError) as caught:
        await settle(client.chat.completions.create(model=MODEL, messages=HELLO))
    shown = (
        f"{caught.value} {caught.value.message} {caught.value.body} {caught.value.response.text}"
    )
    assert SESSION_TOKEN not in shown
    assert "REDACTED" in shown


def test_the_cassette_scrubber_redacts_a_quoted_session_token() -> None:
    from openai_bedrock.testing import vcr_config

    response = {
        "headers": {},
        "body": {"string": json.dumps({"message": CANONICAL_STRING_403}).encode()},
    }
    scrubbed = vcr_config()["before_record_response"](response)
    assert SESSION_TOKEN.encode() not in scrubbed["body"]["string"]


def test_threads_sharing_a_client_never_mix_two_credential_sets(bedrock: FakeBedrock) -> None:
    """Each signature uses one snapshot even while other threads rotate credentials."""
    from concurrent.futures import ThreadPoolExecutor

    class RotatingEveryCall(RotatingCredentials):
        def __init__(self) -> None:
            super().__init__(due=False)
            self.lock = threading.Lock()
            self.generation = 0

        def get_frozen_credentials(self) -> FrozenCredentials:
            with self.lock:
                self.generation += 1
                n = self.generation
            return FrozenCredentials(f"AKIDGEN{n}", f"secret-{n}", f"token-{n}")

    client = openai_bedrock.create_client(
        region="us-west-2", session=RotatingEveryCall(), transport=bedrock
    )
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(
            pool.map(
                lambda _: client.chat.completions.create(model=MODEL, messages=HELLO), range(200)
            )
        )
    generations = set()
    for request in bedrock.requests:
        key = request.headers["Authorization"].split("Credential=AKIDGEN")[1].split("/")[0]
        assert request.headers["X-Amz-Security-Token"] == f"token-{key}"
        generations.add(key)
    assert len(generations) == 200
