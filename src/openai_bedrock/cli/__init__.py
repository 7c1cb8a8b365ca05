"""The ``openai-bedrock`` command (also ``python -m openai_bedrock``).

Subcommands live in one module each (``chat``, ``batch``, ``doctor``, ``proxy``, ``token``) and
import the client, botocore and the emulator only when they run, so ``--help`` stays quick.

Exit codes: 0 success; 1 the request or a doctor check failed; 2 bad arguments or
configuration (nothing was sent); 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Optional

from . import batch, chat, doctor, proxy, token
from ._common import FAILED, INTERRUPTED, USAGE, CommandError, one_line

__all__ = ["main"]

EPILOG = """\
exit codes:
  0    success
  1    the request failed (Bedrock refused it, or it could not be sent), or a doctor
       check failed
  2    bad arguments or configuration (no region, no credentials, ...): nothing was sent
  130  interrupted (Ctrl-C)

Run `openai-bedrock COMMAND --help` for a command's options.
"""


def build_parser() -> argparse.ArgumentParser:
    # Options every subcommand takes, after its name too.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the Python traceback on failure",
    )
    parser = argparse.ArgumentParser(
        prog="openai-bedrock",
        description="Talk to Amazon Bedrock's OpenAI-compatible API from the shell, and "
        "find out why a call fails.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--debug", action="store_true", default=False, help="show the Python traceback on failure"
    )
    parser.add_argument("--version", action="version", version=_version())
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    chat.add_parser(subparsers, common)
    batch.add_parser(subparsers, common)
    doctor.add_parser(subparsers, common)
    token.add_parser(subparsers, common)
    proxy.add_parser(subparsers, common)
    return parser


def _version() -> str:
    from openai_bedrock._version import __version__

    return f"openai-bedrock {__version__}"


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help(sys.stderr)
        return USAGE
    try:
        code: int = args.run(args)
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as Unix tools do.
        _silence_stdout()
        return FAILED
    except CommandError as exc:
        return _fail(args, exc, str(exc), exc.code)
    except Exception as exc:
        from ._diagnose import Context, diagnose

        diagnosis = diagnose(exc, Context())
        return _fail(args, exc, diagnosis.line(), diagnosis.code)


def _fail(args: argparse.Namespace, exc: BaseException, line: str, code: int) -> int:
    if args.debug:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    print(f"error: {one_line(line)}", file=sys.stderr, flush=True)
    return code


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
