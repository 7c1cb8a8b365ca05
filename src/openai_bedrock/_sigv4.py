"""AWS Signature Version 4 over plain values, in pure Python.

Why not call botocore per request: ``SigV4Auth.add_auth`` costs about 75 us per call
(an ``AWSRequest``, an ``email.message``-based header map built twice, four HMACs to
derive the signing key every time) and logs the canonical request, session token
included, on the ``botocore.auth`` logger at DEBUG; it also reads the wall clock
itself, where we need an injectable clock. The algorithm below costs a few
microseconds: the signing key is derived once per (secret, day, region, service), and
the canonical request's fixed parts once per (method, URL, signed headers), both
cached, so a request only hashes its body, fills in its date and hash, and computes
one HMAC. It reproduces botocore's ``SigV4Auth`` byte for byte (canonical request,
string to sign, Authorization header): ``tests/unit/test_sigv4_equivalence.py`` checks
that on thousands of randomized requests against the installed botocore.

The canonical request's rules are in ``_sigv4_canonical``; the cached signer a client
uses per request is ``_sigv4_signer.Signer``.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import hmac
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from ._sigv4_canonical import Template, raw_request_template, request_template, signed_items

ALGORITHM = "AWS4-HMAC-SHA256"


class FrozenCredentials(NamedTuple):
    """One consistent snapshot of AWS credentials (botocore's ReadOnlyCredentials)."""

    access_key: str
    secret_key: str
    token: str | None


class StaticCredentials:
    """Fixed access key / secret / token: the static-key path without botocore.

    Has the part of botocore's ``Credentials`` interface that ``SigV4Auth`` uses, so
    building a client from static keys needs no botocore import.
    """

    method = "explicit"

    def __init__(self, access_key: str, secret_key: str, token: str | None = None) -> None:
        self._frozen = FrozenCredentials(access_key, secret_key, token)

    def get_frozen_credentials(self) -> FrozenCredentials:
        return self._frozen

    def __repr__(self) -> str:
        return f"{type(self).__name__}(method={self.method!r})"


# The signing clock, in seconds since the epoch: the one seam for tests (and the clock
# that clock-skew correction offsets). time.time itself, not a function around it, as
# it is read on every request.
timestamp: Callable[[], float] = time.time


def utcnow() -> _dt.datetime:
    """The signing clock as an aware UTC datetime."""
    return _dt.datetime.fromtimestamp(timestamp(), _dt.timezone.utc)


class Hmac(NamedTuple):
    """HMAC-SHA256 under one key, with the keyed inner and outer hash states kept.

    RFC 2104 (https://www.rfc-editor.org/rfc/rfc2104): HMAC(K, m) = H((K ^ opad) ||
    H((K ^ ipad) || m)). Copying the two keyed SHA-256 states costs a fraction of
    keying a new ``hmac`` object per request; the result is the same bytes
    (``tests/unit/test_sigv4_equivalence.py`` compares with botocore, which uses ``hmac``).
    """

    inner: Any  # hashlib sha256 object; never updated, only copied
    outer: Any

    @classmethod
    def keyed(cls, key: bytes) -> Hmac:
        block = key.ljust(64, b"\0")  # SHA-256 block size; our keys are 32 bytes
        return cls(
            hashlib.sha256(bytes(b ^ 0x36 for b in block)),
            hashlib.sha256(bytes(b ^ 0x5C for b in block)),
        )

    def hexdigest(self, message: bytes) -> str:
        inner = self.inner.copy()
        inner.update(message)
        outer = self.outer.copy()
        outer.update(inner.digest())
        return str(outer.hexdigest())


@functools.lru_cache(maxsize=64)
def signing_key(secret_key: str, datestamp: str, region: str, service: str) -> Hmac:
    """kSigning = HMAC chain over date, region, service and "aws4_request".

    Cached per (secret, day, region, service): it changes once a day or when the
    credentials rotate. ``lru_cache`` is thread-safe (concurrent misses at worst
    derive the same key twice), and the cached hash states are only ever copied;
    https://docs.python.org/3/library/functools.html#functools.lru_cache
    """
    key = hmac.digest(("AWS4" + secret_key).encode("utf-8"), datestamp.encode("utf-8"), "sha256")
    for part in (region, service, "aws4_request"):
        key = hmac.digest(key, part.encode("utf-8"), "sha256")
    return Hmac.keyed(key)


class Signature(NamedTuple):
    """Every intermediate of one signature (for tests and debugging; holds no secret)."""

    canonical_request: str
    string_to_sign: str
    signed_headers: str
    headers: dict[str, str]  # to set on the request, Authorization included


# The last (second, X-Amz-Date) formatted: consecutive requests mostly share a second.
# Replaced as a whole tuple, so threads never see a torn pair.
_last_date: tuple[float, str] = (float("nan"), "")


def _amz_date(now: _dt.datetime) -> str:
    global _last_date
    second = now.timestamp() // 1
    last = _last_date
    if last[0] == second:
        return last[1]
    utc = now.astimezone(_dt.timezone.utc)
    text = (
        f"{utc.year:04d}{utc.month:02d}{utc.day:02d}T"
        f"{utc.hour:02d}{utc.minute:02d}{utc.second:02d}Z"
    )
    _last_date = (second, text)
    return text


def signature(
    *,
    method: str,
    url: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    credentials: FrozenCredentials,
    service: str,
    region: str,
    now: _dt.datetime,
) -> Signature:
    """The SigV4 signature of a request, with its canonical request and string to sign."""
    return _signature(method, url, headers, body, credentials, service, region, now)


def _signature(
    method: str,
    url: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    credentials: FrozenCredentials,
    service: str,
    region: str,
    now: _dt.datetime,
) -> Signature:
    token = credentials.token
    items = tuple(headers)
    try:
        template = request_template(method, url, items, bool(token))
    except TypeError:  # pairs given as lists: unhashable
        items = tuple((name, value) for name, value in items)
        template = request_template(method, url, items, bool(token))
    return _fill(template, body, credentials, service, region, now)


def _fill(
    template: Template,
    body: bytes,
    credentials: FrozenCredentials,
    service: str,
    region: str,
    now: _dt.datetime,
) -> Signature:
    """The signature from a canonical-request template: the per-request work."""
    amz_date, _, token, authorization, canonical_request, string_to_sign = _values(
        template, body, credentials, service, region, now
    )
    added = {"X-Amz-Date": amz_date}
    if token:
        added["X-Amz-Security-Token"] = token
    added["Authorization"] = authorization
    return Signature(canonical_request, string_to_sign, template[1], added)


def _values(
    template: Template,
    body: bytes,
    credentials: FrozenCredentials,
    service: str,
    region: str,
    now: _dt.datetime,
) -> tuple[str, str, str | None, str, str, str]:
    """Date, payload hash, token, Authorization, canonical request, string to sign."""
    form, signed_headers = template
    amz_date = _amz_date(now)
    payload_hash = hashlib.sha256(body).hexdigest()
    token = credentials.token
    trimmed_token = " ".join(token.split()) if token else ""
    canonical_request = form.format(payload_hash, amz_date, trimmed_token)
    datestamp = amz_date[:8]
    scope = f"{datestamp}/{region}/{service}/aws4_request"
    string_to_sign = (
        f"{ALGORITHM}\n{amz_date}\n{scope}\n"
        f"{hashlib.sha256(canonical_request.encode('utf-8')).hexdigest()}"
    )
    key = signing_key(credentials.secret_key, datestamp, region, service)
    authorization = (
        f"{ALGORITHM} Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={key.hexdigest(string_to_sign.encode())}"
    )
    return amz_date, payload_hash, token, authorization, canonical_request, string_to_sign


_DATE_KEY = (b"X-Amz-Date", b"x-amz-date")
_TOKEN_KEY = (b"X-Amz-Security-Token", b"x-amz-security-token")
_AUTHORIZATION_KEY = (b"Authorization", b"authorization")


def sign_raw(
    method: str,
    url: str,
    items: Sequence[tuple[bytes, bytes, bytes]],
    encoding: Callable[[], str],
    body: bytes,
    credentials: FrozenCredentials,
    service: str,
    region: str,
    now: _dt.datetime,
    value_encoding: str = "utf-8",
) -> list[tuple[bytes, bytes, bytes]]:
    """``sign()`` over httpx's raw header tuples; the same headers, as raw tuples.

    ``encoding`` returns the encoding httpx decodes these headers with; it is only
    called for signed headers that are not ASCII (which are then not cached).
    ``value_encoding`` encodes the values added (httpx's choice when it sets one).
    """
    with_token = bool(credentials.token)
    signed = signed_items(items)
    try:
        template = raw_request_template(method, url, signed, with_token)
    except UnicodeDecodeError:
        chosen = encoding()
        headers = tuple((raw.decode(chosen), value.decode(chosen)) for raw, _, value in signed)
        template = request_template(method, url, headers, with_token)
    amz_date, _, token, authorization, _, _ = _values(
        template, body, credentials, service, region, now
    )
    added = [(*_DATE_KEY, amz_date.encode())]
    if token:
        added.append((*_TOKEN_KEY, token.encode(value_encoding)))
    added.append((*_AUTHORIZATION_KEY, authorization.encode(value_encoding)))
    return added


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
        ``X-Amz-Date``, ``X-Amz-Security-Token`` (when the
        credentials carry a session token) and ``Authorization``, to set on the request.
    """
    return _signature(method, url, headers, body, credentials, service, region, now).headers
