"""``openai-bedrock proxy``: a local OpenAI-compatible endpoint that signs for Bedrock."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import OK, USAGE, CommandError, add_connection_options, connection, note

DESCRIPTION = """\
Serve an OpenAI-compatible API on http://127.0.0.1:PORT/v1 and forward each request to
Amazon Bedrock, signed with your AWS credentials (or Bedrock API key) and guarded by
--guardrail. Point any tool at it with OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 and
OPENAI_API_KEY=TOKEN. The token is generated and printed at start unless given with
--token or OPENAI_BEDROCK_PROXY_TOKEN. Stop it with Ctrl-C. Needs the proxy extra:
pip install 'openai-bedrock[proxy]'.
"""


# openai_bedrock.proxy's, repeated so that --help imports neither httpx nor starlette.
DEFAULT_PORT = 8321
TOKEN_ENV = "OPENAI_BEDROCK_PROXY_TOKEN"


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "proxy",
        parents=[common],
        help="serve a local OpenAI-compatible endpoint that signs requests for Bedrock",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other than loopback (anyone who can reach it and has the "
        "token can use your credentials)",
    )
    parser.add_argument(
        "--token", help=f"the bearer token callers must send (default: {TOKEN_ENV}, else generated)"
    )
    parser.add_argument(
        "--guardrail",
        metavar="ID[:VERSION]",
        help="apply a Bedrock guardrail to every chat completion (version DRAFT if omitted)",
    )
    add_connection_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from openai_bedrock import ConfigurationError, proxy

    from .chat import emulate_guardrail, parse_guardrail

    try:  # before credentials are loaded: without the extra nothing can be served
        proxy.require_extra()
    except ConfigurationError as exc:
        raise CommandError(str(exc), USAGE) from exc

    if not args.allow_remote and not proxy.is_loopback(args.host):
        raise CommandError(
            f"Refused to listen on {args.host}: the proxy signs with your credentials for "
            "anyone who can reach it. Use a loopback address, or add --allow-remote.",
            USAGE,
        )
    guardrail = parse_guardrail(args.guardrail, False)
    with connection(args) as conn:
        for line in conn.notes:
            note(line)
        emulate_guardrail(conn, guardrail)
        proxy.serve(
            host=args.host,
            port=args.port,
            token=args.token,
            allow_remote=args.allow_remote,
            guardrail=guardrail,
            **conn.kwargs,
        )
    return OK
