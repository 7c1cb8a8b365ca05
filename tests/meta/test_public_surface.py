"""The public names are pinned: renaming, adding or removing one is a deliberate act.

If this fails because you changed the public API on purpose: update the list here, and say
what changed for users in CHANGELOG.md under ``## [Unreleased]`` (a removal or rename breaks
their code, so say what to use instead).
"""

from __future__ import annotations

import openai_bedrock
import openai_bedrock.testing

PACKAGE = [
    "AsyncGuardrailStream",
    "BatchEndpointError",
    "BatchHeadersMissingError",
    "BatchInputError",
    "BatchTimeoutError",
    "BedrockError",
    "ConfigurationError",
    "CredentialsError",
    "DEFAULT_TIMEOUT",
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

TESTING = ["BedrockEmulator", "EmulatedRequest", "vcr_config"]

DELIBERATE = (
    "the public API changed: if that is deliberate, update this list and add a line to "
    "CHANGELOG.md under [Unreleased] saying what changed for users (and, for a rename or a "
    "removal, what to use instead)"
)


def test_openai_bedrock_all_is_pinned() -> None:
    assert sorted(openai_bedrock.__all__) == PACKAGE, DELIBERATE


def test_openai_bedrock_testing_all_is_pinned() -> None:
    assert sorted(openai_bedrock.testing.__all__) == TESTING, DELIBERATE


def test_every_pinned_name_resolves() -> None:
    """A name in __all__ that fails to import would break ``from openai_bedrock import *``."""
    for name in PACKAGE:
        assert getattr(openai_bedrock, name) is not None, name
    for name in TESTING:
        assert getattr(openai_bedrock.testing, name) is not None, name
