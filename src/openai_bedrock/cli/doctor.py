"""``openai-bedrock doctor``: check region, endpoint, credentials, clock and access.

Each check prints ok / warn / fail and, when it is not ok, the exact remedy. One cheap
authenticated call ends the run: the models list where the endpoint offers it (mantle),
else a one-token chat completion (bedrock-runtime does not implement ``GET /models``:
https://docs.aws.amazon.com/bedrock/latest/userguide/inference-chat-completions.html).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Optional

from ._common import FAILED, OK, Connection, add_connection_options, connection, note, one_line
from ._diagnose import CLOCK_REMEDY, REGION_REMEDY, Context, credentials_remedy, diagnose

DESCRIPTION = """\
Find out why Bedrock calls fail: shows the resolved region and where it came from, the
endpoint URL, the auth mode and credential source (a fingerprint, never a secret), when
the credentials expire, this machine's clock against the server's, and the result of one
cheap authenticated call. Each failed check says what to run.
"""

# AWS refuses signatures more than 5 minutes off the server's clock (docs/wire.md §2).
SKEW_LIMIT = 300.0
SKEW_WARN = 60.0
EXPIRY_WARN = dt.timedelta(minutes=15)

# botocore's credential ``method`` names, as people call them.
SOURCE_LABELS = {
    "env": "environment variables",
    "shared-credentials-file": "shared credentials file",
    "config-file": "AWS config file",
    "sso": "IAM Identity Center (SSO)",
    "assume-role": "assumed role",
    "assume-role-with-web-identity": "web identity (assumed role)",
    "container-role": "container role (ECS/EKS)",
    "iam-role": "instance profile (EC2)",
    "process": "credential_process",
    "custom-process": "credential_process",
    "explicit": "explicit keys",
}


@dataclass
class Check:
    name: str
    status: str  # ok | warn | fail | skip
    detail: str
    remedy: str = ""


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> None:
    from .chat import DEFAULT_MODELS

    parser = subparsers.add_parser(
        "doctor",
        parents=[common],
        help="diagnose region, credentials, clock and model access",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--model",
        help=f"model for the test call (default: {DEFAULT_MODELS['runtime']} on runtime, "
        f"{DEFAULT_MODELS['mantle']} on mantle)",
    )
    parser.add_argument("--json", action="store_true", help="print the checks as JSON")
    parser.add_argument(
        "--no-call",
        action="store_true",
        help="only show the resolved settings; send no request",
    )
    add_connection_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    checks: list[Check] = []
    with connection(args) as conn:
        if not args.json:
            for line in conn.notes:
                note(line)
        for check in run_checks(args, conn):
            checks.append(check)
            if not args.json:
                _print(check)
    failed = any(c.status == "fail" for c in checks)
    if args.json:
        print(json.dumps({"ok": not failed, "checks": [asdict(c) for c in checks]}, indent=2))
    return FAILED if failed else OK


def _print(check: Check) -> None:
    print(f"{check.status:<4}  {check.name:<11} {check.detail}", flush=True)
    if check.remedy:
        print(f"{'':<17} fix: {check.remedy}", flush=True)


def run_checks(
    args: argparse.Namespace, conn: Connection, environ: Mapping[str, str] = os.environ
) -> Iterator[Check]:
    from openai_bedrock import ConfigurationError, CredentialsError
    from openai_bedrock._credentials import NO_CREDENTIALS_HELP
    from openai_bedrock._settings import resolve_settings

    kwargs = conn.kwargs
    profile = kwargs.get("profile") or environ.get("AWS_PROFILE") or None
    offline = conn.emulator is not None

    region_check, region = _region(kwargs, environ, offline)
    yield region_check
    if region is None:
        # Still say which credentials would be used, with a stand-in region.
        kwargs = {**kwargs, "region": "us-east-1"}
    if profile is not None:
        # An unknown profile is a credentials problem, not an endpoint one.
        from openai_bedrock._credentials import botocore_session as _botocore_session

        try:
            _botocore_session(kwargs.get("profile"))
        except ConfigurationError as exc:
            yield Check(
                "credentials",
                "fail",
                one_line(exc),
                f"create it with `aws configure sso --profile {profile}`, or use one that exists",
            )
            return
    try:
        settings = resolve_settings(**kwargs)
    except CredentialsError as exc:
        if region is not None:
            yield Check("endpoint", "skip", "needs credentials to be resolved first")
        # A key in the wrong variable is the usual reason that nothing resolves.
        yield from _misplaced(environ)
        ctx = Context(region=region, profile=profile)
        none_found = NO_CREDENTIALS_HELP in str(exc)
        remedy = SET_UP_CREDENTIALS if none_found and profile is None else _login_remedy(ctx)
        yield Check("credentials", "fail", one_line(exc), remedy)
        return
    except ConfigurationError as exc:
        if region is not None:
            yield Check("endpoint", "fail", one_line(exc))
        return
    src = settings.base_url_source
    if region is None:
        yield Check("endpoint", "skip", "needs a region")
    else:
        yield Check(
            "endpoint",
            "ok",
            f"{settings.base_url} (bedrock-{settings.endpoint}, from "
            f"{'--offline' if offline else _CLI_SOURCES.get(src, src)})",
        )
    credentials = list(_credentials(settings, profile, environ))
    yield from credentials
    if region is None or any(c.status == "fail" for c in credentials):
        return
    model = args.model or _default_model(settings.endpoint)
    ctx = _context(settings, model, profile)
    expiry = _expiry(settings)
    yield expiry
    if args.no_call:
        return
    clock = _clock(settings)
    yield clock
    if clock.name == "network" and clock.status == "fail":
        yield Check("call", "skip", "the endpoint is not reachable")
        return
    yield _call(kwargs, settings, model, ctx)


def _default_model(endpoint: str) -> str:
    from .chat import DEFAULT_MODELS

    return DEFAULT_MODELS[endpoint]


def _context(settings: Any, model: str, profile: Optional[str]) -> Context:
    from openai_bedrock._auth import BearerAuth

    return Context(
        region=settings.region,
        model=model,
        profile=profile,
        bearer=isinstance(settings.auth, BearerAuth),
        source=settings.auth.source,
        endpoint=settings.endpoint,
    )


def _login_remedy(ctx: Context) -> str:
    if ctx.profile:
        return f"run `aws sso login --profile {ctx.profile}` (SSO), or fix the profile"
    return credentials_remedy(ctx)


# resolve_settings names its own arguments; here they are command-line options.
_CLI_SOURCES = {"region argument": "--region", "base_url argument": "--base-url"}


def _region(
    kwargs: Mapping[str, Any], environ: Mapping[str, str], offline: bool
) -> tuple[Check, Optional[str]]:
    from openai_bedrock import ConfigurationError
    from openai_bedrock._credentials import botocore_session as _botocore_session
    from openai_bedrock._endpoints import endpoint_of_host, parse_base_url
    from openai_bedrock._settings import BASE_URL_ENV, _resolve_region

    raw_url = kwargs.get("base_url") or environ.get(BASE_URL_ENV)
    named = None
    if raw_url:
        try:
            named = endpoint_of_host(parse_base_url(raw_url, "base URL").host)
        except ConfigurationError:
            named = None  # reported by the endpoint check
    try:
        region, source = _resolve_region(
            kwargs.get("region"),
            None,
            kwargs.get("profile"),
            environ,
            lambda: _botocore_session(kwargs.get("profile")),
            named,
            "the base URL",
        )
    except ConfigurationError as exc:
        return Check("region", "fail", one_line(exc), REGION_REMEDY), None
    source = "--offline" if offline else _CLI_SOURCES.get(source, source)
    return Check("region", "ok", f"{region} (from {source})"), region


_WRONG_PLACES: tuple[tuple[str, Callable[[str], bool], str], ...] = (
    # (variable, looks wrong when, what to do)
    (
        "OPENAI_API_KEY",
        lambda v: v.startswith(("bedrock-api-key-", "ABSK")),
        "OPENAI_API_KEY holds a Bedrock API key, which is never sent to Bedrock: move it "
        "to AWS_BEARER_TOKEN_BEDROCK",
    ),
    (
        "AWS_BEARER_TOKEN_BEDROCK",
        lambda v: v.startswith(("AKIA", "ASIA", "sk-")),
        "AWS_BEARER_TOKEN_BEDROCK holds an AWS access key id or an OpenAI key, not a "
        "Bedrock API key: put access keys in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY",
    ),
    (
        "AWS_ACCESS_KEY_ID",
        lambda v: v.startswith(("bedrock-api-key-", "ABSK")),
        "AWS_ACCESS_KEY_ID holds a Bedrock API key: move it to AWS_BEARER_TOKEN_BEDROCK",
    ),
)


# What to do when no credentials exist at all (the CLI's wording of NO_CREDENTIALS_HELP).
SET_UP_CREDENTIALS = (
    "set some up: `aws configure sso` once, then `aws sso login --profile NAME` and pass "
    "--profile NAME; or `aws configure` for access keys; or set AWS_BEARER_TOKEN_BEDROCK "
    "to a Bedrock API key"
)


def _misplaced(environ: Mapping[str, str]) -> Iterator[Check]:
    """A warning for each credential variable that holds another kind of key."""
    for name, looks_wrong, remedy in _WRONG_PLACES:
        value = environ.get(name, "")
        if value and looks_wrong(value):
            yield Check("credentials", "warn", f"{name} looks misplaced", remedy)


def _credentials(
    settings: Any, profile: Optional[str], environ: Mapping[str, str]
) -> Iterator[Check]:
    from openai_bedrock import CredentialsError
    from openai_bedrock._auth import BearerAuth
    from openai_bedrock._credentials import fingerprint

    yield from _misplaced(environ)
    auth = settings.auth
    if isinstance(auth, BearerAuth):
        key = f", key {auth.fingerprint}" if auth.fingerprint else ""
        yield Check("credentials", "ok", f"Bedrock API key (Bearer) from {auth.source}{key}")
        return
    try:
        frozen = auth.frozen_credentials()
    except CredentialsError as exc:
        ctx = Context(region=settings.region, profile=profile, source=auth.source)
        yield Check("credentials", "fail", one_line(exc), _login_remedy(ctx))
        return
    method = getattr(auth.credentials, "method", "") or ""
    label = SOURCE_LABELS.get(method, method or "AWS credentials")
    token = ", with session token" if frozen.token else ""
    yield Check(
        "credentials",
        "ok",
        f"SigV4 (service {auth.service}), {label} [{auth.source}]; access key "
        f"{fingerprint(frozen.access_key)}{token}",
    )


def _expiry(settings: Any) -> Check:
    from openai_bedrock._auth import BearerAuth
    from openai_bedrock._tokens import _credentials_expiry

    from ._keys import LONG_TERM_PREFIX, read_short_term_key

    now = dt.datetime.now(dt.timezone.utc)
    auth = settings.auth
    if isinstance(auth, BearerAuth):
        if auth.key is None:
            return Check("expiry", "ok", "keys come from a token provider, per request")
        short = read_short_term_key(auth.key)
        if short is None:
            kind = "long-term" if auth.key.startswith(LONG_TERM_PREFIX) else "unrecognised"
            return Check(
                "expiry", "ok", f"{kind} API key; its expiry is kept in IAM, not in the key"
            )
        mint = f"`openai-bedrock token --region {settings.region} --export`"
        if short.region != settings.region:
            return Check(
                "expiry",
                "fail",
                f"short-term key minted for {short.region}, but the region is {settings.region}"
                " (short-term keys work only in their own region)",
                f"mint one for {settings.region}: {mint}",
            )
        return _remaining("short-term API key", short.expires, now, f"mint a new one: {mint}")
    expiry = _credentials_expiry(auth.credentials)
    if expiry is not None:
        refreshed = callable(getattr(auth.credentials, "refresh_needed", None))
        what = "temporary credentials" + (", refreshed automatically" if refreshed else "")
        return _remaining(what, expiry, now, _login_remedy(Context(profile=auth.profile)))
    if auth.frozen_credentials().token:
        return Check(
            "expiry", "ok", "temporary credentials (session token); expiry not known locally"
        )
    return Check("expiry", "ok", "long-term access key; does not expire")


def _remaining(what: str, expires: dt.datetime, now: dt.datetime, remedy: str) -> Check:
    left = expires - now
    when = f"{expires.strftime('%Y-%m-%d %H:%M:%S')} UTC"
    if left <= dt.timedelta(0):
        return Check("expiry", "fail", f"{what} expired at {when}", remedy)
    minutes = int(left.total_seconds() // 60)
    status = "warn" if left < EXPIRY_WARN else "ok"
    return Check(
        "expiry",
        status,
        f"{what}, expire at {when} (in {minutes} min)",
        remedy if status == "warn" else "",
    )


def _clock(settings: Any) -> Check:
    """The server's ``Date`` from an unauthenticated request, against the local clock."""
    from .._http import http

    url = str(settings.base_url).rstrip("/") + "/models"
    try:
        before = dt.datetime.now(dt.timezone.utc)
        # No credentials: this request only asks the server for the time.
        response = http.get(url, timeout=10.0)
        after = dt.datetime.now(dt.timezone.utc)
    except http.HTTPError as exc:
        return Check(
            "network",
            "fail",
            f"cannot reach {settings.base_url.host}: {type(exc).__name__}: {one_line(exc)}",
            "check your network and proxy (HTTPS_PROXY, NO_PROXY), and the region / endpoint",
        )
    date = response.headers.get("date")
    if not date:
        return Check("clock", "warn", "the server sent no Date header to compare with")
    try:
        server = parsedate_to_datetime(date)
    except (TypeError, ValueError):
        return Check("clock", "warn", f"the server's Date header is unreadable: {date!r}")
    local = before + (after - before) / 2
    skew = (local - server).total_seconds()
    ahead = "ahead of" if skew > 0 else "behind"
    detail = f"local clock {abs(skew):.0f} s {ahead} the server's Date"
    if abs(skew) > SKEW_LIMIT:
        return Check(
            "clock",
            "fail",
            detail + " (AWS rejects signatures beyond 5 min; this package's clients correct"
            " for it with one extra round trip, but other AWS tools and minted short-term keys"
            " do not)",
            CLOCK_REMEDY,
        )
    if abs(skew) > SKEW_WARN:
        return Check("clock", "warn", detail + " (AWS allows 5 min)", CLOCK_REMEDY)
    return Check("clock", "ok", detail)


