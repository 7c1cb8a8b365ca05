"""What to do about the errors Bedrock users hit most: one table, matched on the
error's code and message (docs/wire.md, "Error shapes"), appended in brackets to
Bedrock's own message, which is always kept."""

from __future__ import annotations

import json
from typing import Any, NamedTuple, Optional

from ._settings import Settings


class Remedy(NamedTuple):
    codes: frozenset[str]  # the error's code or AWS type; empty: any
    needle: str  # a lowercase piece of Bedrock's message; "": any
    statuses: frozenset[int]  # empty: any
    text: str  # str.format fields: endpoint, region, model, other


_ID_EXAMPLE = (
    "Model ids differ per endpoint: e.g. openai.gpt-oss-120b on mantle, "
    "openai.gpt-oss-120b-1:0 on runtime."
)

# First match wins: specific messages before generic codes.
REMEDIES: tuple[Remedy, ...] = (
    Remedy(
        frozenset(),
        "the provided model identifier is invalid",
        frozenset(),
        "Model {model!r} is not a bedrock-{endpoint} model id in {region}. " + _ID_EXAMPLE,
    ),
    Remedy(
        frozenset({"model_not_found"}),
        "",
        frozenset(),
        "Model {model!r} was not found on bedrock-{endpoint} in {region}. " + _ID_EXAMPLE,
    ),
    Remedy(
        frozenset(),
        "does not support the",
        frozenset(),
        "This model does not offer this API on bedrock-{endpoint}: use the other API "
        "(chat.completions or responses) or a model that offers it.",
    ),
    Remedy(
        frozenset(),
        "background parameter is not supported",
        frozenset(),
        "Background responses are served by bedrock-mantle only: build the client with "
        "endpoint='mantle', or leave background out.",
    ),
    Remedy(
        frozenset(),
        "signature expired",
        frozenset(),
        "The request was signed too long ago or the machine's clock is off: check the "
        "clock, and that a short-term API key has not expired.",
    ),
    Remedy(
        frozenset({"InvalidSignatureException", "SignatureDoesNotMatch"}),
        "",
        frozenset(),
        "The signature did not match: check that the secret key belongs to the access "
        "key, and that nothing between you and Bedrock rewrites the request.",
    ),
    Remedy(
        frozenset(),
        "authentication failed: please make sure your api key is valid",
        frozenset(),
        "The Bedrock API key was refused: check that it is complete and not expired, and "
        "that it was made for {region} (a key works only in its own region).",
    ),
    Remedy(
        frozenset(),
        "invalid api key format",
        frozenset(),
        "The Bedrock API key was refused: it is not a Bedrock API key, or IAM does not "
        "allow bedrock:CallWithBearerToken for its identity.",
    ),
    Remedy(
        frozenset({"ThrottlingException", "rate_limit_exceeded", "throttling"}),
        "",
        frozenset(),
        "Bedrock is throttling this account: retry later with backoff (the client's "
        "max_retries), or ask for a higher quota in Service Quotas.",
    ),
    Remedy(
        frozenset({"AccessDeniedException", "access_denied"}),
        "",
        frozenset({403}),
        "Access is not enabled: request model access in the Bedrock console for {region}, "
        "and check that IAM allows this bedrock-{endpoint} action.",
    ),
)


def remedy(
    settings: Settings, status: int, code: Optional[str], message: str, model: Optional[str]
) -> Optional[str]:
    """The bracketed advice for an error, or None."""
    lowered = message.lower()
    for row in REMEDIES:
        if row.codes and code not in row.codes:
            continue
        if row.needle and row.needle not in lowered:
            continue
        if row.statuses and status not in row.statuses:
            continue
        return (
            "("
            + row.text.format(
                endpoint=settings.endpoint, region=settings.region, model=model or "?"
            )
            + ")"
        )
    return None


def wrong_base(settings: Settings, path: str, *, routed: bool, retried: bool = True) -> str:
    """Mantle's wrong-base answer: routing was tried, or the other base to use."""
    from ._mantle_routes import OPENAI_V1, V1

    if routed:
        tried = (
            "tried both bases"
            if retried
            else f"sent it to {_base_of_path(path)}, the base known for this model"
        )
        return (
            "(bedrock-mantle serves each model under /v1 or /openai/v1; openai-bedrock "
            f"routed this request by model and {tried}. The model may not be offered in "
            f"{settings.region}: check its model card's Programmatic access.)"
        )
    here = OPENAI_V1 if path.startswith(OPENAI_V1 + "/") else V1
    there = V1 if here == OPENAI_V1 else OPENAI_V1
    return (
        f"(bedrock-mantle serves this model under {there}, not {here}: use base_url "
        f"'https://{settings.base_url.host}{there}', or leave base_url out so that "
        "openai-bedrock routes each model to its base.)"
    )


def message_of(content: bytes) -> str:
    """Bedrock's message in an error body of either shape ("" when none)."""
    try:
        body: Any = json.loads(content)
    except ValueError:
        return content.decode("utf-8", "replace")[:500]
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    if not isinstance(body, dict):
        return ""
    message = body.get("message", body.get("Message"))
    return message if isinstance(message, str) else ""


def _base_of_path(path: str) -> str:
    return "/openai/v1" if path.startswith("/openai/v1/") else "/v1"
