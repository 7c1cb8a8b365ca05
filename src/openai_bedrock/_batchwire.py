"""The wire side of Bedrock's OpenAI Batch API: its headers, and the checks the
transport makes before a batch call leaves.

Bedrock serves ``/openai/v1/batches`` on bedrock-runtime only and takes the model and
the batch service role in headers, not the body
(https://docs.aws.amazon.com/bedrock/latest/userguide/inference-openai-batch.html).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Optional

from ._errors import BatchEndpointError, BatchHeadersMissingError, ConfigurationError
from ._http import http

ROLE_ARN_HEADER = "X-Amzn-Bedrock-RoleArn"
MODEL_ID_HEADER = "X-Amzn-Bedrock-ModelId"
OUTPUT_KMS_HEADER = "X-Amzn-Bedrock-OutputEncryptionKeyId"
TAGS_HEADER = "X-Amzn-Bedrock-Tags"

# arn:<partition>:iam::<12-digit account>:role/<path/><name>; IAM role names are
# 1-64 of [\w+=,.@-] (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html).
_ROLE_ARN = r"(?a)arn:aws(?:-[a-z]+)*:iam::\d{12}:role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}"
# Patterns as text: compiled (and cached by ``re``) on first use, not at import.
# A model id, inference profile id or ARN: no spaces or control characters, which
# could not travel in a header anyway.
_MODEL_ID = r"[A-Za-z0-9][A-Za-z0-9._:/+-]{0,2047}"
_KMS_KEY = r"[A-Za-z0-9][A-Za-z0-9:/_.-]{0,2047}"


def batch_headers(
    role_arn: str,
    model: str,
    *,
    output_kms_key_id: Optional[str] = None,
    tags: Optional[Mapping[str, str]] = None,
) -> dict[str, str]:
    """The headers ``client.batches.create(extra_headers=...)`` needs on Bedrock.

    ``role_arn`` is the batch service role Bedrock assumes to read the input and write
    the output in S3; ``model`` the model id (e.g. ``openai.gpt-oss-20b-1:0``).
    ``output_kms_key_id`` encrypts the output objects with that KMS key.

    ``tags`` go in ``X-Amzn-Bedrock-Tags``. AWS calls the value "a dictionary of keys
    and values" without saying how it is encoded (inference-openai-batch.html); we send
    compact JSON (``{"team":"ml"}``), the only dictionary encoding the page's other
    JSON suggests. Should Bedrock reject it, that is the one line to change.

    Raises ``ConfigurationError`` for a value that cannot be right, before any call.
    """
    if not isinstance(role_arn, str) or not re.fullmatch(_ROLE_ARN, role_arn):
        raise ConfigurationError(
            f"role_arn={role_arn!r} is not an IAM role ARN. Pass the ARN of the batch "
            "service role, e.g. 'arn:aws:iam::123456789012:role/BedrockBatchRole' "
            "(see docs/batch.md for its trust and S3 policies)."
        )
    if not isinstance(model, str) or not re.fullmatch(_MODEL_ID, model):
        raise ConfigurationError(
            f"model={model!r} is not a Bedrock model id. Pass one such as 'openai.gpt-oss-20b-1:0'."
        )
    headers = {ROLE_ARN_HEADER: role_arn, MODEL_ID_HEADER: model}
    if output_kms_key_id is not None:
        if not isinstance(output_kms_key_id, str) or not re.fullmatch(_KMS_KEY, output_kms_key_id):
            raise ConfigurationError(
                f"output_kms_key_id={output_kms_key_id!r} is not a KMS key id, alias or ARN."
            )
        headers[OUTPUT_KMS_HEADER] = output_kms_key_id
    if tags is not None:
        if not isinstance(tags, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) and k for k, v in tags.items()
        ):
            raise ConfigurationError("tags must map non-empty strings to strings.")
        if tags:
            # ensure_ascii: header values must be ASCII.
            headers[TAGS_HEADER] = json.dumps(dict(tags), separators=(",", ":"))
    return headers


def is_batch_path(path: str) -> bool:
    """Whether a request path is one of the Batch API's."""
    return "/batches" in path


def check(endpoint: str, request: http.Request) -> None:
    """Refuse a batch call Bedrock cannot serve, before it is sent."""
    path = request.url.path
    if endpoint != "runtime":
        raise BatchEndpointError(
            f"Refused to send {request.method} {path}: Bedrock serves the Batch API on "
            "bedrock-runtime only (https://bedrock-runtime.{region}.amazonaws.com/openai/v1). "
            "Build the client with openai_bedrock.create_client(endpoint='runtime')."
        )
    if request.method == "POST" and path.endswith("/batches"):
        missing = [
            name for name in (ROLE_ARN_HEADER, MODEL_ID_HEADER) if name not in request.headers
        ]
        if missing:
            raise BatchHeadersMissingError(
                f"Refused to create a batch without the {' and '.join(missing)} header"
                f"{'s' if len(missing) > 1 else ''} Bedrock requires. Pass "
                "extra_headers=openai_bedrock.batch_headers(role_arn=..., model=...)."
            )
