"""Keep secrets out of what an error shows: exception text, bodies, headers, logs.

Two tools, both used only on failures (never on a successful response):

- ``redact(content, secrets)`` removes known secrets (the API key, session token,
  signature the transport just sent) in every encoding a server might quote them back
  in, or a log reader could decode: raw, JSON-escaped (``\\/``, ``\\u002f``, any
  ``\\uXXXX``), percent-encoded (either hex case, once or twice), and base64 (standard
  or URL-safe, padded or not, at any of the 3 alignments inside a longer blob).
- ``mask_secret_shapes(text)`` masks anything that looks like a credential in text we
  did not produce (a credential_process's stderr): AWS key ids, 40-character secret
  keys, session tokens, Bedrock API keys, long base64 runs.

Hand-written because no library we depend on redacts by value across encodings; the
patterns are compiled per call (errors are rare) and ``re`` caches them.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from typing import Optional

import httpx

REDACTED = b"REDACTED"

# Shorter "secrets" (an empty signature, a stray word) would redact ordinary text.
_MIN_SECRET = 8


def _char_pattern(byte: int) -> bytes:
    """Every way one byte of a secret may be written: itself, ``\\uXXXX`` (JSON, with
    the backslash itself escaped up to twice), ``%XX`` or ``%25XX`` (either hex case,
    the ``%`` JSON-escaped too), and ``\\/`` for ``/``."""
    hexed = b"%02x" % byte
    alternatives = [
        rb"\\{1,4}u00" + hexed,
        rb"(?:%|\\{1,4}u0025)(?:25)?" + hexed,
    ]
    if byte == 0x2F:
        alternatives.append(rb"\\{1,4}/")
    case_free = b"(?i:" + b"|".join(alternatives) + b")"
    return b"(?:" + re.escape(bytes([byte])) + b"|" + case_free + b")"


def _base64_runs(secret: bytes) -> list[bytes]:
    """The base64 text that depends only on ``secret``, wherever it sits in a longer
    encoded blob: for each of the 3 byte offsets, the whole 4-character groups that
    encode secret bytes alone, in the standard and URL-safe alphabets. At most two
    bytes at either end of the secret stay outside these runs."""
    runs: list[bytes] = []
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + secret)
        whole_groups = (offset + len(secret)) // 3
        run = encoded[4 if offset else 0 : 4 * whole_groups]
        if len(run) >= _MIN_SECRET:
            runs.append(run)
            runs.append(run.translate(bytes.maketrans(b"+/", b"-_")))
    return runs


def _pattern(secrets: Iterable[Optional[str]]) -> Optional[bytes]:
    forms: set[bytes] = set()
    for secret in secrets:
        if not secret or len(secret) < _MIN_SECRET:
            continue
        raw = secret.encode("utf-8")
        forms.add(raw)
        forms.update(_base64_runs(raw))
    if not forms:
        return None
    # Longest first, so a secret is not half-replaced by a run inside it.
    return b"|".join(
        b"".join(_char_pattern(byte) for byte in form)
        for form in sorted(forms, key=len, reverse=True)
    )


# The canonical request quoted in a SignatureDoesNotMatch message lists every signed
# header with its value (seen in public reports, e.g. continuedev/continue#9297).
_ECHOED_TOKEN = rb"(x-amz-security-token\s*[:=]\s*)[^\s'\"\\&]+"


def redact(content: bytes, secrets: Iterable[Optional[str]]) -> bytes:
    """``content`` with each of ``secrets``, in any encoding above, and any quoted
    session token replaced by ``REDACTED``."""
    pattern = _pattern(secrets)
    if pattern is not None:
        content = re.sub(pattern, REDACTED, content)
    return re.sub(_ECHOED_TOKEN, rb"\1" + REDACTED, content, flags=re.IGNORECASE)


def sent_secrets(wire: httpx.Request) -> tuple[Optional[str], ...]:
    """The secrets a sent request carried: session token, API key, signature, and the
    access key id (not secret alone, but half of a pair, so not shown either)."""
    authorization = wire.headers.get("Authorization", "")
    return (
        wire.headers.get("X-Amz-Security-Token"),
        authorization.partition("Bearer ")[2],
        authorization.partition("Signature=")[2],  # should a server quote it back
        authorization.partition("Credential=")[2].partition("/")[0],
    )


def redact_headers(headers: httpx.Headers, secrets: Iterable[Optional[str]]) -> httpx.Headers:
    """A copy of ``headers`` whose values hold none of ``secrets``."""
    pattern = _pattern(secrets)
    if pattern is None:
        return httpx.Headers(headers)
    return httpx.Headers([(name, re.sub(pattern, REDACTED, value)) for name, value in headers.raw])


# Credential shapes, for text we did not write (AWS documents the key id prefixes:
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html). Key ids,
# secret keys, session tokens and API keys are all runs of base64-like characters, which
# a tool may have JSON-escaped or percent-encoded: a run counts those escapes too.
_KEY_ID = r"\b(?:AKIA|ASIA|AIDA|AROA|AIPA|ANPA|ANVA|APKA|ABIA|ACCA)[A-Z0-9]{12,}"
_RUN = r"(?:[A-Za-z0-9+/=_-]|\\/|\\u[0-9A-Fa-f]{4}|%[0-9A-Fa-f]{2}){20,}"


def _masked_run(match: re.Match[str]) -> str:
    run = match.group(0)
    # Long runs always; shorter ones (a base64'd key id) only when they mix letters of
    # both cases with digits, as encoded secrets do and words like
    # "UnrecognizedClientException" do not.
    upper = sum(c.isupper() for c in run)
    lower = sum(c.islower() for c in run)
    looks_random = any(c.isdigit() for c in run) or (upper * 4 >= len(run) and lower >= 2)
    return "[masked]" if len(run) >= 32 or looks_random else run


def mask_secret_shapes(text: str, limit: int = 500) -> str:
    """``text`` cut to ``limit`` characters, every credential-shaped run masked: AWS key
    ids, secret keys, session tokens, Bedrock API keys (``ABSK...``,
    ``bedrock-api-key-...``) and any long base64 run, raw or escaped."""
    text = re.sub(_KEY_ID, "[masked]", text.strip())
    text = re.sub(_RUN, _masked_run, text)
    return text if len(text) <= limit else text[:limit] + " [...]"
