"""vcrpy settings for Bedrock: scrub secrets before a cassette is written, and match
requests on what the caller sent rather than on per-attempt signature values.

Usage with pytest-recording::

    # conftest.py
    import pytest
    import openai_bedrock.testing

    @pytest.fixture(scope="module")
    def vcr_config():
        return openai_bedrock.testing.vcr_config()

or with vcrpy directly::

    import vcr
    import openai_bedrock.testing

    my_vcr = vcr.VCR(**openai_bedrock.testing.vcr_config(), cassette_library_dir="cassettes")
    with my_vcr.use_cassette("chat.yaml"):
        client = openai_bedrock.create_client(region="us-west-2")
        client.chat.completions.create(model="openai.gpt-oss-20b-1:0", messages=[...])

The scrubbers only duck-type vcrpy's request object and response dict, so importing
this module does not import vcrpy.
"""

from __future__ import annotations

import re
from typing import Any

PLACEHOLDER = "REDACTED"

# Replaced rather than dropped, so a cassette still shows that the request was signed.
_SIGNATURE_HEADERS = frozenset(
    {"authorization", "x-amz-security-token", "x-amz-date", "x-amz-content-sha256"}
)

# Secrets that may turn up anywhere: bodies, URLs (presigned query strings) and other
# header values. Each pattern keeps the harmless prefix in group 1, when it has one.
_SECRET_PATTERNS = (
    # Short-term Bedrock API key: a base64-encoded presigned URL.
    re.compile(r"()bedrock-api-key-[A-Za-z0-9+/]*=*"),
    # Long-term Bedrock API key: "ABSK" + base64.
    re.compile(r"()ABSK[A-Za-z0-9+/]{16,}=*"),
    # 8+ characters, so prose such as "Invalid Bearer token" stays readable.
    re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/-]{8,}=*"),
    # SigV4 signatures, in headers ("Signature=") and presigned URLs ("X-Amz-Signature=").
    re.compile(r"(Signature=)[0-9a-fA-F]+"),
    # Session tokens in presigned URLs ("X-Amz-Security-Token=...") and in the canonical
    # request that a signature-mismatch 403 quotes back ("x-amz-security-token:...").
    re.compile(r"(X-Amz-Security-Token\s*[=:]\s*)[^&\s\"'\\]+", re.IGNORECASE),
    # Secret keys and session tokens as JSON fields (STS / credential-process answers,
    # or code that sends its own credentials in a body): they have no telltale prefix.
    re.compile(
        r'("(?:aws_)?(?:secret_access_key|session_token)"\s*:\s*"|'
        r'"(?:SecretAccessKey|SessionToken)"\s*:\s*")[^"]+'
    ),
    # Access key ids. {7,} rather than the real length (16) also catches AWS's
    # documentation example AKIDEXAMPLE, so cassettes never look like they hold one.
    re.compile(r"()(?:AKIA|ASIA|AKID)[A-Z0-9]{7,}"),
)


def _scrub_text(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + PLACEHOLDER, text)
    return text


def _scrub(value: Any) -> Any:
    """Scrub a str or bytes value; anything else (file-like bodies, None) is left as is."""
    if isinstance(value, str):
        return _scrub_text(value)
    if isinstance(value, (bytes, bytearray)):
        # surrogateescape round-trips bytes that are not UTF-8 unchanged.
        text = bytes(value).decode("utf-8", "surrogateescape")
        return _scrub_text(text).encode("utf-8", "surrogateescape")
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value


def _fix_length(headers: Any, old: Any, new: Any) -> None:
    """Keep Content-Length true to a scrubbed body: some HTTP stubs enforce it on replay."""
    if new == old or not isinstance(new, (str, bytes)):
        return
    length = str(len(new.encode("utf-8", "surrogateescape") if isinstance(new, str) else new))
    for name in list(headers):
        if name.lower() == "content-length":
            headers[name] = [length] if isinstance(headers[name], list) else length


def scrub_request(request: Any) -> Any:
    """vcrpy ``before_record_request``: scrub a request (vcrpy passes a copy).

    vcrpy also runs it on live requests before matching them against a cassette, so
    scrubbed bodies and URLs still match.
    """
    for name in list(request.headers):
        if name.lower() in _SIGNATURE_HEADERS:
            request.headers[name] = PLACEHOLDER
        else:
            request.headers[name] = _scrub(request.headers[name])
    request.uri = _scrub_text(request.uri)
    body = request.body
    if isinstance(body, (str, bytes, bytearray)):  # not file-like or iterator bodies
        request.body = _scrub(body)
        _fix_length(request.headers, body, request.body)
    return request


def scrub_response(response: Any) -> Any:
    """vcrpy ``before_record_response``: scrub header values and the body of a response."""
    headers = response.get("headers") or {}
    for name in list(headers):
        headers[name] = _scrub(headers[name])
    body = response.get("body") or {}
    if "string" in body:
        old, body["string"] = body["string"], _scrub(body["string"])
        _fix_length(headers, old, body["string"])
    return response


def vcr_config() -> dict[str, Any]:
    """Settings for ``vcr.VCR(**...)`` or pytest-recording's ``vcr_config`` fixture.

    - ``Authorization``, ``X-Amz-Security-Token``, ``X-Amz-Date`` and
      ``X-Amz-Content-SHA256`` become ``"REDACTED"``; bearer values, access key ids,
      Bedrock API keys, signatures and presigned-URL session tokens are replaced
      wherever they appear (bodies, URLs, other headers), in requests and responses.
    - Requests match on method, scheme, host, port, path, query and body: never on
      signature headers or dates, which change on every attempt.
    """
    return {
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "decode_compressed_response": True,
        "match_on": ("method", "scheme", "host", "port", "path", "query", "body"),
    }
