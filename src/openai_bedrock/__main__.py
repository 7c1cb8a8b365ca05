"""``python -m openai_bedrock``: print the settings a client would use, never a secret.

Resolves region, endpoint, base URL and auth exactly as ``create_client`` does and
prints where each came from, without sending any request.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Optional

from ._auth import BearerAuth, fingerprint
from ._errors import BedrockError
from ._settings import Settings, resolve_settings


def describe(settings: Settings) -> list[tuple[str, str]]:
    """``(label, value)`` lines describing ``settings``; secrets appear as fingerprints."""
    auth = settings.auth
    lines = [
        ("region", f"{settings.region} (from {settings.region_source})"),
        ("endpoint", settings.endpoint),
        ("base URL", f"{settings.base_url} (from {settings.base_url_source})"),
    ]
    if isinstance(auth, BearerAuth):
        key = f", key {auth.fingerprint}" if auth.fingerprint else ""
        lines.append(("auth", f"Bearer API key (from {auth.source}{key})"))
    else:
        frozen = auth.frozen_credentials()
        lines.append(("auth", f"SigV4, service {auth.service} (from {auth.source})"))
        lines.append(
            (
                "credentials",
                f"access key {fingerprint(frozen.access_key)}"
                + (", with session token" if frozen.token else ""),
            )
        )
    return lines


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m openai_bedrock",
        description="Print the Bedrock settings a client would use (no request is sent).",
    )
    parser.add_argument("--region")
    parser.add_argument("--profile")
    parser.add_argument("--endpoint", choices=["runtime", "mantle"])
    parser.add_argument("--base-url")
    parser.add_argument("--fips", action="store_true", default=None)
    args = parser.parse_args(argv)
    try:
        settings = resolve_settings(
            region=args.region,
            profile=args.profile,
            endpoint=args.endpoint,
            base_url=args.base_url,
            fips=args.fips,
        )
        lines = describe(settings)
    except BedrockError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        print(f"{label + ':':<{width + 1}} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
