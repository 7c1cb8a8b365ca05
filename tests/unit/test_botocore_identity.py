"""We sign exactly as AWS's own SDKs do: for any request our transport sends,
botocore's ``SigV4Auth(creds, service, region).add_auth``, given the same method, URL,
body, time and exactly the headers we signed, produces the identical Authorization.

Randomized with hypothesis over query strings, reserved and non-ASCII path
characters, empty bodies and session tokens, on both endpoints (runtime signs as
``bedrock``, mantle as ``bedrock-mantle``), through the general path and the hot path.
"""

from __future__ import annotations

import datetime as dt
import types
from typing import Any, Optional
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openai_bedrock._settings import resolve_settings
from openai_bedrock._transport import AsyncBedrockTransport, BedrockTransport
from support import ACCESS_KEY_ID, SECRET_ACCESS_KEY, FakeBedrock, http_lib, static_keys

BASES = {
    "runtime": ("https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1", "bedrock"),
    "mantle": ("https://bedrock-mantle.us-west-2.api.aws/v1", "bedrock-mantle"),
}
SEGMENT_CHARS = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="/?#%\\"
)
SEGMENTS = st.one_of(
    st.sampled_from(
        ["chat", "completions", "responses", "openai.gpt-oss-20b-1:0", "a:b", "!$&'()*+,;=@", "~"]
    ),
    st.text(SEGMENT_CHARS, min_size=1, max_size=12),
)
QUERY = st.lists(
    st.tuples(st.text(SEGMENT_CHARS, max_size=6), st.text(SEGMENT_CHARS, max_size=6)),
    max_size=4,
)
HEADER_VALUES = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=20)
TOKENS = st.one_of(st.none(), st.text(st.sampled_from("ABCDEFabcdef0123456789+/="), min_size=8))


def _freeze_botocore_clock(monkeypatch: pytest.MonkeyPatch, when: dt.datetime) -> None:
    import botocore.auth

    if hasattr(botocore.auth, "get_current_datetime"):
        monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: when)
    else:  # older botocore reads datetime.datetime.utcnow() directly
        fake = types.SimpleNamespace(datetime=types.SimpleNamespace(utcnow=lambda: when))
        monkeypatch.setattr(botocore.auth, "datetime", fake)


def botocore_authorization(
    sent: http_lib.Request, service: str, token: Optional[str], monkeypatch: pytest.MonkeyPatch
) -> str:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    signed = sent.headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    headers = {name: sent.headers[name] for name in signed if name != "x-amz-date"}
    request = AWSRequest(method=sent.method, url=str(sent.url), headers=headers, data=sent.content)
    when = dt.datetime.strptime(sent.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    with monkeypatch.context() as patch:
        _freeze_botocore_clock(patch, when)
        SigV4Auth(
            Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, token), service, "us-west-2"
        ).add_auth(request)
    return str(request.headers["Authorization"])


def _request(base: str, segments: list[str], query: list[tuple[str, str]], **kw: Any) -> Any:
    path = "/".join(quote(s, safe="!$&'()*+,;=@:~") for s in segments)
    url = f"{base}/{path}"
    if query:
        url += "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query)
    headers = {"Content-Type": "application/json", "Authorization": "Bearer placeholder"}
    if kw["custom"] is not None:
        headers["X-Custom"] = kw["custom"]
    if kw["sdk_placeholder"]:
        from openai_bedrock._signing import SDK_PLACEHOLDER_KEY

        headers["Authorization"] = f"Bearer {SDK_PLACEHOLDER_KEY}"  # the SDK's placeholder
    return http_lib.Request(kw["method"], url, headers=headers, content=kw["body"])


CASES = dict(
    endpoint=st.sampled_from(sorted(BASES)),
    segments=st.lists(SEGMENTS, min_size=1, max_size=4),
    query=QUERY,
    body=st.one_of(st.just(b""), st.binary(max_size=300)),
    token=TOKENS,
    method=st.sampled_from(["GET", "POST", "DELETE"]),
    custom=st.one_of(st.none(), HEADER_VALUES),
    sdk_placeholder=st.booleans(),
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(**CASES)
def test_every_signature_is_botocores(
    monkeypatch: pytest.MonkeyPatch, endpoint: str, token: Optional[str], **case: Any
) -> None:
    base, service = BASES[endpoint]
    wire = FakeBedrock()
    settings_ = resolve_settings(**static_keys(session_token=token, endpoint=endpoint))
    BedrockTransport(settings_, inner=wire).handle_request(_request(base, **case))

    sent = wire.last
    assert "x-amz-content-sha256" not in sent.headers
    assert sent.headers["Authorization"] == botocore_authorization(
        sent, service, token, monkeypatch
    )


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(**CASES)
async def test_every_async_signature_is_botocores(
    monkeypatch: pytest.MonkeyPatch, endpoint: str, token: Optional[str], **case: Any
) -> None:
    base, service = BASES[endpoint]
    wire = FakeBedrock()
    settings_ = resolve_settings(**static_keys(session_token=token, endpoint=endpoint))
    await AsyncBedrockTransport(settings_, inner=wire).handle_async_request(_request(base, **case))

    sent = wire.last
    assert "x-amz-content-sha256" not in sent.headers
    assert sent.headers["Authorization"] == botocore_authorization(
        sent, service, token, monkeypatch
    )
