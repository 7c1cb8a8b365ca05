"""Guardrails on the request side: validation, per-call options, client-wide guardrails,
and refusing guardrails where Bedrock would ignore them."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

import openai_bedrock
from openai_bedrock import Guardrail, GuardrailError, GuardrailNotEnforcedError
from support import MODEL, Factory, FakeBedrock, http_lib, raised, static_keys

HELLO = [{"role": "user", "content": "Hello!"}]
ARN = "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc123def456"

VALID = [
    pytest.param({"identifier": "gr1a2b3c4d5e"}, id="a lower-case id"),
    pytest.param({"identifier": "GR12345"}, id="the upper-case id of AWS's own example"),
    pytest.param({"identifier": ARN}, id="an ARN"),
    pytest.param(
        {"identifier": "arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:guardrail/x1"},
        id="a GovCloud ARN",
    ),
    pytest.param({"identifier": "g1", "version": 3}, id="an int version"),
    pytest.param({"identifier": "g1", "version": "99999999"}, id="the largest version"),
    pytest.param({"identifier": "g1", "trace": "enabled_full"}, id="a trace value in any case"),
    pytest.param({"identifier": "g1", "tag_suffix": "a" * 20}, id="a 20-character suffix"),
]

INVALID = [
    pytest.param({"identifier": ""}, "not a guardrail id or ARN", id="an empty id"),
    pytest.param({"identifier": "gr 123"}, "not a guardrail id or ARN", id="an id with a space"),
    pytest.param(
        {"identifier": "gr123\r\nX-Injected: 1"}, "not a guardrail id or ARN", id="CR-LF in an id"
    ),
    pytest.param({"identifier": "gr123\n"}, "not a guardrail id or ARN", id="a trailing newline"),
    pytest.param({"identifier": "gr-123"}, "not a guardrail id or ARN", id="a dash in an id"),
    pytest.param(
        {"identifier": "arn:aws:bedrock:us-east-1:12345:guardrail/x"},
        "not a guardrail id or ARN",
        id="an ARN with a short account",
    ),
    pytest.param({"identifier": 123}, "not a guardrail id or ARN", id="an id that is a number"),
    pytest.param({"identifier": "g1", "version": 0}, "1 to 99999999", id="version 0"),
    pytest.param({"identifier": "g1", "version": "draft"}, "'DRAFT'", id="a lower-case draft"),
    pytest.param({"identifier": "g1", "version": "1\n"}, "'DRAFT'", id="a version with a newline"),
    pytest.param({"identifier": "g1", "version": 123456789}, "99999999", id="a version too large"),
    pytest.param({"identifier": "g1", "version": True}, "'DRAFT' or a number", id="a bool version"),
    pytest.param({"identifier": "g1", "trace": "on"}, "ENABLED_FULL", id="an unknown trace"),
    pytest.param({"identifier": "g1", "trace": 1}, "bool or a string", id="a numeric trace"),
    pytest.param({"identifier": "g1", "tag_suffix": ""}, "1 to 20", id="an empty suffix"),
    pytest.param({"identifier": "g1", "tag_suffix": "a" * 21}, "1 to 20", id="a 21-char suffix"),
    pytest.param({"identifier": "g1", "tag_suffix": "ab_c"}, "letters and digits", id="a _"),
    pytest.param({"identifier": "g1", "tag_suffix": "ab>c"}, "letters and digits", id="a >"),
]


@pytest.mark.parametrize("kwargs", VALID)
def test_valid_guardrails_are_accepted(kwargs: dict[str, Any]) -> None:
    guardrail = Guardrail(**kwargs)
    assert guardrail.extra_headers["X-Amzn-Bedrock-GuardrailIdentifier"] == kwargs["identifier"]


@pytest.mark.parametrize(("kwargs", "phrase"), INVALID)
def test_invalid_guardrails_are_rejected_with_what_to_do(
    kwargs: dict[str, Any], phrase: str
) -> None:
    with pytest.raises(GuardrailError) as caught:
        Guardrail(**kwargs)
    assert isinstance(caught.value, openai.OpenAIError)
    assert isinstance(caught.value, ValueError)
    assert phrase in str(caught.value)
    assert "\n" not in str(caught.value)
    assert "\r" not in str(caught.value)


def test_a_guardrail_is_immutable_and_normalised() -> None:
    guardrail = Guardrail("g1", version=2, trace="enabled")
    assert guardrail.version == "2"
    assert guardrail.trace == "ENABLED"
    assert guardrail == Guardrail("g1", version="2", trace="ENABLED")
    with pytest.raises(AttributeError):
        guardrail.version = "3"  # type: ignore[misc]


AWS_EXAMPLE = Guardrail("GR12345", version="DRAFT", trace=True, tag_suffix="xyz")


def test_the_aws_example_headers_and_body() -> None:
    assert AWS_EXAMPLE.extra_headers == {
        "X-Amzn-Bedrock-GuardrailIdentifier": "GR12345",
        "X-Amzn-Bedrock-GuardrailVersion": "DRAFT",
        "X-Amzn-Bedrock-Trace": "ENABLED",
    }
    assert AWS_EXAMPLE.extra_body == {"amazon-bedrock-guardrailConfig": {"tagSuffix": "xyz"}}
    assert "X-Amzn-Bedrock-Trace" not in Guardrail("g1").extra_headers
    assert Guardrail("g1").extra_body == {}


def test_options_keep_the_callers_keys_and_refuse_conflicts() -> None:
    options = AWS_EXAMPLE.options(
        extra_headers={"X-Team": "search", "x-amzn-bedrock-guardrailversion": "DRAFT"},
        extra_body={"user": "u1"},
    )
    assert options["extra_headers"]["X-Team"] == "search"
    assert options["extra_headers"]["X-Amzn-Bedrock-Trace"] == "ENABLED"
    assert options["extra_body"] == {
        "user": "u1",
        "amazon-bedrock-guardrailConfig": {"tagSuffix": "xyz"},
    }
    with pytest.raises(GuardrailError, match="set both by this Guardrail and by the caller"):
        AWS_EXAMPLE.options(extra_headers={"X-Amzn-Bedrock-GuardrailVersion": "1"})
    with pytest.raises(GuardrailError, match="amazon-bedrock-guardrailConfig"):
        AWS_EXAMPLE.options(extra_body={"amazon-bedrock-guardrailConfig": {"tagSuffix": "q"}})


def _guardrail_headers(request: Any) -> dict[str, str]:
    return {k: v for k, v in request.headers.items() if k.startswith("x-amzn-bedrock-")}


def test_per_call_options_reproduce_the_aws_example_request(bedrock: FakeBedrock) -> None:
    client = openai_bedrock.create_client(**static_keys(), transport=bedrock)
    client.chat.completions.create(model=MODEL, messages=HELLO, **AWS_EXAMPLE.options())
    sent = bedrock.last
    assert _guardrail_headers(sent) == {
        "x-amzn-bedrock-guardrailidentifier": "GR12345",
        "x-amzn-bedrock-guardrailversion": "DRAFT",
        "x-amzn-bedrock-trace": "ENABLED",
    }
    body = json.loads(sent.content)
    assert body["amazon-bedrock-guardrailConfig"] == {"tagSuffix": "xyz"}
    # The guardrail headers are signed, so nobody on the way can strip them.
    assert "x-amzn-bedrock-guardrailidentifier" in sent.headers["Authorization"]


@pytest.fixture
def guarded(factory: Factory, bedrock: FakeBedrock) -> Any:
    return factory(
        **static_keys(), transport=bedrock, guardrail=Guardrail("gr1", version=1, tag_suffix="k3")
    )


async def _call(client: Any, method: str, **kwargs: Any) -> Any:
    """Call ``chat``, ``responses`` or ``models`` on a sync or an async client."""
    if method == "models":
        result = client.models.list()
        return [m async for m in result] if isinstance(client, openai.AsyncOpenAI) else result
    if method == "responses":
        result = client.responses.create(model=MODEL, input="Hello!", **kwargs)
    else:
        result = client.chat.completions.create(model=MODEL, messages=HELLO, **kwargs)
    return await result if isinstance(client, openai.AsyncOpenAI) else result


async def test_a_client_wide_guardrail_applies_to_chat_completions(
    guarded: Any, bedrock: FakeBedrock
) -> None:
    await _call(guarded, "chat")
    sent = bedrock.last
    assert _guardrail_headers(sent) == {
        "x-amzn-bedrock-guardrailidentifier": "gr1",
        "x-amzn-bedrock-guardrailversion": "1",
    }
    body = json.loads(sent.content)
    assert body["amazon-bedrock-guardrailConfig"] == {"tagSuffix": "k3"}
    assert body["messages"] == HELLO
    assert int(sent.headers["Content-Length"]) == len(sent.content)
    assert "x-amzn-bedrock-guardrailidentifier" in sent.headers["Authorization"]


async def test_a_per_call_guardrail_wins_over_the_client_wide_one(
    guarded: Any, bedrock: FakeBedrock
) -> None:
    await _call(guarded, "chat", **AWS_EXAMPLE.options())
    assert _guardrail_headers(bedrock.last)["x-amzn-bedrock-guardrailidentifier"] == "GR12345"
    assert json.loads(bedrock.last.content)["amazon-bedrock-guardrailConfig"]["tagSuffix"] == "xyz"


async def test_requests_that_are_not_invocations_carry_no_guardrail(
    factory: Factory, bedrock: FakeBedrock
) -> None:
    bedrock.queue(
        http_lib.Response(200, json={"object": "list", "data": []}),
    )
    client = factory(
        **static_keys(endpoint="mantle"),
        transport=bedrock,
        guardrail=Guardrail("gr1"),
        allow_unenforced_guardrail=True,
    )
    await _call(client, "models")
    assert _guardrail_headers(bedrock.last) == {}


def test_a_client_wide_guardrail_on_mantle_is_refused(factory: Factory) -> None:
    with pytest.raises(GuardrailError, match="ignores guardrail headers"):
        factory(**static_keys(endpoint="mantle"), guardrail=Guardrail("gr1"))


def test_a_guardrail_argument_of_the_wrong_type_is_refused(factory: Factory) -> None:
    with pytest.raises(GuardrailError, match=r"must be an openai_bedrock\.Guardrail"):
        factory(**static_keys(), guardrail={"identifier": "gr1"})


def _not_enforced(exc: BaseException) -> BaseException:
    return raised(exc, GuardrailNotEnforcedError)


@pytest.mark.parametrize(
    ("endpoint", "method", "client_kwargs", "call_kwargs"),
    [
        ("runtime", "responses", {"guardrail": Guardrail("gr1")}, {}),
        ("runtime", "responses", {}, Guardrail("gr1").options()),
        ("mantle", "chat", {}, Guardrail("gr1").options()),
        ("mantle", "responses", {}, Guardrail("gr1").options()),
    ],
    ids=[
        "client-wide guardrail on runtime Responses",
        "per-call guardrail on runtime Responses",
        "per-call guardrail on mantle chat completions",
        "per-call guardrail on mantle Responses",
    ],
)
async def test_a_guardrail_where_bedrock_ignores_it_is_refused(
    factory: Factory,
    bedrock: FakeBedrock,
    endpoint: str,
    method: str,
    client_kwargs: dict[str, Any],
    call_kwargs: dict[str, Any],
) -> None:
    client = factory(
        **static_keys(endpoint=endpoint), transport=bedrock, max_retries=0, **client_kwargs
    )
    with pytest.raises(openai.OpenAIError) as caught:
        await _call(client, method, **call_kwargs)
    assert "allow_unenforced_guardrail=True" in str(_not_enforced(caught.value))
    assert bedrock.requests == []


BAD_PER_CALL_HEADERS = [
    pytest.param({"X-Amzn-Bedrock-GuardrailIdentifier": ""}, id="an empty identifier"),
    pytest.param(
        {"X-Amzn-Bedrock-GuardrailIdentifier": "gr2"}, id="an identifier without a version"
    ),
    pytest.param({"X-Amzn-Bedrock-GuardrailVersion": "7"}, id="a version without an identifier"),
    pytest.param({"X-Amzn-Bedrock-Trace": "ENABLED"}, id="a trace without an identifier"),
    pytest.param(
        {"X-Amzn-Bedrock-GuardrailIdentifier": "gr2", "X-Amzn-Bedrock-GuardrailVersion": "0"},
        id="an invalid version",
    ),
]


@pytest.mark.parametrize("headers", BAD_PER_CALL_HEADERS)
async def test_hand_written_guardrail_headers_cannot_switch_the_guardrail_off(
    guarded: Any, bedrock: FakeBedrock, headers: dict[str, str]
) -> None:
    with pytest.raises(openai.OpenAIError) as caught:
        await _call(guarded.with_options(max_retries=0), "chat", extra_headers=headers)
    raised(caught.value, GuardrailError)
    assert bedrock.requests == []


ID_HEADER, VERSION_HEADER = "X-Amzn-Bedrock-GuardrailIdentifier", "X-Amzn-Bedrock-GuardrailVersion"


@pytest.mark.parametrize(
    ("headers", "sent", "missing"),
    [
        (
            {"X-Amzn-Bedrock-Trace": "ENABLED"},
            "X-Amzn-Bedrock-Trace",
            f"{ID_HEADER} and {VERSION_HEADER}",
        ),
        ({VERSION_HEADER: "7"}, VERSION_HEADER, ID_HEADER),
        ({ID_HEADER: "gr2"}, ID_HEADER, VERSION_HEADER),
    ],
    ids=["trace", "version", "identifier"],
)
async def test_a_partial_guardrail_header_set_is_named_as_sent(
    guarded: Any, bedrock: FakeBedrock, headers: dict[str, str], sent: str, missing: str
) -> None:
    with pytest.raises(openai.OpenAIError) as caught:
        await _call(guarded.with_options(max_retries=0), "chat", extra_headers=headers)
    message = str(raised(caught.value, GuardrailError))
    assert message.startswith(f"A request sets {sent} without {missing};")


async def test_default_headers_naming_another_guardrail_are_checked_and_win(
    factory: Factory, bedrock: FakeBedrock
) -> None:
    client = factory(
        **static_keys(),
        transport=bedrock,
        guardrail=Guardrail("gr1"),
        default_headers=Guardrail("gr2", version=4).extra_headers,
    )
    await _call(client, "chat")
    assert _guardrail_headers(bedrock.last) == {
        "x-amzn-bedrock-guardrailidentifier": "gr2",
        "x-amzn-bedrock-guardrailversion": "4",
    }


async def test_a_callers_own_tag_suffix_is_kept_with_a_client_wide_guardrail(
    guarded: Any, bedrock: FakeBedrock
) -> None:
    fresh = {"amazon-bedrock-guardrailConfig": {"tagSuffix": "fresh42"}}
    await _call(guarded, "chat", extra_body=fresh)
    assert json.loads(bedrock.last.content)["amazon-bedrock-guardrailConfig"] == {
        "tagSuffix": "fresh42"
    }
    assert _guardrail_headers(bedrock.last)["x-amzn-bedrock-guardrailidentifier"] == "gr1"


def test_allow_unenforced_guardrail_must_be_a_bool(factory: Factory) -> None:
    with pytest.raises(GuardrailError, match="must be True or False"):
        factory(**static_keys(), allow_unenforced_guardrail="no")


def test_options_accept_the_same_version_written_as_a_number() -> None:
    options = Guardrail("g1", version=1).options(
        extra_headers={"X-Amzn-Bedrock-GuardrailVersion": 1}
    )
    assert options["extra_headers"]["X-Amzn-Bedrock-GuardrailVersion"] == 1


def test_the_opt_out_sends_the_guardrail_anyway(bedrock: FakeBedrock) -> None:
    bedrock.queue(
        http_lib.Response(
            200,
            json={
                "id": "resp_1",
                "object": "response",
                "created_at": 0,
                "model": MODEL,
                "status": "completed",
                "output": [],
                "parallel_tool_calls": True,
                "tool_choice": "auto",
                "tools": [],
            },
        )
    )
    client = openai_bedrock.create_client(
        **static_keys(endpoint="mantle"),
        transport=bedrock,
        guardrail=Guardrail("gr1"),
        allow_unenforced_guardrail=True,
    )
    client.responses.create(model=MODEL, input="Hello!")
    assert _guardrail_headers(bedrock.last)["x-amzn-bedrock-guardrailidentifier"] == "gr1"


def test_the_transport_knows_the_guardrail_headers_by_name() -> None:
    """The transport spells the header names out (to load guardrails lazily)."""
    from openai_bedrock import _signing, guardrails

    names = (guardrails.IDENTIFIER_HEADER, guardrails.VERSION_HEADER, guardrails.TRACE_HEADER)
    assert {name.lower().encode("ascii") for name in names} == _signing.GUARDRAIL_KEYS
