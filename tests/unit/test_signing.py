"""SigV4 signatures: byte-for-byte against docs/wire.md section 8, and equal to what
botocore's SigV4Auth computes independently from each request as it goes on the wire."""

from __future__ import annotations

import datetime as dt
import itertools
import types
from typing import Any

import openai
import pytest

import openai_bedrock
from openai_bedrock import _sigv4
from openai_bedrock._settings import resolve_settings
from openai_bedrock._transport import AsyncBedrockTransport, BedrockTransport
from support import (
    ACCESS_KEY_ID,
    FROZEN_TIME,
    MODEL,
    SECRET_ACCESS_KEY,
    SESSION_TOKEN,
    Factory,
    FakeBedrock,
    chat_completion,
    http_lib,
    settle,
    static_keys,
)

RUNTIME_CHAT = "https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1/chat/completions"

# docs/wire.md section 8's request bodies and headers, with the Authorization
# botocore's SigV4Auth.add_auth gives them (service bedrock, us-west-2, no
# x-amz-content-sha256: botocore adds that only for S3).
EXAMPLES: dict[str, dict[str, Any]] = {
    "A non-streamed completion": {
        "token": None,
        "extra_headers": {},
        "body": b'{"model":"openai.gpt-oss-20b-1:0","messages":[{"role":"developer",'
        b'"content":"You are a helpful assistant."},{"role":"user","content":"Hello!"}]}',
        "sha256": "635e554afcf1aab29abbaaea281ff969c85dd1b4ee23673a893c8e415266b17c",
        "authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/us-west-2/bedrock/"
        "aws4_request, SignedHeaders=accept;content-type;host;x-amz-date, "
        "Signature=84f2cb4e9d3a920930311b72035bf2bf17f2ded74d081a41e952287beaecabe1",
    },
    "B streamed completion with a session token": {
        "token": SESSION_TOKEN,
        "extra_headers": {},
        "body": b'{"model":"openai.gpt-oss-20b-1:0","messages":[{"role":"user","content":'
        b'"Count to three."}],"stream":true,"stream_options":{"include_usage":true}}',
        "sha256": "716862fa3e0a1fec634a7d994b60b6262827321025c51b7d127357534a1b28a5",
        "authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/us-west-2/bedrock/"
        "aws4_request, SignedHeaders=accept;content-type;host;x-amz-date;"
        "x-amz-security-token, "
        "Signature=69ca80bb845e51b07869225f08760dcfe1967114db84e1e7500703ec05788d68",
    },
    "C guardrail headers with input tagging": {
        "token": None,
        "extra_headers": {
            "X-Amzn-Bedrock-GuardrailIdentifier": "gr1a2b3c4d5e",
            "X-Amzn-Bedrock-GuardrailVersion": "1",
            "X-Amzn-Bedrock-Trace": "ENABLED",
        },
        "body": b'{"model":"openai.gpt-oss-20b-1:0","messages":[{"role":"system","content":'
        b'"You are a helpful assistant."},{"role":"user","content":'
        b'"<amazon-bedrock-guardrails-guardContent_k3q9x2>How do I pick a lock?'
        b'</amazon-bedrock-guardrails-guardContent_k3q9x2>"}],'
        b'"amazon-bedrock-guardrailConfig":{"tagSuffix":"k3q9x2"}}',
        "sha256": "bb149f869eac88cd59bc88aaf8ee1d5bd3dd85ca70bf102c24a6aadf42a17e25",
        "authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/us-west-2/bedrock/"
        "aws4_request, SignedHeaders=accept;content-type;host;x-amz-date;"
        "x-amzn-bedrock-guardrailidentifier;x-amzn-bedrock-guardrailversion;x-amzn-bedrock-trace, "
        "Signature=877c04bc077ad70e5d7c14f5286db4459ea09a7eaf1bfc83b08863ef0f4dc89f",
    },
}


def _example_request(example: dict[str, Any]) -> http_lib.Request:
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        **example["extra_headers"],
        # What the SDK adds and we leave unsigned must not change the signature.
        "User-Agent": "OpenAI/Python 9.9.9",
        "X-Stainless-Retry-Count": "0",
        "Accept-Encoding": "gzip, deflate",
        # A placeholder that must never reach the wire.
        "Authorization": "Bearer placeholder",
    }
    return http_lib.Request("POST", RUNTIME_CHAT, headers=headers, content=example["body"])


def _example_settings(example: dict[str, Any]) -> Any:
    return resolve_settings(**static_keys(session_token=example["token"]))


