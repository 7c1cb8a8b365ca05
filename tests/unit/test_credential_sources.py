"""Refreshable credentials from botocore's own providers sign requests, and are
refreshed off the event loop when due (credential_process stands in for SSO,
assume-role and container roles, which need AWS to be reachable)."""

from __future__ import annotations

import datetime as dt
import json
import shlex
import sys
import threading
from pathlib import Path

import pytest

import openai_bedrock
from support import MODEL, FakeBedrock

HELLO = [{"role": "user", "content": "Hello!"}]


def _write_process_profile(aws_dir: Path, *, expires_in: dt.timedelta) -> Path:
    """A profile whose credentials come from a credential_process that counts its runs."""
    runs = aws_dir / "runs"
    script = aws_dir / "creds.py"
    expiration = (dt.datetime.now(dt.timezone.utc) + expires_in).strftime("%Y-%m-%dT%H:%M:%SZ")
    payload = {
        "Version": 1,
        "AccessKeyId": "ASIAPROCESSEXAMPLE",
        "SecretAccessKey": "process-secret",
        "SessionToken": "process-token",
        "Expiration": expiration,
    }
    script.write_text(
        "import json, pathlib\n"
        f"runs = pathlib.Path({str(runs)!r})\n"
        "runs.write_text(runs.read_text() + 'x' if runs.exists() else 'x')\n"
        f"print(json.dumps({payload!r}))\n"
    )
    (aws_dir / "config").write_text(
        "[profile proc]\n"
        "region = eu-west-1\n"
        # botocore splits the command line like a POSIX shell.
        f"credential_process = {shlex.quote(sys.executable)} {shlex.quote(str(script))}\n"
    )
    return runs


def test_a_credential_process_profile_signs_requests(
    isolated_aws_env: Path, bedrock: FakeBedrock
) -> None:
    _write_process_profile(isolated_aws_env, expires_in=dt.timedelta(hours=1))
    client = openai_bedrock.create_client(profile="proc", transport=bedrock)
    client.chat.completions.create(model=MODEL, messages=HELLO)
    sent = bedrock.last
    assert "Credential=ASIAPROCESSEXAMPLE/" in sent.headers["Authorization"]
    assert "/eu-west-1/bedrock/aws4_request" in sent.headers["Authorization"]
    assert sent.headers["X-Amz-Security-Token"] == "process-token"


async def test_credentials_near_expiry_are_refreshed_in_a_worker_thread(
    isolated_aws_env: Path, bedrock: FakeBedrock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Inside botocore's 15-minute advisory window, so every request wants a refresh.
    runs = _write_process_profile(isolated_aws_env, expires_in=dt.timedelta(minutes=10))
    client = openai_bedrock.create_async_client(profile="proc", transport=bedrock)
    credentials = client._client._transport.settings.auth.credentials  # type: ignore[attr-defined]
    refresh_threads: list[int] = []
    original = credentials.get_frozen_credentials

    def recording() -> object:
        refresh_threads.append(threading.get_ident())
        return original()

    monkeypatch.setattr(credentials, "get_frozen_credentials", recording)
    await client.chat.completions.create(model=MODEL, messages=HELLO)
    assert refresh_threads
    assert threading.get_ident() not in refresh_threads
    assert runs.read_text().count("x") >= 2  # loaded at construction, refreshed per request
    assert bedrock.last.headers["X-Amz-Security-Token"] == "process-token"


def test_the_process_output_is_valid_json(isolated_aws_env: Path) -> None:
    """Guards the fixture itself: the script prints what botocore expects."""
    import subprocess

    _write_process_profile(isolated_aws_env, expires_in=dt.timedelta(hours=1))
    out = subprocess.run(
        [sys.executable, str(isolated_aws_env / "creds.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out)["Version"] == 1
