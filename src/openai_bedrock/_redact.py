"""Keep secrets out of what an error shows: exception text, bodies, headers, logs.

Two tools, both used only on failures (never on a successful response):

- ``redact(content, secrets)`` removes known secrets (the API key, session token,
  signature the transport just sent) in every encoding a server might quote them back
  in, or a log reader could decode: raw, JSON-escaped (``\\/``, ``\\u002f``, any
  ``\\uXXXX``), percent-encoded (either hex case, up to three layers), and base64
  (standard or URL-safe, padded or not, at any of the 3 alignments in a longer blob).
- ``mask_secret_shapes(text)`` masks anything that looks like a credential in text we
  did not produce (a credential_process's stderr): AWS key ids, 40-character secret
  keys, session tokens, Bedrock API keys, long base64 runs.

Hand-written because no library we depend on redacts by value across encodings.
"""

from __future__ import annotations

import base64
import re
import urllib.parse
from collections.abc import Iterable
from typing import Optional

from ._http import http

REDACTED = b"REDACTED"

# Shorter "secrets" (an empty signature, a stray word) would redact ordinary text.
_MIN_SECRET = 8


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


def _forms(secrets: Iterable[Optional[str]]) -> list[bytes]:
    """Each secret and its base64 runs, longest first."""
    forms: set[bytes] = set()
    for secret in secrets:
        if secret and len(secret) >= _MIN_SECRET:
            raw = secret.encode("utf-8")
            forms.add(raw)
            forms.update(_base64_runs(raw))
    return sorted(forms, key=len, reverse=True)


# JSON escapes (the backslash itself escaped, for JSON quoted in JSON) and
# percent-encoding, undone to find a secret however it was written.
_JSON_ESCAPE = rb"\\{1,8}(?:u([0-9A-Fa-f]{4})|(/))"
# A run of text that may hold one encoded secret: no whitespace, quotes or brackets,
# which none of the encodings above produces.
_RUN = rb"[^\s\"'<>(){}\[\],;|]{8,}"
# The canonical request quoted in a SignatureDoesNotMatch message lists every signed
# header with its value (seen in public reports, e.g. continuedev/continue#9297).
_ECHOED_TOKEN = rb"(x-amz-security-token\s*[:=]\s*)[^\s'\"\\&]+"


def _unescaped(match: re.Match[bytes]) -> bytes:
    if match.group(2) is not None:
        return b"/"
    code = int(match.group(1), 16)
    return bytes([code]) if code < 0x80 else match.group(0)


def _decoded(text: bytes) -> bytes:
    """``text`` with JSON escapes and up to 3 layers of percent-encoding undone."""
    for _ in range(3):
        before = text
        if b"\\" in text:
            text = re.sub(_JSON_ESCAPE, _unescaped, text)
        if b"%" in text:
            text = urllib.parse.unquote_to_bytes(text)
        if text == before:
            break
    return text


def redact(content: bytes, secrets: Iterable[Optional[str]]) -> bytes:
    """``content`` with each of ``secrets``, in any encoding above, and any quoted
    session token replaced by ``REDACTED``.

    Raw secrets are replaced in place; a run of text whose decoding holds a secret (or
    its base64) is replaced whole. Runs are examined only when the decoded content
    holds a secret at all, so a body without one costs a few substring searches.
    """
    forms = _forms(secrets)
    for form in forms:
        content = content.replace(form, REDACTED)
    if forms and any(form in _decoded(content) for form in forms):

        def clean(match: re.Match[bytes]) -> bytes:
            run = _decoded(match.group(0))
            return REDACTED if any(form in run for form in forms) else match.group(0)

        content = re.sub(_RUN, clean, content)
    return re.sub(_ECHOED_TOKEN, rb"\1" + REDACTED, content, flags=re.IGNORECASE)


def sent_secrets(wire: http.Request) -> tuple[Optional[str], ...]:
    """The secrets a sent request carried: session token, API key, signature, and the
    access key id (not secret alone, but half of a pair, so not shown either)."""
    authorization = wire.headers.get("Authorization", "")
    return (
        wire.headers.get("X-Amz-Security-Token"),
        authorization.partition("Bearer ")[2],
        authorization.partition("Signature=")[2],  # should a server quote it back
        authorization.partition("Credential=")[2].partition("/")[0],
    )


def redact_headers(headers: http.Headers, secrets: Iterable[Optional[str]]) -> http.Headers:
    """A copy of ``headers`` whose values hold none of ``secrets``."""
    kept = list(secrets)
    return http.Headers([(name, redact(value, kept)) for name, value in headers.raw])


_KEY_ID = r"\b(?:AKIA|ASIA|AIDA|AROA|AIPA|ANPA|ANVA|APKA|ABIA|ACCA)[A-Z0-9]{12,}"
_SHAPE_RUN = r"(?:[A-Za-z0-9+/=_-]|\\/|\\u[0-9A-Fa-f]{4}|%[0-9A-Fa-f]{2}){20,}"


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
    text = re.sub(_SHAPE_RUN, _masked_run, text)
    return text if len(text) <= limit else text[:limit] + " [...]"