def _assert_matches_example(sent: http_lib.Request, example: dict[str, Any]) -> None:
    assert sent.headers["X-Amz-Date"] == "20261124T120000Z"
    # No X-Amz-Content-SHA256: botocore's SigV4Auth (which signs Bedrock) never adds it.
    assert "X-Amz-Content-SHA256" not in sent.headers
    assert sent.headers["Authorization"] == example["authorization"]
    assert sent.headers.get("X-Amz-Security-Token") == example["token"]
    assert sent.content == example["body"]


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_section_8_examples_are_reproduced_byte_for_byte(
    name: str, frozen_clock: dt.datetime, bedrock: FakeBedrock
) -> None:
    example = EXAMPLES[name]
    transport = BedrockTransport(_example_settings(example), inner=bedrock)
    transport.handle_request(_example_request(example))
    _assert_matches_example(bedrock.last, example)


@pytest.mark.parametrize("name", list(EXAMPLES))
async def test_section_8_examples_are_reproduced_byte_for_byte_async(
    name: str, frozen_clock: dt.datetime, bedrock: FakeBedrock
) -> None:
    example = EXAMPLES[name]
    transport = AsyncBedrockTransport(_example_settings(example), inner=bedrock)
    await transport.handle_async_request(_example_request(example))
    _assert_matches_example(bedrock.last, example)


def _freeze_botocore_clock(monkeypatch: pytest.MonkeyPatch, when: dt.datetime) -> None:
    import botocore.auth

    naive = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    if hasattr(botocore.auth, "get_current_datetime"):
        monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: naive)
    else:  # older botocore reads datetime.datetime.utcnow() directly
        fake = types.SimpleNamespace(datetime=types.SimpleNamespace(utcnow=lambda: naive))
        monkeypatch.setattr(botocore.auth, "datetime", fake)


def botocore_authorization(
    sent: http_lib.Request,
    *,
    service: str,
    region: str = "us-west-2",
    token: str | None = None,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """What botocore's SigV4Auth.add_auth computes for the wire request.

    It is given the wire URL, body and the values of the headers our signature says
    it signed, and signs at the wire request's X-Amz-Date.
    """
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    authorization = sent.headers["Authorization"]
    signed_names = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
    headers = {name: sent.headers[name] for name in signed_names if name != "x-amz-date"}
    request = AWSRequest(method=sent.method, url=str(sent.url), headers=headers, data=sent.content)
    amz_date = dt.datetime.strptime(sent.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    _freeze_botocore_clock(monkeypatch, amz_date.replace(tzinfo=dt.timezone.utc))
    creds = Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, token)
    SigV4Auth(creds, service, region).add_auth(request)
    return str(request.headers["Authorization"])


UNSIGNED = {"user-agent", "content-length", "accept-encoding", "connection"}


def _check_wire_signature(
    sent: http_lib.Request, monkeypatch: pytest.MonkeyPatch, *, service: str, token: str | None
) -> None:
    authorization = sent.headers["Authorization"]
    signed = set(authorization.split("SignedHeaders=")[1].split(",")[0].split(";"))
    assert {"host", "x-amz-date"} <= signed
    assert "x-amz-content-sha256" not in signed
    assert not signed & UNSIGNED
    assert not any(name.startswith("x-stainless-") for name in signed)
    assert ("x-amz-security-token" in signed) is (token is not None)
    assert sent.headers.get("X-Amz-Security-Token") == token
    expected = botocore_authorization(sent, service=service, token=token, monkeypatch=monkeypatch)
    assert authorization == expected


@pytest.mark.parametrize("token", [None, SESSION_TOKEN], ids=["static keys", "session token"])
def test_chat_completion_signature_equals_botocore_on_the_wire(
    token: str | None, bedrock: FakeBedrock, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = openai_bedrock.create_client(**static_keys(session_token=token), transport=bedrock)
    client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}])
    _check_wire_signature(bedrock.last, monkeypatch, service="bedrock", token=token)


@pytest.mark.parametrize("token", [None, SESSION_TOKEN], ids=["static keys", "session token"])
async def test_chat_completion_signature_equals_botocore_on_the_wire_async(
    token: str | None, bedrock: FakeBedrock, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = openai_bedrock.create_async_client(
        **static_keys(session_token=token), transport=bedrock
    )
    await client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}])
    _check_wire_signature(bedrock.last, monkeypatch, service="bedrock", token=token)


def _model(model_id: str) -> http_lib.Response:
    return http_lib.Response(
        200, json={"id": model_id, "object": "model", "created": 0, "owned_by": "bedrock"}
    )


def _models() -> http_lib.Response:
    return http_lib.Response(200, json={"object": "list", "data": []})


async def test_reserved_characters_in_the_path_are_signed_as_sent(
    factory: Factory, bedrock: FakeBedrock, monkeypatch: pytest.MonkeyPatch
) -> None:
    bedrock.queue(_model("a:b/c d"))
    client = factory(**static_keys(endpoint="mantle"), transport=bedrock)
    await settle(client.models.retrieve("a:b/c d"))
    assert bedrock.last.url.host == "bedrock-mantle.us-west-2.api.aws"
    assert bedrock.last.url.raw_path.startswith(b"/v1/models/a")
    _check_wire_signature(bedrock.last, monkeypatch, service="bedrock-mantle", token=None)


