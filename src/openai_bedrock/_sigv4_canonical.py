"""SigV4's canonical request: which headers are signed, the canonical URI, query and
host, and the canonical request as a template cached per request shape.

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

import functools
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Union
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

# What sign() leaves out of a request's own headers: the unsigned ones, and those it
# sets itself (X-Amz-Security-Token only when the credentials carry a token).
_SKIPPED = UNSIGNED_HEADERS | {"x-amz-date", "x-amz-content-sha256"}
_SKIPPED_WITH_TOKEN = _SKIPPED | {"x-amz-security-token"}


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


# Slots in a canonical-request template: what changes from one request to the next.
_HASH, _DATE, _TOKEN = 0, 1, 2
# (str.format template of the canonical request, SignedHeaders value)
Template = tuple[str, str]


@functools.lru_cache(maxsize=256)
def request_template(
    method: str, url: str, headers: tuple[tuple[str, str], ...], with_token: bool
) -> Template:
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


# The request path (``sign_raw``) works on httpx's raw header tuples, ``(name,
# lowercased name, value)`` bytes, so that a request's headers are neither decoded nor
# filtered in Python on every call: a tuple of the lowercased names (built in C) picks
# a cached getter for the signed ones, and those, with the method and URL, pick the
# cached template. Names are few and fixed per call site, so both caches stay small.
RawHeaders = tuple[tuple[bytes, bytes, bytes], ...]
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
def signed_picker(names: tuple[bytes, ...]) -> Callable[[Sequence[Any]], RawHeaders]:
    """A getter for the items whose (lowercased) name is signed, in request order."""
    return _getter(_signed(names))


def signed_items(items: Sequence[tuple[bytes, bytes, bytes]]) -> RawHeaders:
    """The signed ones among httpx's raw header tuples, in request order."""
    return signed_picker(tuple(map(_SECOND, items)))(items)


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
def raw_request_template(method: str, url: str, signed: RawHeaders, with_token: bool) -> Template:
    # Signed headers are ASCII here (checked by the caller); httpx would decode them
    # alike with any of the encodings it chooses between.
    headers = tuple((raw.decode("ascii"), value.decode("ascii")) for raw, _, value in signed)
    return request_template(method, url, headers, with_token)
