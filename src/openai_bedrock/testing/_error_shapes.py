"""Bedrock's error answers: AWS-style (``x-amzn-ErrorType``) and OpenAI-style bodies,
from the service and from the authentication layer in front of it. Part of
``_shapes``."""

from __future__ import annotations

from typing import Any, NamedTuple

from ._chat_shapes import dumps

# x-amzn-ErrorType is "<Code>:<namespace>". INFERRED (3P-observed on runtime, section 5).
ERROR_NAMESPACE = "http://internal.amazon.com/coral/com.amazon.bedrock/"
# Errors raised by AWS's authentication layer in front of the service. GUESS (section 8E).
AUTH_ERROR_NAMESPACE = "http://internal.amazon.com/coral/com.amazon.coral.service/"


# --- Errors (section 5, 8D, 8E) ----------------------------------------------------------


class ErrorReply(NamedTuple):
    """An error: status, code and JSON body. AWS-style ones (``aws``) carry
    ``x-amzn-ErrorType``; OpenAI-style ones (``{"error": {...}}``, what both endpoints
    were captured answering, docs/wire.md "Error shapes") do not."""

    status: int
    code: str
    body: dict[str, Any]
    namespace: str = ERROR_NAMESPACE
    aws: bool = True

    @property
    def error_type(self) -> str:
        """The ``x-amzn-ErrorType`` header value."""
        return f"{self.code}:{self.namespace}"

    @property
    def content(self) -> bytes:
        return dumps(self.body)


def throttling(message: str = "Too many tokens, please wait before trying again.") -> ErrorReply:
    """429 ThrottlingException, ``{"message": ...}``, no Retry-After. Status DOCUMENTED
    (S-bc); body and text INFERRED (3P-observed, section 8D)."""
    return ErrorReply(429, "ThrottlingException", {"message": message})


def openai_error(
    status: int, code: str, message: str, type: str = "invalid_request_error"
) -> ErrorReply:
    """An OpenAI-style error body with all four keys, as captured on both endpoints
    (docs/wire.md, "Error shapes")."""
    body = {"error": {"message": message, "type": type, "param": None, "code": code}}
    return ErrorReply(status, code, body, aws=False)


def validation(message: str) -> ErrorReply:
    """400 ``validation_error``, OpenAI-style: CAPTURED on both endpoints
    (docs/wire.md, "Error shapes")."""
    return openai_error(400, "validation_error", message)


def invalid_model_identifier() -> ErrorReply:
    """runtime: an unknown model id. 400 and the text CAPTURED (docs/wire.md,
    "Error shapes"); the code ``validation_error`` INFERRED from the same envelope."""
    return validation("The provided model identifier is invalid")


def model_not_found(model: str) -> ErrorReply:
    """mantle: an unknown model id. 404 ``model_not_found`` INFERRED from public client
    code (docs/wire.md, "Error shapes"); text GUESS (OpenAI's wording)."""
    return openai_error(
        404,
        "model_not_found",
        f"The model `{model}` does not exist or you do not have access to it.",
    )


def wrong_base(model: str, status: int = 400) -> ErrorReply:
    """mantle: a model sent to the base that does not serve it. Both bodies CAPTURED
    (docs/wire.md, "Mantle bases")."""
    if status == 401:
        return openai_error(
            401,
            "access_denied",
            "Berm is not enabled for this account",
            type="permission_denied_error",
        )
    error = {
        "code": "validation_error",
        "message": f"model `{model}` isn't supported on this route",
    }
    return ErrorReply(400, "validation_error", {"error": error}, aws=False)


def background_not_supported() -> ErrorReply:
    """runtime: ``background: true``. 400 and text CAPTURED (docs/wire.md, "Stored
    responses")."""
    return validation("The background parameter is not supported.")


def response_not_found() -> ErrorReply:
    """404 for a stored response this base does not hold. Text CAPTURED on mantle
    (docs/wire.md, "Stored responses")."""
    return openai_error(404, "not_found", "Response not found.")


# runtime's answer to a path it does not serve: HTTP 200 (docs/wire.md, "Unserved paths").
UNKNOWN_OPERATION_ENVELOPE: dict[str, Any] = {
    "Output": {"__type": "com.amazon.coral.service#UnknownOperationException"},
    "Version": "1.0",
}


def guardrail_not_found(guardrail_id: str, version: str) -> ErrorReply:
    """An unknown guardrail id or version: non-200 is 3P-observed (section 4); 400
    ValidationException and the text GUESS."""
    # Kept AWS-style: no capture shows this rejection's body (docs/wire.md 10.6).
    message = (
        f"The guardrail identifier or version provided in the request does not exist: "
        f"{guardrail_id}:{version}."
    )
    return ErrorReply(400, "ValidationException", {"message": message})


def access_denied(message: str) -> ErrorReply:
    """403 AccessDeniedException with a capital-M ``{"Message"}`` body. Status DOCUMENTED
    (S-bc); the capital M INFERRED (3P-observed for auth-layer errors, section 5)."""
    return ErrorReply(403, "AccessDeniedException", {"Message": message})