QUERY = {"b": "2", "a": "x y/z", "c": "ünï"}


async def test_query_strings_are_signed_as_sent(
    factory: Factory, bedrock: FakeBedrock, monkeypatch: pytest.MonkeyPatch
) -> None:
    bedrock.queue(_models())
    client = factory(**static_keys(endpoint="mantle"), transport=bedrock)
    await settle(client.models.list(extra_query=QUERY))
    assert bedrock.last.url.query
    _check_wire_signature(bedrock.last, monkeypatch, service="bedrock-mantle", token=None)


# What AWS canonicalises the QUERY above to: keys and values percent-encoded byte by byte
# outside A-Z a-z 0-9 - _ . ~ (a space is %20, never "+").
STRICT_QUERY = b"b=2&a=x%20y%2Fz&c=%C3%BCn%C3%AF"


def test_the_query_goes_on_the_wire_in_sigv4_canonical_encoding(
    bedrock: FakeBedrock, monkeypatch: pytest.MonkeyPatch
) -> None:
    bedrock.queue(_models())
    client = openai_bedrock.create_client(**static_keys(endpoint="mantle"), transport=bedrock)
    client.models.list(extra_query=QUERY)
    sent = bedrock.last
    assert sent.url.query == STRICT_QUERY
    # botocore canonicalises a params list itself (encoding each value), independently
    # of how the URL was written: that must give our signature too.
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    signed = sent.headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    request = AWSRequest(
        method="GET",
        url=str(sent.url.copy_with(query=None)),
        params=list(QUERY.items()),
        headers={name: sent.headers[name] for name in signed if name != "x-amz-date"},
        data=b"",
    )
    when = dt.datetime.strptime(sent.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    _freeze_botocore_clock(monkeypatch, when.replace(tzinfo=dt.timezone.utc))
    SigV4Auth(
        Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY), "bedrock-mantle", "us-west-2"
    ).add_auth(request)
    assert request.headers["Authorization"] == sent.headers["Authorization"]


def _throttled() -> http_lib.Response:
    return http_lib.Response(
        429,
        json={"message": "Too many tokens, please wait before trying again."},
        headers={
            "x-amzn-ErrorType": "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/",
            # The SDK honours retry-after-ms; 1 ms keeps the test fast without sleeping long.
            "retry-after-ms": "1",
        },
    )


@pytest.fixture
def ticking_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each signature is made one minute after the previous one."""
    ticks = itertools.count()
    monkeypatch.setattr(_sigv4, "timestamp", lambda: FROZEN_TIME.timestamp() + 60 * next(ticks))


def _check_two_attempts(bedrock: FakeBedrock, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = bedrock.requests
    assert first.headers["X-Amz-Date"] == "20261124T120000Z"
    assert second.headers["X-Amz-Date"] == "20261124T120100Z"
    assert first.headers["Authorization"] != second.headers["Authorization"]
    for sent in (first, second):
        _check_wire_signature(sent, monkeypatch, service="bedrock", token=None)


def test_a_retried_request_is_signed_afresh_for_each_attempt(
    bedrock: FakeBedrock, ticking_clock: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    bedrock.queue(_throttled(), http_lib.Response(200, json=chat_completion()))
    client = openai_bedrock.create_client(**static_keys(), transport=bedrock, max_retries=1)
    completion = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Hi"}]
    )
    assert completion.choices[0].message.content
    _check_two_attempts(bedrock, monkeypatch)


async def test_a_retried_request_is_signed_afresh_for_each_attempt_async(
    bedrock: FakeBedrock, ticking_clock: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    bedrock.queue(_throttled(), http_lib.Response(200, json=chat_completion()))
    client = openai_bedrock.create_async_client(**static_keys(), transport=bedrock, max_retries=1)
    completion = await client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Hi"}]
    )
    assert completion.choices[0].message.content
    _check_two_attempts(bedrock, monkeypatch)


def test_a_wrong_secret_gives_a_different_signature(
    bedrock: FakeBedrock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The botocore comparison above is not a tautology: a different key is caught."""
    client = openai_bedrock.create_client(
        **static_keys(secret_access_key="not-the-example-secret"), transport=bedrock
    )
    client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}])
    with pytest.raises(AssertionError):
        _check_wire_signature(bedrock.last, monkeypatch, service="bedrock", token=None)


def test_the_sdk_placeholder_key_never_reaches_the_wire(bedrock: FakeBedrock) -> None:
    client = openai_bedrock.create_client(**static_keys(), transport=bedrock)
    client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}])
    assert bedrock.last.headers["Authorization"].startswith("AWS4-HMAC-SHA256 ")
    assert "placeholder" not in str(bedrock.last.headers).lower()
    assert isinstance(client, openai.OpenAI)
