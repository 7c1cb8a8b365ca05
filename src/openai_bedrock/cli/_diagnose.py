"""Turn what went wrong into one line: the problem, and the exact thing to do.

Shared by every subcommand (their failures) and by ``doctor`` (its checks). The
remedies follow Bedrock's documented and observed error bodies
(https://docs.aws.amazon.com/bedrock/latest/userguide/troubleshooting-api-error-codes.html,
docs/wire.md section 5). Rules are data, checked top to bottom; the first match wins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional

from ._common import FAILED, USAGE, one_line

CLOCK_REMEDY = (
    "fix this machine's clock: turn on automatic time sync (NTP), e.g. "
    "`sudo timedatectl set-ntp true` on Linux, Settings > Date & Time on macOS/Windows"
)
REGION_REMEDY = "set AWS_REGION (e.g. `export AWS_REGION=us-west-2`) or pass --region"


@dataclass(frozen=True)
class Context:
    """What a remedy needs to be exact."""

    region: Optional[str] = None
    model: Optional[str] = None
    profile: Optional[str] = None
    bearer: bool = False  # authenticated with a Bedrock API key
    source: str = ""  # where the credentials came from (settings.auth.source)
    endpoint: str = "runtime"


@dataclass(frozen=True)
class Diagnosis:
    problem: str
    remedy: str
    kind: str  # credentials | clock | model-access | permissions | model | guardrail | ...
    code: int = FAILED

    def line(self) -> str:
        """What went wrong and what to do, on one line."""
        fix = f" To fix: {self.remedy}." if self.remedy else ""
        return one_line(f"{self.problem}{fix}")


def credentials_remedy(ctx: Context) -> str:
    """What to run when the credentials in use were refused or could not be loaded."""
    if ctx.bearer:
        return (
            f"check the Bedrock API key from {ctx.source or 'AWS_BEARER_TOKEN_BEDROCK'}: it "
            f"must be valid and, if short-term, minted for {ctx.region or 'this region'}; "
            "mint a fresh one with `openai-bedrock token --export`"
        )
    if ctx.profile:
        return f"run `aws sso login --profile {ctx.profile}` (for SSO profiles) or check " + (
            f"the keys of profile {ctx.profile!r} (`aws configure --profile {ctx.profile}`)"
        )
    if "env" in ctx.source:
        return (
            "check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN: they must "
            "belong together and still be valid (or unset them and use a profile)"
        )
    return (
        "check the AWS credentials from "
        f"{ctx.source or 'the default chain'} (`aws sts get-caller-identity` shows who "
        "you are), or run `aws sso login --profile NAME` and pass --profile NAME"
    )


def model_access_remedy(ctx: Context) -> str:
    region = ctx.region or "your region"
    return (
        f"request access to {ctx.model or 'the model'} in {region} (Bedrock console > Model "
        f"access: https://console.aws.amazon.com/bedrock/home?region={region}#/modelaccess), "
        "or pick a model enabled there with --model"
    )


_Rule = tuple[
    Callable[[int, str, str], bool],  # (status, AWS error type, message) -> matches
    str,  # kind
    Callable[[Context], str],  # remedy
]

_RULES: tuple[_Rule, ...] = (
    (
        lambda s, t, m: "signature expired" in m or "signature not yet current" in m,
        "clock",
        lambda ctx: CLOCK_REMEDY,
    ),
    (
        lambda s, t, m: (
            t == "ExpiredTokenException" or "token included in the request is expired" in m
        ),
        "credentials",
        credentials_remedy,
    ),
    (
        lambda s, t, m: (
            t
            in (
                "UnrecognizedClientException",
                "InvalidSignatureException",
                "SignatureDoesNotMatch",
                "IncompleteSignatureException",
                "MissingAuthenticationTokenException",
            )
            or "security token included in the request is invalid" in m
            or "signature we calculated does not match" in m
            or "api key" in m
            or "bearer token" in m
            or s == 401
        ),
        "credentials",
        credentials_remedy,
    ),
    (
        lambda s, t, m: (
            "access to the model" in m
            or "not enabled for this account" in m
            or "aws-marketplace" in m
        ),
        "model-access",
        model_access_remedy,
    ),
    (
        lambda s, t, m: s == 403 or t == "AccessDeniedException",
        "permissions",
        lambda ctx: (
            "ask your AWS administrator to allow bedrock:InvokeModel and "
            f"bedrock:InvokeModelWithResponseStream on {ctx.model or 'the model'} in "
            f"{ctx.region or 'your region'} for your role; if your account requires a "
            "guardrail on every call, pass --guardrail ID:VERSION"
        ),
    ),
    (
        lambda s, t, m: "guardrail" in m,
        "guardrail",
        lambda ctx: (
            "check the --guardrail id and version: the guardrail must exist in "
            f"{ctx.region or 'your region'} (versions are DRAFT or a published number)"
        ),
    ),
    (
        lambda s, t, m: s == 404 or t == "ResourceNotFoundException" or "model" in m,
        "model",
        lambda ctx: (
            f"check --model {ctx.model or ''}: it must be offered in "
            f"{ctx.region or 'your region'} on bedrock-{ctx.endpoint} (runtime ids look like "
            "openai.gpt-oss-20b-1:0, mantle ids like openai.gpt-oss-20b)"
        ),
    ),
    (
        lambda s, t, m: s == 429 or t in ("ThrottlingException", "ServiceQuotaExceededException"),
        "throttled",
        lambda ctx: "wait and retry, or request a higher quota in Service Quotas",
    ),
    (
        lambda s, t, m: s >= 500,
        "server",
        lambda ctx: "retry in a moment; if it persists, report the request id to AWS Support",
    ),
)


def diagnose_status(
    status: int,
    error_type: Optional[str],
    message: str,
    ctx: Context,
    request_id: Optional[str] = None,
) -> Diagnosis:
    """Diagnose an HTTP error answer from Bedrock."""
    lowered = message.lower()
    kind, remedy = "request", "check the request (see the message)"
    for matches, rule_kind, rule_remedy in _RULES:
        if matches(status, error_type or "", lowered):
            kind, remedy = rule_kind, rule_remedy(ctx)
            break
    label = f"{status} {error_type}" if error_type else str(status)
    rid = f" (request id {request_id})" if request_id else ""
    # One full stop, unless the message already ends a sentence (or the library's
    # bracketed advice, which ends in ".)").
    said = message if message.endswith((".", ".)", "!", "?")) else f"{message}."
    return Diagnosis(f"Bedrock answered {label}: {said}{rid}", remedy, kind)


def _aws_message(body: object, fallback: str) -> str:
    if isinstance(body, dict):
        message = body.get("message") or body.get("Message")
        if isinstance(message, str) and message:
            return message
    return fallback


def bedrock_cause(exc: BaseException) -> Optional[BaseException]:
    """Our own error in ``exc``'s cause chain (openai 1.x wraps transport errors)."""
    from openai_bedrock import BedrockError

    seen: Optional[BaseException] = exc
    while seen is not None:
        if isinstance(seen, BedrockError):
            return seen
        seen = seen.__cause__
    return None


