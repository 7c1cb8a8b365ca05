"""``openai-bedrock batch``: Bedrock batch inference from the shell (docs/batch.md).

    openai-bedrock batch submit INPUT.jsonl --s3 s3://bucket/prefix/ --role-arn ARN \
        --model ID [--wait]
    openai-bedrock batch status ID | list | results ID [-o FILE] | cancel ID

Same connection options and error handling as ``chat``; S3 goes through boto3 with the
default AWS credential chain (``--profile`` too).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from ._common import OK, USAGE, CommandError, add_connection_options, client_from, connection

DESCRIPTION = """\
Run Chat Completions requests in bulk on Bedrock's own batch engine: upload a JSONL
input to S3, create the batch, follow it, and read the results back from S3.
"""


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "batch",
        parents=[common],
        help="submit and follow batch inference jobs",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION")

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = actions.add_parser(name, parents=[common], help=help_text)
        add_connection_options(sub, offline=False)
        sub.set_defaults(run=run, action=name)
        return sub

    submit = action("submit", "check and upload INPUT.jsonl, then create the batch")
    submit.add_argument("input", metavar="INPUT.jsonl", help="OpenAI batch request lines")
    submit.add_argument("--s3", required=True, metavar="S3_PREFIX", help="s3://bucket/prefix/")
    submit.add_argument("--role-arn", required=True, help="the batch service role's ARN")
    submit.add_argument("--model", required=True, help="model id, e.g. openai.gpt-oss-20b-1:0")
    submit.add_argument("--wait", action="store_true", help="wait until the batch finishes")
    for name, text in (("status", "show a batch"), ("cancel", "cancel a batch")):
        action(name, text).add_argument("batch_id", metavar="ID")
    action("list", "list batches")
    results = action("results", "print a finished batch's results as JSON lines")
    results.add_argument("batch_id", metavar="ID")
    results.add_argument("-o", "--output", metavar="FILE", help="write to FILE, not stdout")
    parser.set_defaults(run=lambda _args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return USAGE


def _lines(path: str) -> Iterator[Any]:
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            if raw.strip():
                try:
                    yield json.loads(raw)
                except ValueError:
                    raise CommandError(f"{path}:{number} is not JSON.", USAGE) from None


def _show(job: Any) -> None:
    counts = job.request_counts
    done = f" {counts.completed}/{counts.total} done, {counts.failed} failed" if counts else ""
    print(f"{job.id}  {job.status}{done}")


def run(args: argparse.Namespace) -> int:
    from openai_bedrock import batch, batch_headers
    from openai_bedrock._settings import resolve_settings

    from ._diagnose import Context, diagnose

    with connection(args) as conn:
        settings = resolve_settings(**conn.kwargs)
        client = client_from(settings, conn.kwargs)
        try:
            if args.action == "submit":
                headers = batch_headers(args.role_arn, args.model)
                name = args.input.replace("\\", "/").rsplit("/", 1)[-1]
                if not name.endswith(".jsonl"):
                    name += ".jsonl"
                uri = batch.upload_input(_lines(args.input), args.s3.rstrip("/") + "/" + name)
                job = client.batches.create(
                    input_file_id=uri,
                    endpoint="/v1/chat/completions",
                    completion_window="24h",
                    extra_headers=headers,
                )
                if args.wait:
                    job = batch.wait(client, job.id)
                _show(job)
            elif args.action == "status":
                _show(client.batches.retrieve(args.batch_id))
            elif args.action == "list":
                for job in client.batches.list():
                    _show(job)
            elif args.action == "cancel":
                _show(client.batches.cancel(args.batch_id))
            else:
                out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
                try:
                    for result in batch.iter_results(client, args.batch_id):
                        line = {
                            "custom_id": result.custom_id,
                            "response": result.completion.model_dump(mode="json")
                            if result.completion is not None
                            else None,
                            "error": result.error,
                        }
                        out.write(json.dumps(line) + "\n")
                finally:
                    if out is not sys.stdout:
                        out.close()
        except (BrokenPipeError, CommandError):
            raise
        except Exception as exc:
            ctx = Context(region=settings.region, endpoint=settings.endpoint)
            diagnosis = diagnose(exc, ctx)
            raise CommandError(diagnosis.line(), diagnosis.code) from exc
        finally:
            client.close()
    return OK
