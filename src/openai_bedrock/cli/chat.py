"""``openai-bedrock chat``: send one message, print the answer as it arrives."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, Optional

from ._common import (
    OK,
    USAGE,
    CommandError,
    add_connection_options,
    client_from,
    connection,
    note,
    profile_name,
)

if TYPE_CHECKING:
    import openai

    from openai_bedrock import GuardrailOutcome
    from openai_bedrock.guardrails import Guardrail


DEFAULT_MODEL = "openai.gpt-oss-20b-1:0"
# bedrock-mantle names the same models without the version suffix (docs/wire.md §3).
DEFAULT_MODELS = {"runtime": DEFAULT_MODEL, "mantle": "openai.gpt-oss-20b"}

# With --offline --guardrail, the emulated guardrail blocks messages containing this word.
OFFLINE_BLOCKED_WORD = "forbidden"


def emulate_guardrail(conn: Any, guardrail: Optional[Guardrail]) -> None:
    """With --offline, have the emulator enforce ``guardrail``: it blocks messages
    containing OFFLINE_BLOCKED_WORD. Does nothing against real Bedrock."""
    if conn.emulator is None or guardrail is None:
        return
    conn.emulator.add_guardrail(
        guardrail.identifier,
        version=str(guardrail.version),
        blocks=lambda text: OFFLINE_BLOCKED_WORD in text.lower(),
    )
    note(
        f"offline: guardrail {guardrail.identifier} is emulated; it blocks "
        f"messages containing {OFFLINE_BLOCKED_WORD!r}"
    )


DESCRIPTION = """\
Send MESSAGE (or stdin, when MESSAGE is omitted) to a model on Amazon Bedrock and
print the answer. The request id, and what a guardrail did, go to stderr.
"""


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "chat",
        parents=[common],
        help="send one message and print the answer",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("message", nargs="?", metavar="MESSAGE", help="the user message")
    parser.add_argument(
        "--model",
        help=f"model id (default: {DEFAULT_MODELS['runtime']} on runtime, "
        f"{DEFAULT_MODELS['mantle']} on mantle)",
    )
    parser.add_argument("--system", metavar="TEXT", help="a system message sent first")
    parser.add_argument(
        "--stream",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="print tokens as they arrive (default), or the whole answer at once",
    )
    parser.add_argument(
        "--guardrail",
        metavar="ID[:VERSION]",
        help="apply a Bedrock guardrail (id or ARN; version DRAFT when omitted)",
    )
    parser.add_argument(
        "--trace",
        action="store_true",
        help="ask for the guardrail trace and print it to stderr (needs --guardrail)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the raw response body (one JSON chunk per line when streaming)",
    )
    parser.add_argument(
        "--curl",
        action="store_true",
        help="print the equivalent curl command instead of sending (credentials only as "
        "$VARIABLES)",
    )
    add_connection_options(parser)
    parser.set_defaults(run=run)


def parse_guardrail(value: Optional[str], trace: bool) -> Optional[Guardrail]:
    """``ID[:VERSION]`` as a Guardrail; an ARN's own colons are kept."""
    from openai_bedrock.guardrails import Guardrail

    if value is None:
        if trace:
            raise CommandError("--trace asks for the guardrail trace: add --guardrail ID.", USAGE)
        return None
    identifier, sep, version = value.rpartition(":")
    if not sep or not (version.isdigit() or version.upper() == "DRAFT"):
        identifier, version = value, "DRAFT"
    return Guardrail(identifier, version=version.upper(), trace=trace)


def refuse_unenforced_guardrail(endpoint: str) -> None:
    """Refuse --guardrail where Bedrock ignores it, as the client does, before sending
    or printing anything (the CLI has no opt-out, unlike allow_unenforced_guardrail)."""
    from openai_bedrock._endpoints import ENDPOINTS
    from openai_bedrock.guardrails import GuardrailNotEnforcedError

    operation = "/chat/completions"
    if operation not in ENDPOINTS[endpoint].guardrails_enforced_on:
        raise GuardrailNotEnforcedError(
            f"Refused to send a guardrail on {operation} to bedrock-{endpoint}: Bedrock "
            "ignores guardrails there, so the call would not be guarded. Use --endpoint "
            "runtime, or drop --guardrail."
        )


def read_message(args: argparse.Namespace) -> str:
    if args.message is not None:
        text: str = args.message
    else:
        if sys.stdin is None:
            raise CommandError("No MESSAGE given and no stdin to read it from.", USAGE)
        if sys.stdin.isatty():
            note("Reading the message from stdin; end it with Ctrl-D.")
        text = sys.stdin.read().rstrip("\r\n")
    if not text.strip():
        raise CommandError(
            'The message is empty. Pass it as an argument (openai-bedrock chat "Hello!") '
            "or on stdin.",
            USAGE,
        )
    return text


