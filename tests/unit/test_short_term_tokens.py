"""Short-term Bedrock API keys: minting, renewal, threads and the async client."""

from __future__ import annotations

import base64
import datetime as dt
import logging
import threading
import urllib.parse
from typing import Any

import pytest
from botocore.credentials import Credentials, RefreshableCredentials

import openai_bedrock
from openai_bedrock import _sigv4, _tokens
from support import (
    ACCESS_KEY_ID,
    FROZEN_TIME,
    MODEL,
    SECRET_ACCESS_KEY,
    SESSION_TOKEN,
    FakeBedrock,
    settle,
)

KEYS = {"access_key_id": ACCESS_KEY_ID, "secret_access_key": SECRET_ACCESS_KEY}


def decoded(token: str) -> tuple[str, dict[str, str]]:
    assert token.startswith("bedrock-api-key-")
    url = base64.b64decode(token[len("bedrock-api-key-") :], validate=True).decode()
    host_and_path, _, query = url.partition("?")
    return host_and_path, dict(urllib.parse.parse_qsl(query, keep_blank_values=True))


class Clock:
    """A settable signing clock (``_sigv4.timestamp``)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, now: dt.datetime = FROZEN_TIME) -> None:
        self.now = now
        monkeypatch.setattr(_sigv4, "timestamp", lambda: self.now.timestamp())

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


class SessionOf:
    """The smallest session: hands out the credentials it was given."""

    def __init__(self, credentials: Any) -> None:
        self.credentials = credentials

    def get_credentials(self) -> Any:
        return self.credentials


def rotating_credentials(clock: Clock, lifetime: float = 3600) -> tuple[Any, list[str]]:
    """RefreshableCredentials on ``clock`` that get a new access key at each refresh."""
    issued: list[str] = []

    def refresh() -> dict[str, str]:
        issued.append(f"AKIDROTATED{len(issued):04d}")
        return {
            "access_key": issued[-1],
            "secret_key": SECRET_ACCESS_KEY,
            "token": SESSION_TOKEN,
            "expiry_time": (clock.now + dt.timedelta(seconds=lifetime)).isoformat(),
        }

    credentials = RefreshableCredentials.create_from_metadata(
        refresh(), refresh_using=refresh, method="custom"
    )
    credentials._time_fetcher = lambda: clock.now  # botocore's clock seam
    return credentials, issued


def test_a_minted_key_is_the_documented_presigned_url(frozen_clock: dt.datetime) -> None:
    minted = openai_bedrock.mint_short_term_token(region="us-west-2", **KEYS)
    host_and_path, query = decoded(minted.token)
    assert host_and_path == "bedrock.amazonaws.com/"
    assert query["Action"] == "CallWithBearerToken"
    assert query["X-Amz-Credential"] == f"{ACCESS_KEY_ID}/20261124/us-west-2/bedrock/aws4_request"
    assert query["X-Amz-Date"] == "20261124T120000Z"
    assert query["X-Amz-Expires"] == "43200"
    assert query["X-Amz-SignedHeaders"] == "host"
    assert query["Version"] == "1"
    assert "X-Amz-Security-Token" not in query
    assert minted.region == "us-west-2"
    assert minted.expires_at == frozen_clock + dt.timedelta(hours=12)


def test_a_minted_key_equals_aws_bedrock_token_generator_byte_for_byte(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from aws_bedrock_token_generator import BedrockTokenGenerator

    credentials = Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN)
    theirs = BedrockTokenGenerator().get_token(credentials, "eu-central-1")
    signed_at = dt.datetime.strptime(decoded(theirs)[1]["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    monkeypatch.setattr(_sigv4, "timestamp", signed_at.replace(tzinfo=dt.timezone.utc).timestamp)
    ours = openai_bedrock.mint_short_term_token(
        region="eu-central-1", session_token=SESSION_TOKEN, **KEYS
    )
    assert ours.token == theirs


def test_minting_logs_no_signature_or_session_token_at_debug(
    frozen_clock: dt.datetime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    minted = openai_bedrock.mint_short_term_token(
        region="us-west-2", session_token=SESSION_TOKEN, **KEYS
    )
    signature = decoded(minted.token)[1]["X-Amz-Signature"]
    for secret in (signature, SESSION_TOKEN, SECRET_ACCESS_KEY, minted.token):
        assert secret not in caplog.text
        assert secret not in repr(minted)
        assert secret not in str(minted)
    assert minted.fingerprint in repr(minted)


def test_expires_in_takes_seconds_or_a_timedelta(frozen_clock: dt.datetime) -> None:
    minted = openai_bedrock.mint_short_term_token(
        region="us-west-2", expires_in=dt.timedelta(minutes=30), **KEYS
    )
    assert decoded(minted.token)[1]["X-Amz-Expires"] == "1800"
    assert minted.expires_at == frozen_clock + dt.timedelta(minutes=30)


@pytest.mark.parametrize("expires_in", [0, -5, 43201, dt.timedelta(hours=13), "1h", True, None])
def test_an_invalid_lifetime_is_a_configuration_error(expires_in: Any) -> None:
    with pytest.raises(openai_bedrock.ConfigurationError, match="expires_in"):
        openai_bedrock.mint_short_term_token(region="us-west-2", expires_in=expires_in, **KEYS)


def test_renew_before_must_be_shorter_than_the_lifetime() -> None:
    with pytest.raises(openai_bedrock.ConfigurationError, match="renew_before"):
        openai_bedrock.short_term_token_provider(
            region="us-west-2", expires_in=600, renew_before=600, **KEYS
        )


def test_the_key_never_outlives_its_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch)
    credentials, _ = rotating_credentials(clock, lifetime=3600)
    minted = openai_bedrock.mint_short_term_token(
        region="us-west-2", session=SessionOf(credentials)
    )
    assert minted.expires_at == FROZEN_TIME + dt.timedelta(hours=1)


def test_minting_ignores_a_bedrock_key_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "ABSKnotusedhere")
    with pytest.raises(openai_bedrock.CredentialsError, match="No AWS credentials"):
        openai_bedrock.mint_short_term_token(region="us-west-2")


def test_region_and_credentials_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, frozen_clock: dt.datetime
) -> None:
    monkeypatch.setenv("AWS_REGION", "ap-northeast-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    minted = openai_bedrock.mint_short_term_token()
    assert minted.region == "ap-northeast-1"
    assert "/ap-northeast-1/bedrock/" in decoded(minted.token)[1]["X-Amz-Credential"]


def test_a_bad_region_is_a_configuration_error() -> None:
    with pytest.raises(openai_bedrock.ConfigurationError, match="not an AWS region"):
        openai_bedrock.short_term_token_provider(region="mars-1", **KEYS)


def test_the_provider_reuses_a_key_until_it_is_close_to_expiry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock(monkeypatch)
    provider = openai_bedrock.short_term_token_provider(
        region="us-west-2", expires_in=3600, renew_before=300, **KEYS
    )
    first = provider()
    clock.advance(3600 - 301)
    assert provider() == first
    clock.advance(2)  # now less than 300 s to live
    renewed = provider()
    assert renewed != first
    assert decoded(renewed)[1]["X-Amz-Date"] == clock.now.strftime("%Y%m%dT%H%M%SZ")


def test_the_default_renewal_window_fits_short_lifetimes(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(monkeypatch)
    provider = openai_bedrock.short_term_token_provider(region="us-west-2", expires_in=60, **KEYS)
    first = provider()
    clock.advance(29)
    assert provider() == first
    clock.advance(2)
    assert provider() != first


def test_the_provider_mints_anew_when_botocore_refreshes_the_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock(monkeypatch)
    credentials, issued = rotating_credentials(clock, lifetime=3600)
    provider = openai_bedrock.short_term_token_provider(
        region="us-west-2", session=SessionOf(credentials)
    )
    first = provider()
    assert decoded(first)[1]["X-Amz-Credential"].startswith(issued[-1])
    clock.advance(3600 - 14 * 60)  # inside botocore's 15-minute advisory refresh window
    second = provider()
    assert len(issued) == 2
    assert decoded(second)[1]["X-Amz-Credential"].startswith(issued[-1])
    assert provider.token().expires_at == clock.now + dt.timedelta(hours=1)


def test_threads_sharing_a_provider_get_one_key(monkeypatch: pytest.MonkeyPatch) -> None:
    Clock(monkeypatch)
    mints: list[str] = []
    real_presign = _tokens._presign

    def counting(*args: Any) -> str:
        mints.append("x")
        return real_presign(*args)

    monkeypatch.setattr(_tokens, "_presign", counting)
    provider = openai_bedrock.short_term_token_provider(region="us-west-2", **KEYS)
    start = threading.Barrier(32)
    results: list[str] = []

    def worker() -> None:
        start.wait()
        results.extend(provider() for _ in range(50))

    threads = [threading.Thread(target=worker) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 32 * 50
    assert len(set(results)) == 1
    assert len(mints) == 1


def test_the_provider_repr_shows_only_fingerprints(frozen_clock: dt.datetime) -> None:
    provider = openai_bedrock.short_term_token_provider(
        region="us-west-2", session_token=SESSION_TOKEN, **KEYS
    )
    token = provider()
    for text in (repr(provider), str(provider)):
        for secret in (
            token,
            SECRET_ACCESS_KEY,
            SESSION_TOKEN,
            decoded(token)[1]["X-Amz-Signature"],
        ):
            assert secret not in text
    assert openai_bedrock._credentials.fingerprint(token) in repr(provider)


async def test_clients_send_the_minted_key_as_bearer(
    factory: Any, bedrock: FakeBedrock, frozen_clock: dt.datetime
) -> None:
    provider = openai_bedrock.short_term_token_provider(region="us-west-2", **KEYS)
    client = factory(region="us-west-2", token_provider=provider, transport=bedrock)
    await settle(client.chat.completions.create(model=MODEL, messages=[]))
    assert bedrock.last.headers["Authorization"] == "Bearer " + provider()
    assert "X-Amz-Date" not in bedrock.last.headers


async def test_the_async_client_hops_to_a_thread_only_when_a_refresh_is_due(
    monkeypatch: pytest.MonkeyPatch, bedrock: FakeBedrock
) -> None:
    import anyio.to_thread

    clock = Clock(monkeypatch)
    credentials, issued = rotating_credentials(clock, lifetime=3600)
    hops: list[Any] = []
    real_run_sync = anyio.to_thread.run_sync

    async def counting_run_sync(func: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(func)
        return await real_run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting_run_sync)
    provider = openai_bedrock.short_term_token_provider(
        region="us-west-2", session=SessionOf(credentials)
    )
    client = openai_bedrock.create_async_client(
        region="us-west-2", token_provider=provider, transport=bedrock
    )
    for _ in range(5):
        await client.chat.completions.create(model=MODEL, messages=[])
    assert hops == []
    clock.advance(3600 - 60)  # a refresh is due: botocore will call STS/SSO/...
    await client.chat.completions.create(model=MODEL, messages=[])
    assert len(hops) == 1
    assert len(issued) == 2
    assert (
        issued[-1]
        in decoded(bedrock.last.headers["Authorization"][len("Bearer ") :])[1]["X-Amz-Credential"]
    )
