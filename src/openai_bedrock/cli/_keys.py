"""What can be read from a Bedrock API key without sending it anywhere.

A short-term key is ``bedrock-api-key-`` + base64 of a SigV4-presigned URL
(https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys-how.html; the layout is
that of AWS's aws-bedrock-token-generator, docs/wire.md section 2), so its region and
expiry are in its query string. Long-term keys start with ``ABSK``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from typing import Optional
from urllib.parse import parse_qs

SHORT_TERM_PREFIX = "bedrock-api-key-"
LONG_TERM_PREFIX = "ABSK"


@dataclass(frozen=True)
class ShortTermKey:
    region: str
    issued: dt.datetime
    expires: dt.datetime


def read_short_term_key(key: str) -> Optional[ShortTermKey]:
    """Region and expiry of a short-term key, or None if ``key`` is not one we can read."""
    if not key.startswith(SHORT_TERM_PREFIX):
        return None
    try:
        url = base64.b64decode(key[len(SHORT_TERM_PREFIX) :], validate=True).decode("ascii")
        query = parse_qs(url.partition("?")[2])
        scope = query["X-Amz-Credential"][0].split("/")
        issued = dt.datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=dt.timezone.utc
        )
        lifetime = dt.timedelta(seconds=int(query["X-Amz-Expires"][0]))
        return ShortTermKey(region=scope[2], issued=issued, expires=issued + lifetime)
    except (binascii.Error, UnicodeDecodeError, KeyError, IndexError, ValueError):
        return None
