"""Run code written for the official ``openai`` SDK on Amazon Bedrock.

    import openai_bedrock

    client = openai_bedrock.create_client(region="us-west-2")        # openai.OpenAI
    aclient = openai_bedrock.create_async_client(region="us-west-2")  # openai.AsyncOpenAI

Requests are authenticated per attempt by a custom httpx transport, with AWS SigV4
(botocore credentials) or a Bedrock API key.
"""

from ._client import DEFAULT_TIMEOUT, create_async_client, create_client
from ._endpoints import Endpoint
from ._errors import (
    BedrockError,
    ConfigurationError,
    CredentialsError,
    ForeignOriginError,
    ForkedClientError,
)
from ._tokens import (
    ShortTermToken,
    ShortTermTokenProvider,
    mint_short_term_token,
    short_term_token_provider,
)
from ._version import __version__
from .guardrails import (
    AsyncGuardrailStream,
    Guardrail,
    GuardrailError,
    GuardrailNotEnforcedError,
    GuardrailOutcome,
    GuardrailStream,
    GuardTagError,
    TaggedRequest,
    guardrail_outcome,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "AsyncGuardrailStream",
    "BedrockError",
    "ConfigurationError",
    "CredentialsError",
    "Endpoint",
    "ForeignOriginError",
    "ForkedClientError",
    "GuardTagError",
    "Guardrail",
    "GuardrailError",
    "GuardrailNotEnforcedError",
    "GuardrailOutcome",
    "GuardrailStream",
    "ShortTermToken",
    "ShortTermTokenProvider",
    "TaggedRequest",
    "__version__",
    "create_async_client",
    "create_client",
    "guardrail_outcome",
    "mint_short_term_token",
    "short_term_token_provider",
]
