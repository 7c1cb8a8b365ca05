"""Bedrock short-term API keys, minted locally from AWS credentials.

A short-term key is a SigV4-presigned ``POST https://bedrock.amazonaws.com/?Action=
CallWithBearerToken`` URL, without its scheme, plus ``&Version=1``, base64-encoded and
prefixed ``bedrock-api-key-``. It lasts at most 12 hours and never outlives the
credentials that signed it; minting makes no network call.
https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys-generate.html and
``docs/wire.md`` section 2.

Why not AWS's ``aws-bedrock-token-generator`` (Apache-2.0, depends on botocore only): it
signs with botocore's ``SigV4QueryAuth.add_auth``, which logs the canonical request
(session token included) and the signature, which is the secret part of the key, on the
``botocore.auth`` logger at DEBUG, and reads the wall clock itself, so a test cannot fix
the time. ``_presign`` calls ``SigV4QueryAuth``'s own steps without ``add_auth`` (unlike
``_sigv4.sign``, which is pure Python and does not use botocore); a test checks that our
keys equal the library's byte for byte.

Example::

    provider = openai_bedrock.short_term_token_provider(region="us-west-2")
    client = openai_bedrock.create_client(region="us-west-2", token_provider=provider)
"""

from __future__ import annotations

import base64
import datetime as _dt
import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional, Union

from . import _sigv4
from ._auth import BEARER_ENV, SigV4Auth, resolve_auth, server_time
from ._credentials import fingerprint
from ._errors import ConfigurationError
from ._fork import renew_lock_after_fork

if TYPE_CHECKING:
    from ._http import http

TOKEN_PREFIX = "bedrock-api-key-"
_HOST = "bedrock.amazonaws.com"
MAX_LIFETIME = 43200  # seconds (12 hours), the most X-Amz-Expires allows
DEFAULT_RENEW_BEFORE = 900  # seconds; botocore's advisory refresh window is also 15 min

Seconds = Union[int, float, _dt.timedelta]


@dataclass(frozen=True)
class ShortTermToken:
    """One minted Bedrock short-term API key. Its repr shows only a fingerprint.

    ``expires_at`` is the earlier of the key's own expiry and that of the AWS
    credentials that signed it (when botocore knows it).
    """

    token: str = field(repr=False)
    expires_at: _dt.datetime
    region: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.token)

    def __repr__(self) -> str:
        return (
            f"ShortTermToken(fingerprint={self.fingerprint!r}, "
            f"expires_at={self.expires_at.isoformat()!r}, region={self.region!r})"
        )

    __str__ = __repr__


def _seconds(value: object, name: str) -> int:
    seconds = value.total_seconds() if isinstance(value, _dt.timedelta) else value
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ConfigurationError(
            f"{name} must be a number of seconds or a datetime.timedelta, "
            f"not {type(value).__name__}."
        )
    if not 0 < seconds <= MAX_LIFETIME:
        raise ConfigurationError(
            f"{name} is {seconds} s; Bedrock short-term keys last more than 0 and at most "
            f"{MAX_LIFETIME} s (12 hours). Pass a value in that range."
        )
    return int(seconds) or 1