def iam_denied(principal_arn: str, resource_arn: str, action: str = "bedrock:InvokeModel") -> str:
    """The IAM denial text. INFERRED (3P-observed, section 5)."""
    return (
        f"User: {principal_arn} is not authorized to perform: {action} on resource: "
        f"{resource_arn} because no identity-based policy allows the {action} action"
    )


def no_model_access() -> ErrorReply:
    """403 AccessDeniedException for a model the account cannot use. Text INFERRED
    (3P-observed, section 5); lower-case ``message`` GUESS."""
    return ErrorReply(
        403,
        "AccessDeniedException",
        {"message": "You don't have access to the model with the specified model ID."},
    )


def invalid_api_key() -> ErrorReply:
    """A Bedrock API key that is not valid (or used outside its Region). Capital-M text
    INFERRED (3P-observed, section 5); 403 AccessDeniedException GUESS."""
    return access_denied("Authentication failed: Please make sure your API Key is valid.")


def signature_mismatch() -> ErrorReply:
    """403 InvalidSignatureException, signature does not match. Text INFERRED (3P-observed,
    section 5; AWS's standard wording); the error type and namespace GUESS (section 8E)."""
    return ErrorReply(
        403,
        "InvalidSignatureException",
        {
            "message": "The request signature we calculated does not match the signature "
            "you provided. Check your AWS Secret Access Key and signing method. Consult the "
            "service documentation for details."
        },
        AUTH_ERROR_NAMESPACE,
    )


def signature_expired(request_time: str, server_time: str, earliest: str) -> ErrorReply:
    """403 InvalidSignatureException for a request dated more than 5 minutes ago.

    ``"Signature expired: <request> is now earlier than <server - 5 min> (<server> - 5
    min.)"``: INFERRED (3P-observed on Bedrock, section 2 and 8E); times are
    ``YYYYMMDDTHHMMSSZ``. Error type GUESS.
    """
    message = (
        f"Signature expired: {request_time} is now earlier than {earliest} ({server_time} - 5 min.)"
    )
    return ErrorReply(403, "InvalidSignatureException", {"message": message}, AUTH_ERROR_NAMESPACE)


def signature_not_yet_current(request_time: str, server_time: str, latest: str) -> ErrorReply:
    """403 InvalidSignatureException for a request dated more than 5 minutes ahead. Text
    INFERRED (AWS's wording, section 2); error type GUESS."""
    message = (
        f"Signature not yet current: {request_time} is still later than {latest} "
        f"({server_time} + 5 min.)"
    )
    return ErrorReply(403, "InvalidSignatureException", {"message": message}, AUTH_ERROR_NAMESPACE)


def unrecognized_client() -> ErrorReply:
    """403 UnrecognizedClientException, unknown access key or session token. Text
    INFERRED (3P-observed, section 5); error type INFERRED (botocore's name for it)."""
    return ErrorReply(
        403,
        "UnrecognizedClientException",
        {"message": "The security token included in the request is invalid."},
        AUTH_ERROR_NAMESPACE,
    )


def expired_token() -> ErrorReply:
    """403 ExpiredTokenException for an expired session token. Text INFERRED
    (3P-observed, section 5); error type GUESS."""
    return ErrorReply(
        403,
        "ExpiredTokenException",
        {"message": "The security token included in the request is expired"},
        AUTH_ERROR_NAMESPACE,
    )


def incomplete_signature(message: str) -> ErrorReply:
    """400 IncompleteSignatureException (malformed Authorization or scope). Status
    DOCUMENTED (S-ts); text GUESS."""
    return ErrorReply(
        400, "IncompleteSignatureException", {"message": message}, AUTH_ERROR_NAMESPACE
    )


def missing_authentication() -> ErrorReply:
    """403 MissingAuthenticationTokenException for a request without credentials. GUESS
    (AWS's generic API Gateway-style answer)."""
    return ErrorReply(
        403,
        "MissingAuthenticationTokenException",
        {"message": "Missing Authentication Token"},
        AUTH_ERROR_NAMESPACE,
    )


def resource_not_found(message: str) -> ErrorReply:
    """404 ResourceNotFoundException. Status DOCUMENTED (S-bc); text GUESS."""
    return ErrorReply(404, "ResourceNotFoundException", {"message": message})


def unknown_operation() -> ErrorReply:
    """404 for a path the endpoint does not serve, including ``GET /models`` on runtime
    (that runtime does not implement it is DOCUMENTED, S-cc). Status, type and text GUESS
    (AWS's generic answer; the body runtime sends there is not documented)."""
    return ErrorReply(404, "UnknownOperationException", {"message": "Not Found"})


def internal_error() -> ErrorReply:
    """500 InternalServerException. Status DOCUMENTED (S-bc); text GUESS."""
    return ErrorReply(
        500, "InternalServerException", {"message": "Internal server error. Please try again."}
    )


def service_unavailable() -> ErrorReply:
    """503 ServiceUnavailableException. Status DOCUMENTED (S-bc); text GUESS."""
    return ErrorReply(
        503,
        "ServiceUnavailableException",
        {"message": "Service is temporarily unavailable. Please try again."},
    )
