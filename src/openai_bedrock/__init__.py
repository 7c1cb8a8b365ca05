"""Run code written for the official ``openai`` SDK on Amazon Bedrock.

    import openai_bedrock

    client = openai_bedrock.create_client(region="us-west-2")        # openai.OpenAI
    aclient = openai_bedrock.create_async_client(region="us-west-2")  # openai.AsyncOpenAI

Requests are authenticated per attempt by a custom httpx transport, with AWS SigV4
(botocore credentials) or a Bedrock API key.
"""

from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._batchwire import batch_headers
    from ._client import (
        DEFAULT_TIMEOUT,
        create_async_client,
        create_async_http_client,
        create_client,
        create_http_client,
        create_transport,
    )
    from ._endpoints import Endpoint
    from ._errors import (
        BatchEndpointError,
        BatchHeadersMissingError,
        BatchInputError,
        BatchTimeoutError,
        BedrockError,
        ConfigurationError,
        CredentialsError,
        EmulatorError,
        EmulatorNotRunningError,
        ForeignOriginError,
        ForkedClientError,
        GuardrailError,
        GuardrailNotEnforcedError,
        GuardTagError,
        StreamError,
        UnknownOperationError,
    )
    from ._http import http_library
    from ._tokens import (
        ShortTermToken,
        ShortTermTokenProvider,
        mint_short_term_token,
        short_term_token_provider,
    )
    from .guardrails import (
        AsyncGuardrailStream,
        Guardrail,
        GuardrailOutcome,
        GuardrailStream,
        TaggedRequest,
        guardrail_outcome,
    )

__all__ = [
    "DEFAULT_TIMEOUT",
    "AsyncGuardrailStream",
    "BatchEndpointError",
    "BatchHeadersMissingError",
    "BatchInputError",
    "BatchTimeoutError",
    "BedrockError",
    "ConfigurationError",
    "CredentialsError",
    "EmulatorError",
    "EmulatorNotRunningError",
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
    "StreamError",
    "TaggedRequest",
    "UnknownOperationError",
    "__version__",
    "batch_headers",
    "create_async_client",
    "create_async_http_client",
    "create_client",
    "create_http_client",
    "create_transport",
    "guardrail_outcome",
    "http_library",
    "mint_short_term_token",
    "short_term_token_provider",
]

# Where each public name lives. PEP 562 (https://peps.python.org/pep-0562/): a name is
# imported on first use, so `import openai_bedrock` alone (as the pytest plugin's
# entry point does in every pytest session) imports neither openai nor its HTTP library, and
# `from openai_bedrock import create_client` imports what a client needs and no more
# (guardrail tagging, outcomes and short-term tokens load when first named).
_HOMES = {
    "DEFAULT_TIMEOUT": "._client",
    "create_async_client": "._client",
    "create_client": "._client",
    "create_async_http_client": "._client",
    "create_http_client": "._client",
    "create_transport": "._client",
    "http_library": "._http",
    "Endpoint": "._endpoints",
    "BatchEndpointError": "._errors",
    "BatchHeadersMissingError": "._errors",
    "BatchInputError": "._errors",
    "BatchTimeoutError": "._errors",
    "batch_headers": "._batchwire",
    "BedrockError": "._errors",
    "ConfigurationError": "._errors",
    "CredentialsError": "._errors",
    "EmulatorError": "._errors",
    "EmulatorNotRunningError": "._errors",
    "ForeignOriginError": "._errors",
    "ForkedClientError": "._errors",
    "StreamError": "._errors",
    "UnknownOperationError": "._errors",
    "ShortTermToken": "._tokens",
    "ShortTermTokenProvider": "._tokens",
    "mint_short_term_token": "._tokens",
    "short_term_token_provider": "._tokens",
    "AsyncGuardrailStream": ".guardrails",
    "Guardrail": ".guardrails",
    "GuardrailError": "._errors",
    "GuardrailNotEnforcedError": "._errors",
    "GuardrailOutcome": ".guardrails",
    "GuardrailStream": ".guardrails",
    "GuardTagError": "._errors",
    "TaggedRequest": ".guardrails",
    "guardrail_outcome": ".guardrails",
}


def __getattr__(name: str) -> Any:
    import importlib

    if name == "guardrails":  # a public module, which `import openai_bedrock` used to load
        return importlib.import_module(".guardrails", __name__)
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