def _presign(
    frozen: _sigv4.FrozenCredentials, region: str, lifetime: int, now: _dt.datetime
) -> str:
    """The key for ``frozen`` in ``region``, signed at ``now``."""
    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest

    request = AWSRequest(
        method="POST",
        url=f"https://{_HOST}/",
        headers={"host": _HOST},
        params={"Action": "CallWithBearerToken"},
    )
    request.context["timestamp"] = now.astimezone(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    signer: Any = SigV4QueryAuth(frozen, "bedrock", region, expires=lifetime)
    # add_auth's steps, without its DEBUG logging of the canonical request and signature.
    signer._modify_request_before_signing(request)
    string_to_sign = signer.string_to_sign(request, signer.canonical_request(request))
    signer._inject_signature_to_request(request, signer.signature(string_to_sign, request))
    url: str = request.url
    presigned = url.removeprefix("https://") + "&Version=1"
    return TOKEN_PREFIX + base64.b64encode(presigned.encode("utf-8")).decode("ascii")


def _credentials_expiry(credentials: Any) -> Optional[_dt.datetime]:
    # botocore's RefreshableCredentials keeps its expiry only in this private attribute.
    expiry = getattr(credentials, "_expiry_time", None)
    if isinstance(expiry, _dt.datetime) and expiry.tzinfo is not None:
        return expiry
    return None


def _resolve(
    region: Optional[str],
    session: Any,
    profile: Optional[str],
    access_key_id: Optional[str],
    secret_access_key: Optional[str],
    session_token: Optional[str],
) -> tuple[str, SigV4Auth]:
    """The region and AWS credentials to mint with, as the factories find them."""
    from ._credentials import botocore_session as _botocore_session
    from ._settings import _resolve_region

    cache: list[Any] = []

    def botocore_session() -> Any:
        if not cache:
            cache.append(_botocore_session(profile))
        return cache[0]

    # A key is minted from AWS credentials, so a Bedrock key in the environment is not
    # one of the sources here.
    environ = {k: v for k, v in os.environ.items() if k != BEARER_ENV}
    resolved_region, _ = _resolve_region(
        region, session, profile, environ, botocore_session, None, ""
    )
    auth = resolve_auth(
        service="bedrock",
        region=resolved_region,
        api_key=None,
        token_provider=None,
        session=session,
        profile=profile,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        session_token=session_token,
        botocore_session=botocore_session,
        environ=environ,
    )
    assert isinstance(auth, SigV4Auth)  # no Bearer source was offered
    return resolved_region, auth


def _mint(auth: SigV4Auth, frozen: _sigv4.FrozenCredentials, lifetime: int) -> ShortTermToken:
    # The authenticator's clock: corrected once the server told us its time.
    now = auth.clock.now()
    expires_at = now + _dt.timedelta(seconds=lifetime)
    credentials_expiry = _credentials_expiry(auth.credentials)
    if credentials_expiry is not None:
        expires_at = min(expires_at, credentials_expiry)
    return ShortTermToken(_presign(frozen, auth.region, lifetime, now), expires_at, auth.region)


def mint_short_term_token(
    *,
    region: Optional[str] = None,
    session: Any = None,
    profile: Optional[str] = None,
    access_key_id: Optional[str] = None,
    secret_access_key: Optional[str] = None,
    session_token: Optional[str] = None,
    expires_in: Seconds = MAX_LIFETIME,
) -> ShortTermToken:
    """Mint one Bedrock short-term API key from AWS credentials.

    Args:
        region: The region the key works in (keys are regional). Else the session's
            region, ``AWS_REGION``, ``AWS_DEFAULT_REGION``, the profile's region.
        session, profile, access_key_id, secret_access_key, session_token: Where the
            AWS credentials come from, as for ``create_client``; else botocore's default
            chain (``AWS_BEARER_TOKEN_BEDROCK`` is not a source here).
        expires_in: Seconds (or a ``timedelta``), more than 0 and at most 12 hours.

    Returns:
        A ``ShortTermToken``: ``.token`` (send as ``Authorization: Bearer``),
        ``.expires_at`` (UTC) and ``.region``.

    Raises:
        ConfigurationError: bad region or ``expires_in``.
        CredentialsError: no AWS credentials, or loading them failed.
    """
    lifetime = _seconds(expires_in, "expires_in")
    _, auth = _resolve(region, session, profile, access_key_id, secret_access_key, session_token)
    return _mint(auth, auth.frozen_credentials(), lifetime)


class ShortTermTokenProvider:
    """A ``token_provider`` that mints short-term keys and renews them ahead of expiry.

    Calling it returns a key valid for at least ``renew_before`` seconds more. A new key
    is minted when the cached one is that close to expiry, or when botocore has
    refreshed the underlying credentials. Safe to share between threads and clients.
    The async client calls ``acall``, which stays on the event loop unless a credential
    refresh (network or file I/O) is due, and then runs it in a worker thread.
    """

    def __init__(self, auth: SigV4Auth, lifetime: int, renew_before: float) -> None:
        self._auth = auth
        self._lifetime = lifetime
        self._renew_before = _dt.timedelta(seconds=renew_before)
        self._lock = threading.Lock()
        renew_lock_after_fork(self, "_lock")
        self._cached: Optional[tuple[_sigv4.FrozenCredentials, ShortTermToken]] = None

    @property
    def region(self) -> str:
        return self._auth.region

    def token(self) -> ShortTermToken:
        """The current key with its expiry, minting a new one when due."""
        frozen = self._auth.frozen_credentials()  # refreshes first if botocore says so
        with self._lock:
            cached = self._cached
            if (
                cached is not None
                and cached[0] == frozen
                and self._auth.clock.now() < cached[1].expires_at - self._renew_before
            ):
                return cached[1]
            minted = _mint(self._auth, frozen, self._lifetime)
            self._cached = (frozen, minted)
            return minted

    def __call__(self) -> str:
        return self.token().token

    def corrected_clock(self, response: http.Response, content: bytes) -> bool:
        """Learn the server's clock from a refusal of a key for its time, and forget
        the key, so the next one is minted on the corrected clock; True if learned."""
        server_now = server_time(response, content, presigned=True)
        if server_now is None:
            return False
        with self._lock:
            self._auth.clock.learn(server_now)
            self._cached = None
        return True

    async def acall(self) -> str:
        if self._auth.needs_refresh():
            import anyio.to_thread

            return await anyio.to_thread.run_sync(self.__call__)
        return self()

    def __repr__(self) -> str:
        cached = self._cached
        current = f", current={cached[1]!r}" if cached is not None else ""
        return (
            f"ShortTermTokenProvider(region={self.region!r}, source={self._auth.source!r}{current})"
        )


def short_term_token_provider(
    *,
    region: Optional[str] = None,
    session: Any = None,
    profile: Optional[str] = None,
    access_key_id: Optional[str] = None,
    secret_access_key: Optional[str] = None,
    session_token: Optional[str] = None,
    expires_in: Seconds = MAX_LIFETIME,
    renew_before: Optional[Seconds] = None,
) -> ShortTermTokenProvider:
    """A ``token_provider`` for the factories that mints short-term keys as needed.

    Takes the arguments of ``mint_short_term_token``, plus ``renew_before``: renew a key
    once it has less than this long to live (default 15 minutes, or half of
    ``expires_in`` when that is shorter). Credentials and region are resolved now, so
    configuration errors surface here; credentials are read (and refreshed) per call.

    Example::

        provider = openai_bedrock.short_term_token_provider(profile="dev")
        client = openai_bedrock.create_client(region="us-west-2", token_provider=provider)
    """
    lifetime = _seconds(expires_in, "expires_in")
    renew = (
        min(DEFAULT_RENEW_BEFORE, lifetime / 2)
        if renew_before is None
        else _seconds(renew_before, "renew_before")
    )
    if renew >= lifetime:
        raise ConfigurationError(
            f"renew_before ({renew} s) must be shorter than expires_in ({lifetime} s), or "
            "every call would mint a new key."
        )
    _, auth = _resolve(region, session, profile, access_key_id, secret_access_key, session_token)
    return ShortTermTokenProvider(auth, lifetime, renew)
