"""``openai-bedrock token``: mint a short-term Bedrock API key from AWS credentials."""

from __future__ import annotations

import argparse
import re
import shlex
from typing import Any

from ._common import OK, USAGE, CommandError, note

DESCRIPTION = """\
Mint a short-term Bedrock API key from your current AWS credentials (no network call)
and print it, alone or as a shell `export` line:

  eval "$(openai-bedrock token --export)"

The key works only in the region it was minted for, lasts at most 12 hours and never
outlives the credentials that signed it. Its expiry and region go to stderr.
"""

_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?")


def parse_duration(text: str) -> int:
    """``12h``, ``90m``, ``1h30m``, ``3600s`` or ``3600`` as seconds."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not text.strip() or match is None or not any(match.groups()):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration; use e.g. 12h, 90m, 1h30m or 3600s"
        )
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if not 0 < total <= 43200:
        raise argparse.ArgumentTypeError(
            f"{text} is outside what Bedrock allows for short-term keys (1s to 12h)"
        )
    return total


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "token",
        parents=[common],
        help="mint a short-term Bedrock API key",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--expires",
        metavar="DURATION",
        type=parse_duration,
        default=43200,
        help="lifetime, e.g. 1h, 90m, 3600s (default and maximum: 12h)",
    )
    parser.add_argument(
        "--export",
        action="store_true",
        help="print `export AWS_BEARER_TOKEN_BEDROCK=...` for eval in a shell",
    )
    group = parser.add_argument_group("credentials")
    group.add_argument("--region", help="region the key works in (default: as for chat)")
    group.add_argument("--profile", help="AWS profile whose credentials sign the key")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from openai_bedrock import ConfigurationError, mint_short_term_token

    try:
        minted = mint_short_term_token(
            region=args.region, profile=args.profile, expires_in=args.expires
        )
    except ConfigurationError as exc:
        raise CommandError(str(exc), USAGE) from exc
    # The key is this command's output; it goes to stdout only, and nowhere else.
    if args.export:
        print(f"export AWS_BEARER_TOKEN_BEDROCK={shlex.quote(minted.token)}", flush=True)
    else:
        print(minted.token, flush=True)
    note(
        f"key {minted.fingerprint}: works only in {minted.region}, expires "
        f"{minted.expires_at.strftime('%Y-%m-%d %H:%M:%S')} UTC"
    )
    return OK
