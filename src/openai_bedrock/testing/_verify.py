"""Check a request's authentication the way Bedrock does, from the request as received.

The SigV4 check recomputes the signature with botocore's ``SigV4Auth`` building blocks
(canonical query string, canonical headers, string to sign, signature), independently of
the client's own signer (``openai_bedrock._sigv4*``): the canonical request is assembled here
from exactly the headers the client says it signed, and the payload hash is computed
from the body received, never taken from ``X-Amz-Content-SHA256``. ``add_auth`` is not
used: it logs the canonical request and signature at DEBUG.

Rules, from https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
and docs/wire.md sections 2 and 5: credential scope ``<key>/<yyyymmdd>/<region>/
<service>/aws4_request`` with the date of ``X-Amz-Date``; ``host`` and ``x-amz-date``
signed; a session token, when the credentials have one, sent and signed as
``X-Amz-Security-Token``; request time within 5 minutes of the server's clock.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
import string
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, NamedTuple, Optional
from urllib.parse import quote, urlsplit

from . import _shapes as shapes

SIGV4_PREFIX = "AWS4-HMAC-SHA256 "
_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 +Credential=(?P<credential>[^, ]+), *"
    r"SignedHeaders=(?P<signed>[^, ]+), *Signature=(?P<signature>[0-9a-f]{64})"
)
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
SKEW = dt.timedelta(minutes=5)


class Keys(NamedTuple):
    """The credentials the emulator accepts right now."""

    access_key_id: str
    secret_access_key: str
    session_token: Optional[str]
    api_key: str
    extra_api_keys: frozenset[str] = frozenset()


class Verdict(NamedTuple):
    """``error`` is None when the request authenticated; ``reason`` explains a failure
    in plain words (recorded on the request, never sent)."""

    auth: Optional[str]  # "sigv4", "bearer" or None
    error: Optional[shapes.ErrorReply]
    reason: str = ""


class _SignedHeaders(dict[str, list[str]]):
    """The ``get_all`` view of headers that ``SigV4Auth.canonical_headers`` reads."""

    def get_all(self, name: str) -> list[str]:
        return self[name]


def _parse_amz_date(value: str) -> dt.datetime:
    """``YYYYMMDDTHHMMSSZ`` as a UTC datetime (strptime is slow and locale-bound)."""
    if len(value) != 16 or value[8] != "T" or value[15] != "Z":
        raise ValueError(value)
    return dt.datetime(
        int(value[0:4]),
        int(value[4:6]),
        int(value[6:8]),
        int(value[9:11]),
        int(value[11:13]),
        int(value[13:15]),
        tzinfo=dt.timezone.utc,
    )


def _same(given: str, secret: str) -> bool:
    """Constant-time comparison that also takes non-ASCII input (as bytes)."""
    return hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8"))


def _fail(auth: Optional[str], error: shapes.ErrorReply, reason: str) -> Verdict:
    return Verdict(auth, error, reason)


def authenticate(
    *,
    method: str,
    target: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    keys: Keys,
    service: str,
    region: str,
    now: dt.datetime,
    also_service: Optional[str] = None,
) -> Verdict:
    """Decide whether a request is authentic.

    Args:
        method: The request method.
        target: The request target as received (path and query, percent-encoded).
        headers: All request headers as received, in order (names in any case).
        body: The request body as received.
        keys: The accepted credentials and API keys.
        service: The expected SigV4 signing name (``bedrock`` or ``bedrock-mantle``).
        also_service: Another signing name accepted (mantle also accepts
            ``bedrock``, as the live service was seen to: docs/wire.md, "Signing").
        region: The expected region.
        now: The server's clock (UTC), clock offset included.
    """
    authorizations = [v for n, v in headers if n.lower() == "authorization"]
    if not authorizations:
        return _fail(None, shapes.missing_authentication(), "no Authorization header")
    authorization = authorizations[0]
    if authorization[:7].lower() == "bearer ":
        key = authorization[7:].strip()
        accepted = (keys.api_key, *keys.extra_api_keys)
        if any(_same(key, a) for a in accepted):
            return Verdict("bearer", None)
        return _fail("bearer", shapes.invalid_api_key(), "the Bearer value is not an API key")
    if not authorization.startswith(SIGV4_PREFIX):
        return _fail(
            None,
            shapes.incomplete_signature("Authorization header requires AWS4-HMAC-SHA256."),
            "Authorization is neither SigV4 nor Bearer",
        )
    return _check_sigv4(method, target, headers, body, keys, service, region, now, also_service)


def _check_sigv4(
    method: str,
    target: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    keys: Keys,
    service: str,
    region: str,
    now: dt.datetime,
    also_service: Optional[str] = None,
) -> Verdict:
    from botocore.auth import SigV4Auth
    from botocore.credentials import Credentials
    from botocore.utils import normalize_url_path

    by_name: dict[str, list[str]] = {}
    for name, value in headers:
        by_name.setdefault(name.lower(), []).append(value)
    match = _AUTHORIZATION.fullmatch(by_name["authorization"][0].strip())
    if match is None:
        return _fail(
            "sigv4",
            shapes.incomplete_signature(
                "Authorization header requires 'Credential', 'SignedHeaders' and "
                "'Signature' parameters."
            ),
            "malformed SigV4 Authorization header",
        )
    scope = match["credential"].split("/")
    signed = match["signed"].split(";")
    if len(scope) != 5 or scope[4] != "aws4_request":
        return _fail(
            "sigv4",
            shapes.incomplete_signature(
                "Credential should be '<key>/<date>/<region>/<service>/aws4_request'."
            ),
            f"malformed credential scope {'/'.join(scope[1:])!r}",
        )
    access_key, date, scope_region, scope_service = scope[:4]
    if not _same(access_key, keys.access_key_id):
        return _fail("sigv4", shapes.unrecognized_client(), "unknown access key id")
    for required in ("host", "x-amz-date"):
        if required not in signed:
            return _fail(
                "sigv4",
                shapes.signature_mismatch(),
                f"{required!r} is not among the signed headers",
            )
    missing = [name for name in signed if name not in by_name]
    if missing:
        return _fail("sigv4", shapes.signature_mismatch(), f"signed headers not sent: {missing}")
    token = by_name.get("x-amz-security-token", [None])[0]
    if keys.session_token is not None or token is not None:
        if token is None or keys.session_token is None:
            return _fail(
                "sigv4", shapes.unrecognized_client(), "session token missing or unexpected"
            )
        if not _same(token, keys.session_token):
            return _fail("sigv4", shapes.unrecognized_client(), "wrong session token")
        if "x-amz-security-token" not in signed:
            return _fail("sigv4", shapes.signature_mismatch(), "the session token is not signed")
    amz_date = by_name["x-amz-date"][0]
    try:
        request_time = _parse_amz_date(amz_date)
    except ValueError:
        return _fail(
            "sigv4",
            shapes.incomplete_signature(f"Invalid X-Amz-Date: {amz_date!r}."),
            "X-Amz-Date is not YYYYMMDDTHHMMSSZ",
        )
    if date != amz_date[:8]:
        return _fail(
            "sigv4",
            shapes.signature_mismatch(),
            f"credential scope date {date} is not the date of X-Amz-Date {amz_date}",
        )
    if scope_region != region:
        return _fail(
            "sigv4",
            shapes.signature_mismatch(),
            f"credential scope region {scope_region!r}, expected {region!r}",
        )
    if scope_service == also_service:
        service = scope_service
    if scope_service != service:
        return _fail(
            "sigv4",
            shapes.signature_mismatch(),
            f"credential scope service {scope_service!r}, expected {service!r}",
        )
    server = now.strftime(_AMZ_DATE)
    if request_time < now - SKEW:
        earliest = (now - SKEW).strftime(_AMZ_DATE)
        return _fail(
            "sigv4",
            shapes.signature_expired(amz_date, server, earliest),
            "signed more than 5 minutes before the server's clock",
        )
    if request_time > now + SKEW:
        latest = (now + SKEW).strftime(_AMZ_DATE)
        return _fail(
            "sigv4",
            shapes.signature_not_yet_current(amz_date, server, latest),
            "signed more than 5 minutes after the server's clock",
        )

    # The canonical request, from exactly the headers the client says it signed.
    # normalize_url_path + quote(safe="/~") is what SigV4Auth._normalize_url_path does.
    parts = urlsplit(target)
    signed_headers = _SignedHeaders((name, by_name[name]) for name in signed)
    # What SigV4Auth reads from a request (botocore's AWSRequest is slow to build).
    request = SimpleNamespace(
        url=f"http://{by_name['host'][0]}{target}", params=None, context={"timestamp": amz_date}
    )
    signer: Any = SigV4Auth(
        Credentials(keys.access_key_id, keys.secret_access_key, keys.session_token),
        service,
        region,
    )
    canonical = "\n".join(
        [
            method.upper(),
            quote(normalize_url_path(parts.path), safe="/~"),
            signer.canonical_query_string(request),
            signer.canonical_headers(signed_headers) + "\n",
            ";".join(signed),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if _same(expected, match["signature"]):
        return Verdict("sigv4", None)
    declared = by_name.get("x-amz-content-sha256", [None])[0]
    reason = "signature does not match the request as received"
    if declared is not None and declared != hashlib.sha256(body).hexdigest():
        reason += " (X-Amz-Content-SHA256 is not the SHA-256 of the body)"
    if signed != sorted(signed):
        reason += " (SignedHeaders is not sorted)"
    return _fail("sigv4", shapes.signature_mismatch(), reason)


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_keys(session_token: bool, extra_api_keys: frozenset[str] = frozenset()) -> Keys:
    """Credentials in AWS's formats, so scrubbers and validators treat them as real."""
    upper = string.ascii_uppercase + string.digits
    secret_alphabet = string.ascii_letters + string.digits + "+/"
    inner = (
        f"BedrockAPIKey-{_random(upper.lower(), 4)}-at-123456789012:{_random(secret_alphabet, 60)}"
    )
    return Keys(
        access_key_id=("ASIA" if session_token else "AKIA") + _random(upper, 16),
        secret_access_key=_random(secret_alphabet, 40),
        session_token=("IQoJb3JpZ2luX2Vj" + _random(secret_alphabet, 120))
        if session_token
        else None,
        api_key="ABSK" + base64.b64encode(inner.encode()).decode(),
        extra_api_keys=extra_api_keys,
    )
