"""Random secrets, and every encoding in which one could be read back from output.

Used by tests/unit/test_hostile_input.py: a test draws fresh secrets each run, makes a
server (or a credential process) quote them back in each encoding, and asserts no
encoding of any of them appears in anything a user or a log sees.
"""

from __future__ import annotations

import base64
import json
import secrets
import string
import urllib.parse

_UPPER_DIGITS = string.ascii_uppercase + string.digits
_BASE64 = string.ascii_letters + string.digits + "+/"


def access_key_id() -> str:
    return "AKIA" + "".join(secrets.choice(_UPPER_DIGITS) for _ in range(16))


def secret_access_key() -> str:
    return "".join(secrets.choice(_BASE64) for _ in range(40))


def session_token() -> str:
    # Real session tokens are long base64 with "/" and "+"; ensure both occur.
    return "IQoJb3JpZ2lu" + "".join(secrets.choice(_BASE64) for _ in range(300)) + "/+=="


def api_key() -> str:
    return "ABSK" + base64.b64encode(secrets.token_bytes(60)).decode()


def short_term_key() -> str:
    query = urllib.parse.quote(
        f"bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Security-Token="
        f"{session_token()}&X-Amz-Signature={secrets.token_hex(32)}&Version=1",
        safe="",
    )
    return "bedrock-api-key-" + base64.b64encode(query.encode()).decode()


def _json_forms(secret: str) -> list[str]:
    dumped = json.dumps(secret)[1:-1]
    return [
        dumped,
        dumped.replace("/", "\\/"),
        "".join(f"\\u{ord(c):04x}" for c in secret),
        "".join(f"\\u{ord(c):04X}" for c in secret),
        # Only the characters JSON encoders commonly escape, escaped.
        "".join(f"\\u{ord(c):04x}" if c in "/+=&<>" else c for c in secret),
    ]


def _percent_forms(secret: str) -> list[str]:
    upper = urllib.parse.quote(secret, safe="")
    lower = "%".join(
        part[:2].lower() + part[2:] if i else part for i, part in enumerate(upper.split("%"))
    )
    return [upper, lower, urllib.parse.quote_plus(secret), upper.replace("%", "%25")]


def base64_runs(secret: str) -> list[str]:
    """What a base64 blob holding ``secret`` at any byte offset must not show: for each
    of the 3 offsets, the 4-character groups that encode bytes of the secret alone."""
    raw = secret.encode()
    runs = []
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        whole = (offset + len(raw)) // 3
        run = encoded[4 if offset else 0 : 4 * whole]
        runs += [run, run.replace("+", "-").replace("/", "_")]
    return runs


def base64_blobs(secret: str) -> list[str]:
    """The secret base64-encoded inside longer blobs, at each offset, every alphabet."""
    blobs = []
    for offset in range(3):
        data = secrets.token_bytes(offset) + secret.encode() + secrets.token_bytes(offset + 1)
        std = base64.b64encode(data).decode()
        blobs += [std, std.rstrip("="), base64.urlsafe_b64encode(data).decode().rstrip("=")]
    return blobs


def encodings(secret: str) -> list[str]:
    """Every encoded form of ``secret`` that may not appear in output."""
    return [secret, *_json_forms(secret), *_percent_forms(secret), *base64_runs(secret)]


def quoted_back(secret: str) -> list[str]:
    """The secret as a hostile server might write it into a response."""
    return [
        secret,
        *_json_forms(secret),
        *_percent_forms(secret),
        *base64_blobs(secret),
    ]


def leaks(text: str, *secret_values: str) -> list[str]:
    """The encodings of ``secret_values`` found in ``text`` (empty when none)."""
    found = []
    for secret in secret_values:
        for form in encodings(secret):
            if form and form in text:
                found.append(form[:12] + "...")
    return found
