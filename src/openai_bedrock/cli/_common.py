"""What every subcommand shares: exit codes, connection options, the offline emulator,
and turning an exception into one actionable line."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

# Exit codes, documented in the README ("Command line").
OK = 0
FAILED = 1  # the request (or a doctor check) failed
USAGE = 2  # bad arguments or configuration: nothing was sent
INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT

OFFLINE_REGION = "us-west-2"


class CommandError(Exception):
    """A failure the command reports as one line, with its exit code."""

    def __init__(self, message: str, code: int = FAILED) -> None:
        super().__init__(message)
        self.code = code


def add_connection_options(parser: argparse.ArgumentParser, *, offline: bool = True) -> None:
    """The connection options (``--region``, ``--profile``, ``--endpoint``, ``--base-url``,
    ``--allow-custom-host``: the setting table's) and ``--offline``."""
    from openai_bedrock._setting_table import CONNECTION_OPTIONS

    group = parser.add_argument_group("connection")
    for setting in CONNECTION_OPTIONS:  # declared once, in the setting table
        assert setting.cli is not None
        if setting.annotation == "bool":
            group.add_argument(setting.cli, action="store_true", help=setting.cli_help)
        elif setting.choices:
            group.add_argument(setting.cli, choices=setting.choices, help=setting.cli_help)
        else:
            group.add_argument(setting.cli, metavar=setting.cli_metavar, help=setting.cli_help)
    if offline:
        group.add_argument(
            "--offline",
            action="store_true",
            help="run against the bundled Bedrock emulator on 127.0.0.1 with generated "
            "credentials (no AWS account, nothing leaves this machine)",
        )


@dataclass
class Connection:
    """Keyword arguments for ``resolve_settings`` / ``create_client``, plus context."""

    kwargs: dict[str, Any]
    emulator: Any = None  # the running BedrockEmulator with --offline
    notes: list[str] = field(default_factory=list)


@contextlib.contextmanager
def connection(args: argparse.Namespace) -> Iterator[Connection]:
    """The settings arguments for ``args``; with ``--offline``, a running emulator's."""
    if not getattr(args, "offline", False):
        from openai_bedrock._setting_table import CONNECTION_OPTIONS

        yield Connection({s.name: getattr(args, s.name, s.default) for s in CONNECTION_OPTIONS})
        return
    if args.profile or args.base_url:
        raise CommandError(
            "--offline uses the bundled emulator and its generated credentials; drop "
            "--profile / --base-url, or drop --offline to use them.",
            USAGE,
        )
    from openai_bedrock.testing import BedrockEmulator

    region = args.region or OFFLINE_REGION
    with BedrockEmulator(endpoint=args.endpoint or "runtime", region=region) as emu:
        yield Connection(
            {
                "region": emu.region,
                "endpoint": emu.endpoint,
                "base_url": emu.base_url,
                "access_key_id": emu.access_key_id,
                "secret_access_key": emu.secret_access_key,
                "session_token": emu.session_token,
            },
            emulator=emu,
            notes=[
                f"offline: bundled Bedrock emulator at {emu.base_url}, SigV4 with generated "
                "test credentials; nothing leaves this machine"
            ],
        )


class _LoadedCredentials:
    """A stand-in ``session=`` that hands ``create_client`` credentials already loaded.

    botocore runs a profile's ``credential_process`` (aws-vault, saml2aws, ...) each time
    credentials are loaded, which may ask for MFA each time. A command resolves its
    settings once and builds its client from them through this, instead of letting the
    factory load the credentials again. (The factory takes no resolved ``Settings``; its
    ``session=`` argument is the public way to pass credentials in.)
    """

    def __init__(self, credentials: Any, region: str, profile: Optional[str]) -> None:
        self._credentials = credentials
        self.region_name = region
        self.profile_name = profile  # named in the remedy if a later refresh fails

    def get_credentials(self) -> Any:
        return self._credentials

    def __repr__(self) -> str:
        return f"<credentials loaded for profile {self.profile_name!r}>"


def client_from(settings: Any, kwargs: Mapping[str, Any], **openai_kwargs: Any) -> Any:
    """An ``openai.OpenAI`` for ``settings`` (resolved from ``kwargs``) that reuses its
    credentials rather than loading them a second time."""
    from openai_bedrock import create_client
    from openai_bedrock._auth import SigV4Auth

    auth = settings.auth
    if not isinstance(auth, SigV4Auth):
        # A Bedrock API key: resolving again reads a variable, runs no process.
        return create_client(**kwargs, **openai_kwargs)
    return create_client(
        region=settings.region,
        endpoint=settings.endpoint,
        base_url=kwargs.get("base_url"),
        allow_custom_host=kwargs.get("allow_custom_host", False),
        session=_LoadedCredentials(auth.credentials, settings.region, auth.profile),
        **openai_kwargs,
    )


def note(text: str) -> None:
    """One line of commentary on stderr, so stdout stays the answer."""
    print(text, file=sys.stderr, flush=True)


def one_line(text: object) -> str:
    return " ".join(str(text).split())


def profile_name(
    args: argparse.Namespace, environ: Mapping[str, str] = os.environ
) -> Optional[str]:
    """The AWS profile in use, from ``--profile`` or ``AWS_PROFILE``."""
    return getattr(args, "profile", None) or environ.get("AWS_PROFILE") or None
