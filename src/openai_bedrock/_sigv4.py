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

# Headers left out of the signature, each for a reason. botocore's own list
# (botocore.auth.SIGNED_HEADERS_BLACKLIST) covers hop-by-hop and tracing headers.
UNSIGNED_HEADERS = frozenset(
    {
        # botocore's list: hop-by-hop or rewritten by proxies and HTTP stacks.
        "baggage",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "traceparent",
        "tracestate",
        "trailer",
        "transfer-encoding",
        "upgrade",
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
