"""The SigV4 signer of one client: what changes once a second, and once per request
shape, is worked out once and kept, so a request costs two SHA-256 hashes, one HMAC
and one ``bytes %`` (``Signer``). It signs exactly as ``_sigv4.sign_raw`` does
(``tests/unit/test_signing_path.py``)."""

from __future__ import annotations

import hashlib
import operator
import string
import time
from binascii import hexlify
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypeVar

from ._http import http
from ._sigv4 import ALGORITHM, FrozenCredentials, Hmac, signing_key
from ._sigv4_canonical import RawHeaders, RawPairs, pair_picker, raw_request_template


class _Second(NamedTuple):
    """What a signature shares with every other one made in the same second, as the
    bytes that go into it."""

    second: int
    credentials: FrozenCredentials | None
    amz_date: bytes
    token: bytes  # trimmed, b"" without one
    to_sign: bytes  # the string to sign, less the canonical request's hash
    credential: bytes  # the Authorization value, up to SignedHeaders' value
    key: Hmac | None
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
    method: str, url: str, signed: RawHeaders, with_token: bool
) -> _BytesTemplate | None:
    """``raw_request_template``'s template as bytes to fill with ``%`` (which, unlike
    ``str.format``, scans the template in C without parsing fields), or None when a
    signed header is not ASCII."""
    try:
        form, signed_headers = raw_request_template(method, url, signed, with_token)
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
        key_states: Hmac = last.key  # type: ignore[assignment]  # HMAC, as Hmac.hexdigest computes it
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
            signing_key(credentials.secret_key, datestamp, self.region, self.service),
            amz_date,
            credentials.token or None,
        )
