"""Exceptions raised by openai-bedrock.

Every exception class the package raises is defined here (and re-exported where it
was first defined), so the hierarchy is in one place. Every failure a user can cause
is one of these: all are ``BedrockError`` and so ``openai.OpenAIError`` subclasses,
so an existing ``except openai.OpenAIError`` keeps catching everything.
Messages say what was wrong and what to do; they never contain a secret.
"""

from __future__ import annotations

import openai

__all__ = [
    "BatchEndpointError",
    "BatchHeadersMissingError",
    "BatchInputError",
    "BatchTimeoutError",
    "BedrockError",
    "ConfigurationError",
    "CredentialsError",
    "EmulatorError",
    "EmulatorNotRunningError",
    "ForeignOriginError",
    "ForkedClientError",
    "GuardTagError",
    "GuardrailError",
    "GuardrailNotEnforcedError",
    "StreamError",
    "UnknownOperationError",
]


class BedrockError(openai.OpenAIError):
    """Base class of every error raised by openai-bedrock itself."""


class ConfigurationError(BedrockError, ValueError):
    """The settings given to a factory are invalid or contradict each other.

    Raised at construction, before any network traffic.
    """


class CredentialsError(BedrockError):
    """No usable credentials were found, or loading or refreshing them failed."""


class ForeignOriginError(BedrockError):
    """A request was aimed at an origin other than the client's Bedrock endpoint.

    The request is refused before it is authenticated, so neither a signature nor an
    API key ever leaves the configured origin.
    """


class ForkedClientError(BedrockError):
    """A client built on a caller's ``transport=`` was used in a child after ``os.fork()``.

    Clients whose transport the factory built open new connections in the child instead.
    """


class UnknownOperationError(openai.NotFoundError, BedrockError):
    """Bedrock does not serve the requested path.

    bedrock-runtime answers such a request with HTTP 200 and a Coral
    ``UnknownOperationException`` envelope (docs/wire.md, "Unserved paths"); the
    client raises this instead of handing the SDK an empty page. It is an
    ``openai.APIStatusError`` (status 404, ``code`` ``"UnknownOperationException"``)
    and a ``BedrockError``.
    """


class StreamError(openai.APIError, BedrockError):
    """Bedrock sent an error inside a stream that had begun, so the answer is incomplete.

    Streams may end with an AWS error object (``{"message": ...}``, no OpenAI shape) or
    an ``error`` event after content was sent, under throttling or internal errors
    (docs/wire.md, "Streaming failures"). Raised while the stream is read, instead of
    handing that frame over as a chunk. An ``openai.APIError``: ``message``, ``request``
    and ``body`` (the frame) as the SDK's own in-stream errors have them. Retry the call.
    """


class BatchEndpointError(ConfigurationError):
    """A batch call on a client that does not talk to bedrock-runtime.

    Bedrock serves the OpenAI Batch API on bedrock-runtime only
    (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-openai-batch.html);
    the call is refused before it is sent.
    """


class BatchHeadersMissingError(ConfigurationError):
    """``batches.create`` without the ``X-Amzn-Bedrock-RoleArn`` / ``-ModelId`` headers.

    Refused before sending; ``openai_bedrock.batch_headers()`` builds them.
    """


class BatchInputError(BedrockError, ValueError):
    """A batch input Bedrock would refuse (a bad line, a repeated ``custom_id``, too few or
    too many records, too many bytes). Raised by ``batch.upload_input`` before anything
    is uploaded."""


class BatchTimeoutError(BedrockError, TimeoutError):
    """``batch.wait`` gave up before the batch reached a final status (it keeps running)."""


class GuardrailError(ConfigurationError):
    """A guardrail setting is invalid, or conflicts with the caller's own options."""


class GuardTagError(GuardrailError):
    """Text to be tagged already contains a guard tag, so it was refused.

    Such a tag could close the guard tag early and move the rest of the text out of
    the guardrail's evaluation. Reject the input, or strip the tag, before tagging.
    """


class GuardrailNotEnforcedError(BedrockError):
    """A guardrail was sent where Bedrock documents or reports that it is ignored.

    Raised instead of sending the request, so nobody believes a call was guarded when
    it was not. ``create_client(..., allow_unenforced_guardrail=True)`` sends anyway.
    """


class EmulatorError(BedrockError, ValueError):
    """``openai_bedrock.testing.BedrockEmulator`` was given an invalid argument (an
    unknown endpoint or fault kind)."""


class EmulatorNotRunningError(BedrockError, RuntimeError):
    """A running emulator's address was asked of one that is not running: use it as
    ``with BedrockEmulator() as emu:``."""
