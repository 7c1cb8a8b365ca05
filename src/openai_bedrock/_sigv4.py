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

The rules, from https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
and as botocore implements them (``SigV4Auth`` in
https://github.com/boto/botocore/blob/develop/botocore/auth.py, with ``normalize_url_path``
and ``remove_dot_segments`` from ``botocore/utils.py``):

- Canonical URI: the URL path with dot segments and empty segments removed (RFC 3986
  section 5.2.4, plus AWS's removal of consecutive slashes; every service but S3),
  then percent-encoded once more with ``/`` and ``~`` left alone (so an ``%`` already
  in the wire path is encoded again as ``%25``, as AWS expects for non-S3 services).
- Canonical query: the raw query split on ``&`` and ``=``, sorted by key then value,
  taken as written on the wire (``BedrockTransport`` first rewrites the query into the
  strict encoding, see ``canonical_query_url``).
- Canonical headers: names lowercased and sorted; repeated headers joined with ``,``
  in request order; each value trimmed and its internal whitespace runs collapsed to
  one space (``' '.join(value.split())``, exactly botocore's Trimall).
- Host comes from the ``Host`` header, or from the URL (lowercase, without a default
  port) when there is none.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import hmac
import operator
import string
import time
from binascii import hexlify
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple, TypeVar, Union
from urllib.parse import quote, unquote_plus, urlsplit

from ._http import http

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
        # body as chunked; the body itself is covered by the canonical request's
        # payload hash.
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

# What sign() leaves out of a request's own headers: the unsigned ones, and those it
# sets itself (X-Amz-Security-Token only when the credentials carry a token).
_SKIPPED = UNSIGNED_HEADERS | {"x-amz-date", "x-amz-content-sha256"}
_SKIPPED_WITH_TOKEN = _SKIPPED | {"x-amz-security-token"}


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


_UNRESERVED = "-_.~"  # RFC 3986 unreserved characters besides letters and digits


def _encode(form_encoded: str) -> str:
    return quote(unquote_plus(form_encoded), safe=_UNRESERVED)


def canonical_query_url(url: http.URL) -> http.URL:
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


# The same, for raw header names: callers can skip decoding headers that are not signed.
UNSIGNED_KEYS = frozenset(name.encode("ascii") for name in UNSIGNED_HEADERS)
UNSIGNED_KEY_PREFIXES = tuple(prefix.encode("ascii") for prefix in UNSIGNED_PREFIXES)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, and empty segments dropped (botocore's normalize_url_path)."""
    if not path:
        return "/"
    output: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if output:
                output.pop()
        elif segment and segment != ".":
            output.append(segment)
    first = "/" if path[0] == "/" else ""
    last = "/" if path[-1] == "/" and output else ""
    return first + "/".join(output) + last


@functools.lru_cache(maxsize=256)
def _canonical_uri(path: str) -> str:
    # Cached: a client calls the same few paths over and over.
    return quote(_remove_dot_segments(path), safe="/~")


def _canonical_query(query: str) -> str:
    if not query:
        return ""
    pairs = sorted(pair.partition("=")[::2] for pair in query.split("&"))
    return "&".join(f"{key}={value}" for key, value in pairs)


def _host_from_url(scheme: str, hostname: str | None, port: int | None) -> str:
    host = hostname or ""
    if ":" in host:  # an IPv6 literal goes back into brackets
        host = f"[{host}]"
    if port is not None and port != {"http": 80, "https": 443}.get(scheme):
        host = f"{host}:{port}"
    return host


class _Hmac(NamedTuple):
    """HMAC-SHA256 under one key, with the keyed inner and outer hash states kept.

    RFC 2104 (https://www.rfc-editor.org/rfc/rfc2104): HMAC(K, m) = H((K ^ opad) ||
    H((K ^ ipad) || m)). Copying the two keyed SHA-256 states costs a fraction of
    keying a new ``hmac`` object per request; the result is the same bytes
    (``tests/unit/test_sigv4_equivalence.py`` compares with botocore, which uses ``hmac``).
    """

    inner: Any  # hashlib sha256 object; never updated, only copied
    outer: Any

    @classmethod
    def keyed(cls, key: bytes) -> _Hmac:
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
def _signing_key(secret_key: str, datestamp: str, region: str, service: str) -> _Hmac:
    """kSigning = HMAC chain over date, region, service and "aws4_request".

    Cached per (secret, day, region, service): it changes once a day or when the
    credentials rotate. ``lru_cache`` is thread-safe (concurrent misses at worst
    derive the same key twice), and the cached hash states are only ever copied;
    https://docs.python.org/3/library/functools.html#functools.lru_cache
    """
    key = hmac.digest(("AWS4" + secret_key).encode("utf-8"), datestamp.encode("utf-8"), "sha256")
    for part in (region, service, "aws4_request"):
        key = hmac.digest(key, part.encode("utf-8"), "sha256")
    return _Hmac.keyed(key)


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


# Slots in a canonical-request template: what changes from one request to the next.
_HASH, _DATE, _TOKEN = 0, 1, 2
# (str.format template of the canonical request, SignedHeaders value)
_Template = tuple[str, str]


@functools.lru_cache(maxsize=256)
def _template(
    method: str, url: str, headers: tuple[tuple[str, str], ...], with_token: bool
) -> _Template:
    """The canonical request as a ``str.format`` template with slots ``{0}`` (payload
    hash), ``{1}`` (date) and ``{2}`` (token), and the SignedHeaders value. Cached: a
    client sends the same few URLs and header sets over and over, so the per-request
    work is filling three slots."""
    skipped = _SKIPPED_WITH_TOKEN if with_token else _SKIPPED
    # Lowercased name -> values in request order (dicts keep insertion order).
    signed: dict[str, list[Union[str, int]]] = {}
    for name, value in headers:
        lname = name.lower()
        if lname not in skipped and not lname.startswith(UNSIGNED_PREFIXES):
            signed.setdefault(lname, []).append(value)
    signed["x-amz-date"] = [_DATE]
    # No x-amz-content-sha256: that is S3's convention; botocore's SigV4Auth, which
    # signs Bedrock, never adds it (docs/wire.md, "Signing"), and the payload hash is
    # in the canonical request anyway.
    if with_token:
        signed["x-amz-security-token"] = [_TOKEN]
    parts = urlsplit(url)
    if "host" not in signed:
        signed["host"] = [_host_from_url(parts.scheme, parts.hostname, parts.port)]

    names = sorted(signed)
    signed_headers = ";".join(sorted([name.strip() for name in names]))
    pieces: list[Union[str, int]] = [
        f"{method.upper()}\n{_canonical_uri(parts.path)}\n{_canonical_query(parts.query)}\n"
    ]
    for name in names:
        values = signed[name]
        if isinstance(values[0], int):  # one of ours: filled in per request
            pieces += [f"{name}:", values[0], "\n"]
        else:
            trimmed = ",".join([" ".join(str(value).split()) for value in values])
            pieces.append(f"{name}:{trimmed}\n")
    pieces += [f"\n{signed_headers}\n", _HASH]
    # One str.format call per request fills the slots: fixed text has its braces doubled.
    text = "".join(
        piece.replace("{", "{{").replace("}", "}}") if isinstance(piece, str) else f"{{{piece}}}"
        for piece in pieces
    )
    return text, signed_headers


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
        template = _template(method, url, items, bool(token))
    except TypeError:  # pairs given as lists: unhashable
        items = tuple((name, value) for name, value in items)
        template = _template(method, url, items, bool(token))
    return _fill(template, body, credentials, service, region, now)


def _fill(
    template: _Template,
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
    template: _Template,
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
    key = _signing_key(credentials.secret_key, datestamp, region, service)
    authorization = (
        f"{ALGORITHM} Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={key.hexdigest(string_to_sign.encode())}"
    )
    return amz_date, payload_hash, token, authorization, canonical_request, string_to_sign


# The request path (``sign_raw``) works on httpx's raw header tuples, ``(name,
# lowercased name, value)`` bytes, so that a request's headers are neither decoded nor
# filtered in Python on every call: a tuple of the lowercased names (built in C) picks
# a cached getter for the signed ones, and those, with the method and URL, pick the
# cached template. Names are few and fixed per call site, so both caches stay small.
_RawHeaders = tuple[tuple[bytes, bytes, bytes], ...]
_SECOND = operator.itemgetter(1)


def _getter(wanted: list[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A getter of the items at ``wanted``, as a tuple (``itemgetter`` alone returns a
    bare item for one index)."""
    if len(wanted) == 1:
        only = wanted[0]
        return lambda items: (items[only],)
    if not wanted:
        return lambda items: ()
    getter: Callable[[Sequence[Any]], tuple[Any, ...]] = operator.itemgetter(*wanted)
    return getter


def _signed(lowered: Iterable[bytes], excluded: frozenset[bytes] = frozenset()) -> list[int]:
    """Indices of the signed names among ``lowered`` (lowercased header names)."""
    return [
        index
        for index, name in enumerate(lowered)
        if name not in UNSIGNED_KEYS
        and name not in excluded
        and not name.startswith(UNSIGNED_KEY_PREFIXES)
    ]


@functools.lru_cache(maxsize=256)
def _signed_picker(names: tuple[bytes, ...]) -> Callable[[Sequence[Any]], _RawHeaders]:
    """A getter for the items whose (lowercased) name is signed, in request order."""
    return _getter(_signed(names))


# Names of authentication headers: never signed (the request path drops any a caller
# set, and replaces the SDK's placeholder Authorization).
_AUTH_KEYS = frozenset(
    {b"authorization", b"x-amz-date", b"x-amz-security-token", b"x-amz-content-sha256"}
)
RawPairs = tuple[tuple[bytes, bytes], ...]


def pair_picker(names: tuple[bytes, ...]) -> Callable[[Sequence[Any]], RawPairs]:
    """A getter for the (name, value) pairs that are signed, in request order, for a
    request whose header names (spelled as sent) are ``names``."""
    return _getter(_signed((name.lower() for name in names), _AUTH_KEYS))


@functools.lru_cache(maxsize=256)
def _raw_template(method: str, url: str, signed: _RawHeaders, with_token: bool) -> _Template:
    # Signed headers are ASCII here (checked by the caller); httpx would decode them
    # alike with any of the encodings it chooses between.
    headers = tuple((raw.decode("ascii"), value.decode("ascii")) for raw, _, value in signed)
    return _template(method, url, headers, with_token)


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
    signed = _signed_picker(tuple(map(_SECOND, items)))(items)
    try:
        template = _raw_template(method, url, signed, with_token)
    except UnicodeDecodeError:
        chosen = encoding()
        headers = tuple((raw.decode(chosen), value.decode(chosen)) for raw, _, value in signed)
        template = _template(method, url, headers, with_token)
    amz_date, _, token, authorization, _, _ = _values(
        template, body, credentials, service, region, now
    )
    added = [(*_DATE_KEY, amz_date.encode())]
    if token:
        added.append((*_TOKEN_KEY, token.encode(value_encoding)))
    added.append((*_AUTHORIZATION_KEY, authorization.encode(value_encoding)))
    return added


class _Second(NamedTuple):
    """What a signature shares with every other one made in the same second, as the
    bytes that go into it."""

    second: int
    credentials: FrozenCredentials | None
    amz_date: bytes
    token: bytes  # trimmed, b"" without one
    to_sign: bytes  # the string to sign, less the canonical request's hash
    credential: bytes  # the Authorization value, up to SignedHeaders' value
    key: _Hmac | None
    date: str  # the X-Amz-Date value
    session_token: str | None  # the X-Amz-Security-Token value, if any

    def __repr__(self) -> str:  # the token and the keyed hashes stay out of sight
        return f"_Second({self.second})"


_NO_SECOND = _Second(-1, None, b"", b"", b"", b"", None, "", None)
_UNKNOWN: Any = object()
_T = TypeVar("_T")
# (canonical request as a bytes %-template, getter putting (payload hash, date,
# token) in its slots' order, SignedHeaders value)
_BytesTemplate = tuple[bytes, Callable[[tuple[bytes, bytes, bytes]], tuple[bytes, ...]], bytes]


def _remember(cache: dict[Any, _T], key: Any, value: _T) -> _T:
    """Store, keeping the cache small: a client sends few distinct requests, and a
    caller that varies URLs or headers without end must not grow it forever."""
    if len(cache) >= 256:
        cache.clear()
    cache[key] = value
    return value


def _bytes_template(
    method: str, url: str, signed: _RawHeaders, with_token: bool
) -> _BytesTemplate | None:
    """``_raw_template``'s template as bytes to fill with ``%`` (which, unlike
    ``str.format``, scans the template in C without parsing fields), or None when a
    signed header is not ASCII."""
    try:
        form, signed_headers = _raw_template(method, url, signed, with_token)
    except UnicodeDecodeError:
        return None
    pieces: list[str] = []
    slots: list[int] = []
    for literal, field, _, _ in string.Formatter().parse(form):
        pieces.append(literal.replace("%", "%%"))
        if field is not None:
            pieces.append("%s")
            slots.append(int(field))
    order = operator.itemgetter(*slots)  # at least two slots: the date and the hash
    return "".join(pieces).encode(), order, signed_headers.encode()


class Signer:
    """SigV4 for one service and region, for requests sent one after another.

    Produces exactly ``sign_raw``'s headers (``tests/unit/test_signing_path.py``), with less
    work per request: what changes once a second (date, scope, signing key, the fixed
    parts of the string to sign and of Authorization) is worked out on the first
    request of each second and kept; which headers are signed is found from the tuple
    of the request's header names, and the canonical request's template from the
    signed ones, with a dict lookup each; everything is built as bytes, so a request
    costs two SHA-256 hashes, one HMAC and one ``bytes %``. Kept state is replaced
    whole (a tuple, a dict entry): threads need no lock.
    """

    __slots__ = ("_last", "_pickers", "_templates", "region", "service")

    def __init__(self, service: str, region: str) -> None:
        self.service = service
        self.region = region
        self._last = _NO_SECOND
        self._pickers: dict[tuple[bytes, ...], Callable[[Sequence[Any]], RawPairs]] = {}
        self._templates: dict[tuple[str, bytes, RawPairs, bool], _BytesTemplate | None] = {}

    def picker(self, names: tuple[bytes, ...]) -> Callable[[Sequence[Any]], RawPairs]:
        """``pair_picker(names)``, kept."""
        picker = self._pickers.get(names)
        if picker is None:
            picker = _remember(self._pickers, names, pair_picker(names))
        return picker

    def headers(
        self,
        method: str,
        url: http.URL,
        path: bytes,
        signed: RawPairs,
        body: bytes,
        credentials: FrozenCredentials,
        seconds: float,
    ) -> tuple[str, str | None, str] | None:
        """``X-Amz-Date``, ``X-Amz-Security-Token`` (None without a session token) and
        ``Authorization`` for a request to this signer's one origin (the transport
        refuses any other first, so the path names the URL) whose URL has no query
        (``path`` is its ``raw_path``);
        ``signed`` are its raw headers that are signed (``pair_picker``). None when a
        signed header or the session token is not ASCII: ``sign_raw`` decodes and
        encodes those as the library would."""
        last = self._last
        second = int(seconds // 1)
        if last.second != second or last.credentials is not credentials:
            if not (credentials.access_key.isascii() and (credentials.token or "").isascii()):
                return None
            last = self._last = self._second(second, credentials)
        key = (method, path, signed, last.session_token is not None)
        template = self._templates.get(key, _UNKNOWN)
        if template is _UNKNOWN:
            items = tuple((name, name.lower(), value) for name, value in signed)
            template = _remember(
                self._templates, key, _bytes_template(method, str(url), items, key[3])
            )
        if template is None:
            return None
        form, order, signed_headers = template
        payload_hash = hexlify(hashlib.sha256(body).digest())
        canonical_request = form % order((payload_hash, last.amz_date, last.token))
        digest = hexlify(hashlib.sha256(canonical_request).digest())
        key_states: _Hmac = last.key  # type: ignore[assignment]  # HMAC, as _Hmac.hexdigest computes it
        inner = key_states.inner.copy()
        inner.update(last.to_sign + digest)
        outer = key_states.outer.copy()
        outer.update(inner.digest())
        authorization = b"".join(
            (last.credential, signed_headers, b", Signature=", hexlify(outer.digest()))
        )
        return last.date, last.session_token, authorization.decode("ascii")

    def _second(self, second: int, credentials: FrozenCredentials) -> _Second:
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second))
        datestamp = amz_date[:8]
        scope = f"{datestamp}/{self.region}/{self.service}/aws4_request"
        token = " ".join(credentials.token.split()) if credentials.token else ""
        return _Second(
            second,
            credentials,
            amz_date.encode(),
            token.encode(),
            f"{ALGORITHM}\n{amz_date}\n{scope}\n".encode(),
            f"{ALGORITHM} Credential={credentials.access_key}/{scope}, SignedHeaders=".encode(),
            _signing_key(credentials.secret_key, datestamp, self.region, self.service),
            amz_date,
            credentials.token or None,
        )


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