def _call(kwargs: Mapping[str, Any], settings: Any, model: str, ctx: Context) -> Check:
    from openai_bedrock._endpoints import ENDPOINTS

    from ._common import client_from
    from ._diagnose import model_access_remedy

    client = client_from(settings, kwargs, max_retries=0, timeout=60.0)
    try:
        if ENDPOINTS[settings.endpoint].offers_models_list:
            raw = client.models.with_raw_response.list()
            ids = [m.id for m in raw.parse().data]
            rid = raw.headers.get("x-request-id") or "none"
            if ids and model not in ids:
                return Check(
                    "call",
                    "warn",
                    f"models list answered (request id {rid}), but {model} is not among "
                    f"its {len(ids)} models",
                    model_access_remedy(ctx),
                )
            return Check(
                "call", "ok", f"models list answered: {len(ids)} models (request id {rid})"
            )
        chat = client.chat.completions.with_raw_response.create(
            model=model, messages=[{"role": "user", "content": "Hi"}], max_tokens=1
        )
        rid = chat.headers.get("x-request-id") or "none"
        return Check(
            "call", "ok", f"1-token chat completion with {model} answered (request id {rid})"
        )
    except Exception as exc:
        diagnosis = diagnose(exc, ctx)
        return Check("call", "fail", diagnosis.problem, diagnosis.remedy)
    finally:
        client.close()
