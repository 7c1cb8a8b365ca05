"""Clock skew: a 403 for a signature outside AWS's 5-minute window is signed again with
the server's time and sent once more; later requests use the corrected clock."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from typing import Any

import openai
import pytest

from openai_bedrock import _sigv4
from support import (
    API_KEY,
    FROZEN_TIME,
    MODEL,
    Factory,
    FakeBedrock,
    chat_completion,
    http_lib,
    raised,
    settle,
    static_keys,
)

AMZ = "%Y%m%dT%H%M%SZ"


def skew_reply(server: dt.datetime, *, date_header: bool = True) -> Any:
    """Bedrock's 403 for a request signed more than 5 minutes away from ``server``."""

    def reply(request: http_lib.Request) -> http_lib.Response:
        signed = dt.datetime.strptime(request.headers["X-Amz-Date"], AMZ).replace(
            tzinfo=dt.timezone.utc
        )
        if signed < server:
            bound = (server - dt.timedelta(minutes=5)).strftime(AMZ)
            message = (
                f"Signature expired: {signed.strftime(AMZ)} is now earlier than {bound} "
                f"({server.strftime(AMZ)} - 5 min.)"
            )
        else:
            bound = (server + dt.timedelta(minutes=5)).strftime(AMZ)
            message = (
                f"Signature not yet current: {signed.strftime(AMZ)} is still later than "
                f"{bound} ({server.strftime(AMZ)} + 5 min.)"
            )
        headers = {
            "x-amzn-ErrorType": "InvalidSignatureException:http://internal.amazon.com/coral/",
            "x-amzn-RequestId": "req-skew",
        }
        if date_header:
            headers["Date"] = email.utils.format_datetime(server, usegmt=True)
        return http_lib.Response(403, json={"message": message}, headers=headers)

    return reply


def signed_at(request: http_lib.Request) -> dt.datetime:
    return dt.datetime.strptime(request.headers["X-Amz-Date"], AMZ).replace(tzinfo=dt.timezone.utc)


async def ask(client: Any) -> Any:
    return await settle(
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    )


@pytest.mark.parametrize("minutes", [15, -15, 6, -6, 24 * 60])
@pytest.mark.parametrize("date_header", [True, False], ids=["Date header", "message only"])
async def test_a_skewed_clock_costs_one_extra_round_trip_then_none(
    factory: Factory,
    bedrock: FakeBedrock,
    frozen_clock: dt.datetime,
    minutes: int,
    date_header: bool,
) -> None:
    server = frozen_clock + dt.timedelta(minutes=minutes)
    client = factory(**static_keys(), transport=bedrock, max_retries=0)
    bedrock.queue(skew_reply(server, date_header=date_header))
    completion = await ask(client)
    assert completion.choices[0].message.content
    first, second = bedrock.requests
    assert signed_at(first) == frozen_clock
    assert signed_at(second) == server
    assert first.content == second.content
    assert first.headers["Authorization"] != second.headers["Authorization"]
    for _ in range(3):
        await ask(client)
    assert len(bedrock.requests) == 5
    assert {signed_at(r) for r in bedrock.requests[1:]} == {server}


async def test_a_persistent_skew_error_is_retried_only_once(
    factory: Factory, bedrock: FakeBedrock, frozen_clock: dt.datetime
) -> None:
    client = factory(**static_keys(), transport=bedrock, max_retries=0)
    later = frozen_clock + dt.timedelta(minutes=30)
    bedrock.queue(
        skew_reply(frozen_clock + dt.timedelta(minutes=15)),
        lambda request: skew_reply(later)(request),
    )
    with pytest.raises(openai.OpenAIError) as caught:
        await ask(client)
    error = raised(caught.value, openai.PermissionDeniedError)
    assert isinstance(error, openai.PermissionDeniedError)
    assert error.code == "InvalidSignatureException"
    assert "Signature expired" in error.message
    assert len(bedrock.requests) == 2


