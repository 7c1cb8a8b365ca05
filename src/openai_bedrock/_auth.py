"""What a request is authenticated with: choosing the auth mode (Bedrock API key or
SigV4), and what applying it to one request needs (the key, the credentials snapshot,
the signing clock). Loading credentials is ``_credentials``'s job.

``resolve_auth`` makes the choice once, at construction. The resulting
authenticator is immutable and is called by the transport for every HTTP attempt,
so every retry is signed afresh.
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import functools
import os
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Optional, Union, cast

from . import _sigv4
from ._credentials import (
    check_secret as check_secret,  # re-exported: the signing path imports it from here
)
from ._credentials import (
    credential_source,
    credentials_failed,
    load,
    record_process_exits,
    snapshot,
    survive_fork,
)
from ._credentials import fingerprint as fingerprint  # re-exported, as check_secret
from ._errors import ConfigurationError
from ._http import http

TokenProvider = Callable[[], Union[str, Awaitable[str]]]

BEARER_ENV = "AWS_BEARER_TOKEN_BEDROCK"


# The authenticators and ``_settings.Settings`` are plain classes, set once in
# __init__ and never changed: a frozen dataclass costs about 1 ms to create at import
# (it compiles its methods), which every `import openai_bedrock` would pay.


class BearerAuth:
    """``Authorization: Bearer <Bedrock API key>``, from a fixed key or a provider."""

    def __init__(
        self, source: str, key: Optional[str] = None, provider: Optional[TokenProvider] = None
    ) -> None:
        self.source = source
        self.key = key
        self.provider = provider

    def __repr__(self) -> str:  # never the key, nor the provider (it may hold one)
        return f"BearerAuth(source={self.source!r})"

    @property
    def fingerprint(self) -> Optional[str]:
        return fingerprint(self.key) if self.key is not None else None

    @functools.cached_property
    def header(self) -> tuple[bytes, bytes, bytes]:
        """The raw Authorization header for ``key`` (holds it: never log or show it)."""
        # resolve_auth checked the key once (printable ASCII); not again per request.
        return (b"Authorization", b"authorization", b"Bearer " + cast(str, self.key).encode())

    def corrected_clock(self, response: http.Response, content: bytes) -> bool:
        """A fixed Bedrock key carries no request time to correct; a key the client
        mints (``short_term_token_provider``) does: the provider learns the server's
        clock and mints again, and the transport retries once."""
        learn = getattr(self.provider, "corrected_clock", None)
        return bool(learn(response, content)) if callable(learn) else False


# AWS's answer to a request signed more than 5 minutes off its clock (docs/wire.md
# sections 2 and 8E); the time in parentheses is the server's.
_SKEW_MESSAGE = (
    r"Signature (?:expired|not yet current): \S+ is (?:now earlier|still later) than \S+ "
    r"\((\d{8}T\d{6}Z) [-+] 5 min\.\)"
)


# A short-term key refused for its time: "401 invalid_api_key: Signature expired"
# (docs/wire.md section 10), the server's time only in the Date header.
_PRESIGNED_SKEW = r"Signature (?:expired|not yet current)"


def server_time(
    response: http.Response, content: bytes, *, presigned: bool = False
) -> Optional[_dt.datetime]:
    """The server's clock, if ``response`` rejected a signature as too old or too new.

    Taken from the ``Date`` header, else from the message. Any other 403 (a wrong
    key or a signature mismatch) gives None. ``presigned``: the request carried a
    short-term key, which Bedrock refuses with a 401 and no time in the message.
    """
    if response.status_code != 403 and not (presigned and response.status_code == 401):
        return None
    # re caches the compiled pattern; compiling it at import would cost every import.
    text = content.decode("utf-8", "replace")
    match = re.search(_SKEW_MESSAGE, text)
    if match is None and not (presigned and re.search(_PRESIGNED_SKEW, text)):
        return None
    try:
        date = email.utils.parsedate_to_datetime(response.headers.get("date", ""))
    except (TypeError, ValueError):
        date = None
    if date is not None and date.tzinfo is not None:
        return date
    if match is None:
        return None
    return _dt.datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=_dt.timezone.utc)


class SigningClock:
    """The signing clock of one authenticator: ``_sigv4.timestamp()`` plus a learned offset.

    botocore does not correct clock skew (it reads ``Date`` only for retry TTLs), so
    this is ours. One float is replaced atomically, so threads need no lock.
    """

    def __init__(self) -> None:
        self.offset = 0.0  # seconds to add to the local clock

    def seconds(self) -> float:
        return _sigv4.timestamp() + self.offset

    def now(self) -> _dt.datetime:
        """The signing time, in whole seconds (all a signature carries): rounded down,
        as ``Signer`` rounds it, so both sign a request alike."""
        return _dt.datetime.fromtimestamp(self.seconds() // 1, _dt.timezone.utc)

    def learn(self, server_now: _dt.datetime) -> None:
        self.offset = server_now.timestamp() - _sigv4.timestamp()

    def __repr__(self) -> str:
        return f"SigningClock(offset={self.offset:+.0f}s)"


class SigV4Auth:
    """AWS SigV4 with botocore credentials, frozen once per signature."""

    def __init__(
        self,
        source: str,
        service: str,
        region: str,
        credentials: Any,
        profile: Optional[str] = None,
        clock: Optional[SigningClock] = None,
    ) -> None:
        self.source = source
        self.service = service
        self.region = region
        self.credentials = credentials
        self.profile = profile
        self.clock = SigningClock() if clock is None else clock
        # The last (credentials read, snapshot made of them): the credentials change
        # rarely, so most requests reuse the snapshot. Replaced as one tuple (no lock).
        self._last: list[tuple[Any, _sigv4.FrozenCredentials]] = []
        survive_fork(credentials)

    def __repr__(self) -> str:  # never the credentials
        return (
            f"SigV4Auth(source={self.source!r}, service={self.service!r}, "
            f"region={self.region!r}, profile={self.profile!r}, clock={self.clock!r})"
        )

    def frozen_credentials(self) -> _sigv4.FrozenCredentials:
        """One consistent snapshot, refreshing first if botocore says it is due."""
        try:
            frozen = self.credentials.get_frozen_credentials()
        except Exception as exc:
            failed = credentials_failed(self.source, self.profile, exc)
        else:
            last = self._last[0] if self._last else None
            if last is not None and last[0] == frozen:
                return last[1]
            frozen_snapshot = snapshot(frozen, self.source)
            self._last[:] = [(frozen, frozen_snapshot)]
            return frozen_snapshot
        raise failed  # outside the except block (see credentials_failed)

    def needs_refresh(self) -> bool:
        """Whether botocore would refresh (do I/O) on the next read of the credentials."""
        refresh_needed = getattr(self.credentials, "refresh_needed", None)
        return bool(refresh_needed()) if callable(refresh_needed) else False

    def corrected_clock(self, response: http.Response, content: bytes) -> bool:
        """Learn the server's clock from a clock-skew rejection; True if one was learned.

        The transport then signs the request again and retries it once.
        """
        server_now = server_time(response, content)
        if server_now is None:
            return False
        self.clock.learn(server_now)
        return True


Authenticator = Union[BearerAuth, SigV4Auth]


def resolve_auth(
    *,
    service: str,
    region: str,
    api_key: Optional[str],
    token_provider: Optional[TokenProvider],
    session: Any,
    profile: Optional[str],
    access_key_id: Optional[str],
    secret_access_key: Optional[str],
    session_token: Optional[str],
    botocore_session: Callable[[], Any],
    environ: Mapping[str, str] = os.environ,
) -> Authenticator:
    """Choose how requests are authenticated.

    Precedence, first match wins:

    1. ``api_key`` or ``token_provider``: Bearer.
    2. Explicit AWS credentials: ``session``, ``profile``, or the static
       ``access_key_id`` / ``secret_access_key`` (/ ``session_token``): SigV4.
    3. ``AWS_BEARER_TOKEN_BEDROCK`` in the environment: Bearer.
    4. botocore's default credential chain: SigV4.

    Two explicit modes at once, half a static key pair, or nothing at all raise.
    ``botocore_session`` returns the session used for steps 2 (profile) and 4.
    """
    from ._setting_table import checked  # the declared checks; loaded on first use

    explicit_bearer = [
        n for n, v in (("api_key", api_key), ("token_provider", token_provider)) if v is not None
    ]
    explicit_aws = [
        n
        for n, v in (
            ("session", session),
            ("profile", profile),
            (
                "access_key_id/secret_access_key",
                access_key_id or secret_access_key or session_token,
            ),
        )
        if v is not None
    ]
    chosen = explicit_bearer + explicit_aws
    if len(chosen) > 1:
        raise ConfigurationError(
            f"{' and '.join(chosen)} were both given, but they are different ways to "
            "authenticate. Pass only one of them."
        )

    # 1. Explicit Bearer.
    if api_key is not None:
        key = checked("api_key", api_key)
        return BearerAuth(source="api_key argument", key=key)
    if token_provider is not None:
        provider = checked("token_provider", token_provider)
        return BearerAuth(source="token_provider argument", provider=provider)

    # 2. Explicit AWS credentials.
    if access_key_id is not None or secret_access_key is not None or session_token is not None:
        if access_key_id is None or secret_access_key is None:
            given, missing = (
                ("access_key_id", "secret_access_key")
                if access_key_id is not None
                else (
                    "secret_access_key" if secret_access_key is not None else "session_token",
                    "access_key_id",
                )
            )
            raise ConfigurationError(
                f"{given} was given without {missing}. Pass access_key_id and "
                "secret_access_key together (and session_token for temporary "
                "credentials), or none of them to use another credential source."
            )
        # Static keys never refresh: no botocore import needed to hold them.
        credentials = _sigv4.StaticCredentials(
            checked("access_key_id", access_key_id),
            checked("secret_access_key", secret_access_key),
            checked("session_token", session_token) if session_token is not None else None,
        )
        return SigV4Auth("access_key_id/secret_access_key arguments", service, region, credentials)
    if session is not None:
        get_credentials = checked("session", session).get_credentials
        session_profile = getattr(session, "profile_name", None)  # boto3.Session only
        credentials = load(get_credentials, "the session argument", session_profile)
        return SigV4Auth("session argument", service, region, credentials, session_profile)
    if profile is not None:
        source = f"profile {profile!r}"
        profile_session = botocore_session()
        record_process_exits(profile_session)
        credentials = load(profile_session.get_credentials, source, profile)
        return SigV4Auth(
            credential_source(credentials, source), service, region, credentials, profile
        )

    # 3. A Bedrock API key in the environment.
    env_key = environ.get(BEARER_ENV)
    if env_key:
        return BearerAuth(source=BEARER_ENV, key=checked("api_key", env_key, BEARER_ENV))

    # 4. botocore's default chain.
    chain = botocore_session()
    record_process_exits(chain)
    env_profile = environ.get("AWS_PROFILE")
    credentials = load(chain.get_credentials, "botocore's default credential chain", env_profile)
    return SigV4Auth(
        credential_source(credentials, "default credential chain"),
        service,
        region,
        credentials,
        profile=env_profile,
    )
