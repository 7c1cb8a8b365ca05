"""Where AWS credentials come from: loading them from a session, a profile, static keys
or botocore's default chain, and turning a failure to load or refresh them into an
actionable ``CredentialsError``.

Refreshing is botocore's (``RefreshableCredentials``); this module keeps a fork from
inheriting a held refresh lock, records a ``credential_process``'s exit status for
the error, and freezes what botocore hands out into snapshots that never show a
secret. Which credentials authenticate a request is ``_auth``'s choice.
"""

from __future__ import annotations

import hashlib
import subprocess
import threading
from collections.abc import Callable
from typing import Any, Optional

from . import _sigv4
from ._errors import ConfigurationError, CredentialsError

NO_CREDENTIALS_HELP = (
    "Looked in, in order: the api_key / token_provider arguments; the session, profile "
    "and access_key_id / secret_access_key arguments; the AWS_BEARER_TOKEN_BEDROCK "
    "environment variable; and botocore's default credential chain (AWS_ACCESS_KEY_ID / "
    "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ~/.aws/credentials, ~/.aws/config with SSO, "
    "assume-role or credential_process, container and instance roles). To fix: run "
    "`aws configure sso` once and then `aws sso login --profile NAME` (and pass "
    "profile='NAME' or set AWS_PROFILE), set AWS_BEARER_TOKEN_BEDROCK to a Bedrock API "
    "key, or pass api_key=... ."
)


def fingerprint(secret: str) -> str:
    """A short, non-reversible tag that tells two secrets apart in logs and reprs."""
    return "sha256:" + hashlib.sha256(secret.encode("utf-8")).hexdigest()[:8]


def check_secret(value: object, name: str) -> str:
    """Validate a key-like string without ever echoing it."""
    if not isinstance(value, str):
        raise ConfigurationError(f"{name} must be a string, not {type(value).__name__}.")
    if not value.strip():
        raise ConfigurationError(
            f"{name} is empty. Pass the value itself, or leave it out to use the next "
            "credential source."
        )
    for index, char in enumerate(value):
        # Keys travel in HTTP headers: printable ASCII only, so no CR/LF can inject a
        # header and no encoder error can echo the key later.
        if not "!" <= char <= "~":
            raise ConfigurationError(
                f"{name} contains whitespace, a control character or a non-ASCII character "
                f"at position {index} (often a trailing newline from a file or a "
                "copy-paste, or a typographic quote). Remove it and try again."
            )
    return value


def credentials_failed(source: str, profile: Optional[str], exc: Exception) -> CredentialsError:
    """The error for a credential source that failed, with the usual remedies.

    A provider's own output (a credential_process's stderr) may hold a secret, so it is
    shown as a short excerpt with every credential-shaped run masked, and when something
    was masked the original exception is not chained (a traceback would print it).

    Raise it *after* the ``except`` block that caught ``exc``: raised inside, Python
    links ``exc`` as ``__context__`` whatever the chaining says, and debuggers and error
    reporters (Sentry, for one) walk that link too.
    """
    from ._redact import mask_secret_shapes

    login = f"aws sso login --profile {profile}" if profile else "aws sso login"
    raw = str(exc)
    excerpt = mask_secret_shapes(raw)
    details = [f"profile {profile or 'default'!r}"]
    provider = getattr(exc, "kwargs", {}).get("provider")
    if isinstance(provider, str):
        details.insert(0, f"provider {provider}")
    status, _process_exit.status = _process_exit.status, None  # read once
    if provider != "custom-process":
        status = None
    if status is not None:
        details.append(f"exit status {status}")
    error = CredentialsError(
        f"Loading AWS credentials from {source} failed ({', '.join(details)}): "
        f"{type(exc).__name__}: {excerpt}. If you use IAM Identity Center (SSO), run "
        f"`{login}`; otherwise check that source."
    )
    # Chained only when nothing had to be masked.
    error.__cause__ = None if "[masked]" in excerpt else exc
    error.__suppress_context__ = True
    return error