@pytest.mark.parametrize(
    "message",
    [
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method.",
        "The security token included in the request is invalid.",
        "Signature expired",  # no server time to learn
    ],
)
async def test_a_genuinely_bad_signature_is_not_retried(
    factory: Factory, bedrock: FakeBedrock, frozen_clock: dt.datetime, message: str
) -> None:
    client = factory(**static_keys(), transport=bedrock, max_retries=2)
    bedrock.queue(
        http_lib.Response(
            403,
            json={"message": message},
            headers={
                "x-amzn-ErrorType": "InvalidSignatureException",
                "Date": email.utils.format_datetime(
                    frozen_clock + dt.timedelta(hours=1), usegmt=True
                ),
            },
        )
    )
    with pytest.raises(openai.OpenAIError) as caught:
        await ask(client)
    assert isinstance(raised(caught.value, openai.PermissionDeniedError), openai.APIStatusError)
    assert len(bedrock.requests) == 1
    await ask(client)
    assert signed_at(bedrock.last) == frozen_clock  # nothing was learned


async def test_bearer_requests_are_not_retried_for_skew(
    factory: Factory, bedrock: FakeBedrock, frozen_clock: dt.datetime
) -> None:
    client = factory(region="us-west-2", api_key=API_KEY, transport=bedrock, max_retries=0)

    def expired(request: http_lib.Request) -> http_lib.Response:
        message = (
            "Signature expired: 20261124T110000Z is now earlier than 20261124T115500Z "
            "(20261124T120000Z - 5 min.)"
        )
        return http_lib.Response(403, json={"message": message})

    bedrock.queue(expired)
    with pytest.raises(openai.OpenAIError):
        await ask(client)
    assert len(bedrock.requests) == 1


async def test_the_corrected_clock_belongs_to_one_client(
    factory: Factory, bedrock: FakeBedrock, frozen_clock: dt.datetime
) -> None:
    skewed = factory(**static_keys(), transport=bedrock, max_retries=0)
    other = factory(**static_keys(), transport=bedrock, max_retries=0)
    server = frozen_clock + dt.timedelta(minutes=15)
    bedrock.queue(skew_reply(server))
    await ask(skewed)
    await ask(other)
    assert signed_at(bedrock.last) == frozen_clock
    await ask(skewed.with_options(timeout=5))  # copies share the client's clock
    assert signed_at(bedrock.last) == server


async def test_the_offset_follows_the_local_clock(
    factory: Factory, bedrock: FakeBedrock, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [FROZEN_TIME]
    monkeypatch.setattr(_sigv4, "timestamp", lambda: now[0].timestamp())
    client = factory(**static_keys(), transport=bedrock, max_retries=0)
    bedrock.queue(skew_reply(FROZEN_TIME - dt.timedelta(minutes=15)))
    await ask(client)
    now[0] += dt.timedelta(hours=2)
    await ask(client)
    assert signed_at(bedrock.last) == FROZEN_TIME + dt.timedelta(hours=2, minutes=-15)


async def test_the_retry_resends_the_guardrailed_body_and_headers(
    factory: Factory, bedrock: FakeBedrock, frozen_clock: dt.datetime
) -> None:
    from openai_bedrock import Guardrail

    guardrail = Guardrail("gr1a2b3c4d5e", version=1, tag_suffix="xyz")
    client = factory(**static_keys(), transport=bedrock, guardrail=guardrail, max_retries=0)
    bedrock.queue(skew_reply(frozen_clock + dt.timedelta(minutes=10)))
    await ask(client)
    first, second = bedrock.requests
    assert json.loads(second.content)["amazon-bedrock-guardrailConfig"] == {"tagSuffix": "xyz"}
    assert second.content == first.content
    assert second.headers["X-Amzn-Bedrock-GuardrailIdentifier"] == "gr1a2b3c4d5e"
    assert second.headers["Content-Length"] == str(len(second.content))
    assert len(second.headers.get_list("Authorization")) == 1


async def test_a_skew_reply_on_a_success_status_changes_nothing(
    factory: Factory, bedrock: FakeBedrock, frozen_clock: dt.datetime
) -> None:
    client = factory(**static_keys(), transport=bedrock, max_retries=0)
    text = "Signature expired: a is now earlier than b (20261124T130000Z - 5 min.)"
    bedrock.queue(http_lib.Response(200, json=chat_completion(text)))
    await ask(client)
    await ask(client)
    assert signed_at(bedrock.last) == frozen_clock
