"""AWS Signature Version 4 over plain values, computed by botocore.

botocore does the canonicalisation and HMAC work. We call ``SigV4Auth``'s building
blocks rather than ``add_auth`` because ``add_auth`` logs the canonical request
(session token included) and the signature on the ``botocore.auth`` logger at DEBUG,
and reads the wall clock itself, where we need an injectable clock.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Iterable
from typing import Any, NamedTuple
from urllib.parse import quote, unquote_plus

import httpx

# Headers left out of the signature, each for a reason. botocore's own list
# (botocore.auth.SIGNED_HEADERS_BLACKLIST) covers hop-by-hop and tracing headers.
UNSIGNED_HEADERS = frozenset(
    {
        # botocore's list. Hop-by-hop headers, which proxies consume or rewrite:
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        # Distributed-tracing context, which instrumentation may add or rewrite after
        # the request is signed:
        "baggage",
        "traceparent",
        "tracestate",
        # Multi-token User-Agent values must match byte for byte or AWS rejects the
        # signature, and proxies append to it; botocore never signs it either.
        "user-agent",
        "x-amzn-trace-id",  # added or rewritten by AWS load balancers and X-Ray
        # Set by the HTTP stack after we sign and dropped when a proxy re-frames the
        # body as chunked; the body itself is covered by x-amz-content-sha256.
        "content-length",
        # Proxies and HTTP stacks negotiate compression on their own.
        "accept-encoding",
        # The Authorization header carries the signature, so it cannot be signed.
        "authorization",
    }
)
# openai SDK telemetry headers (x-stainless-*: retry count, timeouts, versions) mean
# nothing to Bedrock; leaving them out keeps signatures independent of SDK versions.
UNSIGNED_PREFIXES = ("x-stainless-",)

ALGORITHM = "AWS4-HMAC-SHA256"


class FrozenCredentials(NamedTuple):
    """One consistent snapshot of AWS credentials (botocore's ReadOnlyCredentials)."""

    access_key: str
    secret_key: str
    token: str | None


def utcnow() -> _dt.datetime:
    """The signing clock (a seam for tests and for clock-skew correction)."""
    return _dt.datetime.now(_dt.timezone.utc)


_UNRESERVED = "-_.~"  # RFC 3986 unreserved characters besides letters and digits


def _encode(form_encoded: str) -> str:
    return quote(unquote_plus(form_encoded), safe=_UNRESERVED)


def canonical_query_url(url: httpx.URL) -> httpx.URL:
    """``url`` with its query encoded as SigV4's canonical form encodes it.

    httpx form-encodes query parameters (a space becomes "+"); AWS decodes them and
    percent-encodes every byte outside the unreserved set (a space becomes "%20").
    https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
    """
    if not url.query:
        return url
    pairs = (pair.partition("=") for pair in url.query.decode("ascii").split("&") if pair)
    query = "&".join(f"{_encode(key)}={_encode(value)}" for key, _, value in pairs)
    path = url.raw_path.split(b"?", 1)[0]
    return url.copy_with(raw_path=path + b"?" + query.encode("ascii"))


def is_signed(name: str) -> bool:
    lname = name.lower()
    return lname not in UNSIGNED_HEADERS and not lname.startswith(UNSIGNED_PREFIXES)


def sign(
    *,
    method: str,
    url: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    credentials: FrozenCredentials,
    service: str,
    region: str,
    now: _dt.datetime,
) -> dict[str, str]:
    """Return the headers that authenticate this request with SigV4.

    Args:
        method: HTTP method.
        url: The URL exactly as it goes on the wire (already percent-encoded).
        headers: The request's headers; those in ``UNSIGNED_HEADERS`` are skipped.
        body: The exact request body.
        credentials: A frozen snapshot, so refreshing credentials cannot change
            between the scope and the signature.
        service: SigV4 signing name (``bedrock`` or ``bedrock-mantle``).
        region: Region of the credential scope.
        now: Signing time (UTC).

    Returns:
        ``X-Amz-Date``, ``X-Amz-Content-SHA256``, ``X-Amz-Security-Token`` (when the
        credentials carry a session token) and ``Authorization``, to set on the request.
    """
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    amz_date = now.astimezone(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    added = {
        "X-Amz-Date": amz_date,
        # Always sent: Bedrock does not require it, but it costs nothing and lets a
        # proxy or the server check the body against the signature.
        "X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest(),
    }
    if credentials.token:
        added["X-Amz-Security-Token"] = credentials.token

    request = AWSRequest(method=method, url=url, data=body)
    lowered_added = {name.lower() for name in added}
    for name, value in headers:
        # HTTPHeaders appends on assignment, so repeated headers are kept in order.
        if is_signed(name) and name.lower() not in lowered_added:
            request.headers[name] = value
    for name, value in added.items():
        request.headers[name] = value
    request.context["timestamp"] = amz_date

    signer: Any = SigV4Auth(credentials, service, region)
    canonical_request = signer.canonical_request(request)
    string_to_sign = signer.string_to_sign(request, canonical_request)
    signature = signer.signature(string_to_sign, request)
    signed_headers = signer.signed_headers(signer.headers_to_sign(request))
    added["Authorization"] = (
        f"{ALGORITHM} Credential={signer.scope(request)}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )
    return added