def diagnose(exc: BaseException, ctx: Context) -> Diagnosis:
    """The one-line explanation of any exception a command can meet."""
    import openai

    from openai_bedrock import ConfigurationError, CredentialsError, GuardrailNotEnforcedError

    ours = bedrock_cause(exc)
    if isinstance(ours, CredentialsError):
        # Its message already names the source and the remedy (aws sso login ...).
        return Diagnosis(one_line(str(ours)), "", "credentials", USAGE)
    if isinstance(ours, (ConfigurationError, GuardrailNotEnforcedError)):
        return Diagnosis(one_line(str(ours)), "", "configuration", USAGE)
    if ours is not None:
        return Diagnosis(one_line(str(ours)), "", "refused", FAILED)
    if isinstance(exc, openai.APIStatusError):
        message = _aws_message(exc.body, exc.message)
        error_type = exc.code if isinstance(exc.code, str) else None
        return diagnose_status(exc.status_code, error_type, one_line(message), ctx, exc.request_id)
    if isinstance(exc, openai.APITimeoutError):
        return Diagnosis(
            "The request timed out.",
            "check your network or proxy, and that the endpoint is reachable",
            "network",
        )
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        detail = f" ({type(cause).__name__}: {one_line(str(cause))})" if cause else ""
        return Diagnosis(
            f"Could not connect to Bedrock{detail}.",
            "check your network and proxy settings (HTTPS_PROXY, NO_PROXY), and --region / "
            "--endpoint / AWS_BEDROCK_BASE_URL",
            "network",
        )
    if isinstance(exc, openai.OpenAIError):
        return Diagnosis(one_line(str(exc)) + ".", "rerun with --debug for details", "sdk")
    return Diagnosis(
        f"Unexpected {type(exc).__name__}: {one_line(str(exc))}.",
        "rerun with --debug and report the traceback",
        "internal",
    )
