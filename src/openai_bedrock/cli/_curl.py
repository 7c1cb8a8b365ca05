"""Render a chat request as the equivalent ``curl`` command, secrets as ``$VARIABLES``.

The shape follows AWS's curl example for Chat Completions
(https://docs.aws.amazon.com/bedrock/latest/userguide/inference-chat-completions.html):
``-H "Authorization: Bearer $AWS_BEARER_TOKEN_BEDROCK"``, or curl's own SigV4 signer
``--aws-sigv4 "aws:amz:REGION:SERVICE" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"``
plus the session-token header. Values are never written, only variable references, so
the output is safe to paste into a ticket.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any, Optional

_BEARER = '-H "Authorization: Bearer $AWS_BEARER_TOKEN_BEDROCK"'
_SIGV4_USER = '--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"'
_SESSION_TOKEN = '-H "x-amz-security-token: $AWS_SESSION_TOKEN"'


def curl_command(
    *,
    url: str,
    body: Mapping[str, Any],
    headers: Mapping[str, str],
    bearer: bool,
    region: str,
    service: str,
    session_token: bool,
    stream: bool,
) -> str:
    """A copy-pasteable POSIX shell command that sends ``body`` to ``url``.

    One option per line; ``--no-buffer`` with ``stream`` so events print as they arrive.
    """
    lines = ["curl -sS --no-buffer" if stream else "curl -sS", f"-X POST {shlex.quote(url)}"]
    if bearer:
        lines.append(_BEARER)
    else:
        # Double quotes so the shell expands the variables; region and service are
        # plain names, validated when the settings were resolved.
        lines += [f'--aws-sigv4 "aws:amz:{region}:{service}"', _SIGV4_USER]
        if session_token:
            lines.append(_SESSION_TOKEN)
    lines.append("-H " + shlex.quote("Content-Type: application/json"))
    lines += ["-H " + shlex.quote(f"{name}: {value}") for name, value in headers.items()]
    lines.append("--data-raw " + shlex.quote(json.dumps(body, ensure_ascii=False)))
    return " \\\n  ".join(lines)


def credentials_hint(*, bearer: bool, source: str, profile: Optional[str]) -> Optional[str]:
    """A comment line telling how to put the credentials into the variables, if needed."""
    if bearer:
        if "AWS_BEARER_TOKEN_BEDROCK" in source:
            return None
        return "# first: export AWS_BEARER_TOKEN_BEDROCK=<your Bedrock API key>"
    if "(env)" in source:
        return None
    flag = f" --profile {shlex.quote(profile)}" if profile else ""
    return f'# first: eval "$(aws configure export-credentials{flag} --format env)"'