def run(args: argparse.Namespace) -> int:
    from openai_bedrock._settings import resolve_settings

    from ._diagnose import Context, diagnose

    if args.offline and args.curl:
        raise CommandError(
            "--curl prints a command for real Bedrock, but --offline's emulator stops when "
            "this command exits. Drop one of them.",
            USAGE,
        )
    guardrail = parse_guardrail(args.guardrail, args.trace)
    message = read_message(args)
    with connection(args) as conn:
        for line in conn.notes:
            note(line)
        emulate_guardrail(conn, guardrail)
        settings = resolve_settings(**conn.kwargs)
        if guardrail is not None:
            refuse_unenforced_guardrail(settings.endpoint)  # with --curl too
        model = args.model or DEFAULT_MODELS[settings.endpoint]
        messages = [{"role": "user", "content": message}]
        if args.system:
            messages.insert(0, {"role": "system", "content": args.system})
        headers = guardrail.extra_headers if guardrail else {}
        extra_body = guardrail.extra_body if guardrail else {}
        if args.curl:
            print_curl(args, settings, model, messages, headers, extra_body)
            return OK
        from openai_bedrock._auth import BearerAuth

        ctx = Context(
            region=settings.region,
            model=model,
            profile=profile_name(args),
            bearer=isinstance(settings.auth, BearerAuth),
            source=settings.auth.source,
            endpoint=settings.endpoint,
        )
        client = client_from(settings, conn.kwargs)
        request: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "extra_headers": headers or None,
            "extra_body": extra_body or None,
        }
        try:
            if args.stream:
                _stream(client, request, args)
            else:
                _complete(client, request, args)
        except BrokenPipeError:
            raise  # the reader went away (`| head`): main() stops quietly
        except Exception as exc:
            diagnosis = diagnose(exc, ctx)
            raise CommandError(diagnosis.line(), diagnosis.code) from exc
        finally:
            client.close()
    return OK


def _report(outcome: Optional[GuardrailOutcome], guarded: bool) -> None:
    """The guardrail's verdict (and trace, when asked for) on stderr."""
    if outcome is None:
        if guarded:
            note("guardrail: Bedrock did not report an outcome")
        return
    what = (
        "the reply is the guardrail's blocked message"
        if outcome.intervened
        else "did not intervene"
    )
    note(f"guardrail: {outcome.action} ({what})")
    if outcome.trace is not None:
        note("guardrail trace: " + json.dumps(outcome.trace, separators=(",", ":")))


def _stream(client: openai.OpenAI, request: dict[str, Any], args: argparse.Namespace) -> None:
    from openai_bedrock import GuardrailStream

    out = sys.stdout
    stream = client.chat.completions.create(stream=True, **request)
    note(f"request id: {stream.response.headers.get('x-request-id') or 'none'}")
    with GuardrailStream(stream) as watched:
        for chunk in watched:
            if args.json:
                out.write(chunk.to_json(indent=None) + "\n")
            else:
                for choice in chunk.choices:
                    if choice.delta.content:
                        out.write(choice.delta.content)
            out.flush()
    if not args.json:
        out.write("\n")
        out.flush()
    _report(watched.outcome, bool(args.guardrail))


def _complete(client: openai.OpenAI, request: dict[str, Any], args: argparse.Namespace) -> None:
    from openai_bedrock import guardrail_outcome

    raw = client.chat.completions.with_raw_response.create(**request)
    completion = raw.parse()
    note(f"request id: {raw.headers.get('x-request-id') or 'none'}")
    if args.json:
        print(raw.content.decode("utf-8", "replace"), flush=True)
    else:
        text = completion.choices[0].message.content if completion.choices else None
        print(text or "", flush=True)
    _report(guardrail_outcome(completion), bool(args.guardrail))


def print_curl(
    args: argparse.Namespace,
    settings: Any,
    model: str,
    messages: list[dict[str, str]],
    headers: dict[str, str],
    extra_body: dict[str, Any],
) -> None:
    """The request the SDK would send, as curl; credentials only as variable names."""
    from openai_bedrock._auth import BearerAuth
    from openai_bedrock._endpoints import ENDPOINTS

    from ._curl import credentials_hint, curl_command

    bearer = isinstance(settings.auth, BearerAuth)
    session_token = False if bearer else bool(settings.auth.frozen_credentials().token)
    body: dict[str, Any] = {"model": model, "messages": messages}
    if args.stream:
        body["stream"] = True
    body.update(extra_body)
    hint = credentials_hint(bearer=bearer, source=settings.auth.source, profile=args.profile)
    if hint:
        print(hint)
    print(
        curl_command(
            url=str(settings.base_url).rstrip("/") + "/chat/completions",
            body=body,
            headers=headers,
            bearer=bearer,
            region=settings.region,
            service=ENDPOINTS[settings.endpoint].signing_name,
            session_token=session_token,
            stream=args.stream,
        )
    )