class _ProcessExit(threading.local):
    """The exit status of the last credential_process this thread ran (botocore's
    error does not carry it)."""

    status: Optional[int] = None


_process_exit = _ProcessExit()


class _ExitRecordingPopen(subprocess.Popen):  # type: ignore[type-arg]
    def communicate(self, *args: Any, **kwargs: Any) -> Any:
        result = super().communicate(*args, **kwargs)
        # Only a failure's status is kept, so a later failure elsewhere cannot show it.
        _process_exit.status = self.returncode or None
        return result


def record_process_exits(session: Any) -> None:
    """Give the session's credential_process provider a ``popen`` that keeps the exit
    status (ProcessProvider takes ``popen`` for this; built as botocore builds it)."""
    try:
        from botocore.credentials import ProcessProvider

        resolver = session.get_component("credential_provider")
        providers = resolver.providers
        index = next(i for i, p in enumerate(providers) if p.METHOD == "custom-process")
        if isinstance(getattr(providers[index], "_popen", None), type) and issubclass(
            providers[index]._popen, _ExitRecordingPopen
        ):
            return
        profile = session.get_config_variable("profile") or "default"
        providers[index] = ProcessProvider(
            profile_name=profile,
            load_config=lambda: session.full_config,
            popen=_ExitRecordingPopen,
        )
    except Exception:  # a botocore of another shape: no exit status, nothing else lost
        return


class Snapshot(_sigv4.FrozenCredentials):
    """A frozen credential snapshot whose repr names the keys by fingerprint only."""

    __slots__ = ()

    def __repr__(self) -> str:
        token = fingerprint(self.token) if self.token else None
        return (
            f"FrozenCredentials(access_key={self.access_key!r}, "
            f"secret_key={fingerprint(self.secret_key)!r}, token={token!r})"
        )

    __str__ = __repr__


def snapshot(frozen: Any, source: str) -> _sigv4.FrozenCredentials:
    """A snapshot of botocore's frozen credentials (never shows a secret)."""
    if frozen.access_key is None or frozen.secret_key is None:
        raise CredentialsError(
            f"The AWS credentials from {source} are empty. {NO_CREDENTIALS_HELP}"
        )
    return Snapshot(frozen.access_key, frozen.secret_key, frozen.token)


def survive_fork(credentials: Any) -> None:
    """A fork while another thread refreshes ``credentials`` must not leave the child
    waiting on the refresh lock it inherited."""
    from ._fork import renew_lock_after_fork

    renew_lock_after_fork(credentials, "_refresh_lock")


def credential_source(credentials: Any, default: str) -> str:
    method = getattr(credentials, "method", None)
    return f"{default} ({method})" if method and method not in default else default


def botocore_session(profile: Optional[str]) -> Any:
    import botocore.session
    from botocore.exceptions import ProfileNotFound

    session = botocore.session.Session(profile=profile)
    try:
        session.get_scoped_config()  # raises ProfileNotFound for an unknown profile
    except ProfileNotFound as exc:
        name = session.profile  # the one botocore looked for: argument or AWS_PROFILE
        where = "" if profile else " (from AWS_PROFILE)"
        known = ", ".join(sorted(session.available_profiles)) or "none"
        raise ConfigurationError(
            f"AWS profile {name!r}{where} was not found in the AWS config or credentials "
            f"files (profiles found: {known}). Create it with `aws configure sso "
            f"--profile {name}` or `aws configure --profile {name}`, or use a profile "
            "that exists."
        ) from exc
    return session


def load(get_credentials: Callable[[], Any], source: str, profile: Optional[str]) -> Any:
    failed: Optional[CredentialsError]
    try:
        credentials = get_credentials()
    except ConfigurationError:
        raise
    except Exception as exc:
        failed = credentials_failed(source, profile, exc)
    else:
        failed = None
    if failed is not None:
        raise failed  # outside the except block (see credentials_failed)
    if credentials is None:
        raise CredentialsError(
            f"No AWS credentials or Bedrock API key were found. {NO_CREDENTIALS_HELP}"
        )
    return credentials
