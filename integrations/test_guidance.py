"""guidance's OpenAI model on our signed HTTP client: generation (always streamed on the
wire), JSON output and a tool round trip (guidance's remote models are sync)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import guidance
import pydantic
import pytest
from guidance import assistant, gen, user

import openai_bedrock
from conftest import (
    MODEL,
    assert_signed_and_guarded,
    bedrock_settings,
    docs_recipe,
    run_recipe,
    tool_round_trip,
)
from openai_bedrock.testing import BedrockEmulator


@pytest.fixture
def lm(emulator: BedrockEmulator) -> Iterator[guidance.models.Model]:
    http_client = openai_bedrock.create_http_client(**bedrock_settings(emulator))
    yield guidance.models.OpenAI(
        MODEL,
        api_key="unused",  # never sent: the HTTP client signs each request
        base_url=emulator.base_url,
        http_client=http_client,
        max_retries=0,
        echo=False,
    )
    http_client.close()


def test_gen_through_the_guarded_client(
    emulator: BedrockEmulator, lm: guidance.models.Model
) -> None:
    emulator.reply = lambda body: "Hello from a stream of several chunks"
    with user():
        lm += "Say hello"
    with assistant():
        lm += gen("answer")

    assert lm["answer"] == "Hello from a stream of several chunks"
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["model"] == MODEL
    assert request.json()["stream"] is True


class City(pydantic.BaseModel):
    name: str
    population: int


def test_json_output_from_a_pydantic_schema(
    emulator: BedrockEmulator, lm: guidance.models.Model
) -> None:
    emulator.reply = lambda body: json.dumps({"name": "Lisbon", "population": 545000})
    with user():
        lm += "Largest city of Portugal?"
    with assistant():
        lm += guidance.json(name="city", schema=City)

    assert City.model_validate_json(lm["city"]) == City(name="Lisbon", population=545000)
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["response_format"]["type"] == "json_schema"


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def test_tool_round_trip(emulator: BedrockEmulator, lm: guidance.models.Model) -> None:
    emulator.reply = tool_round_trip(
        "get_weather", {"city": "Lisbon"}, lambda r: f"It is {json.loads(r)}."
    )
    with user():
        lm += "Weather in Lisbon?"
    with assistant():
        lm += gen(tools=[get_weather])
    with assistant():
        lm += gen("answer")

    assert lm["answer"] == "It is sunny in Lisbon."
    tool_request, answer_request = assert_signed_and_guarded(emulator, calls=2)
    assert tool_request.json()["tools"][0]["function"]["name"] == "get_weather"
    assert any(m["role"] == "tool" for m in answer_request.json()["messages"])


async def test_the_recipe_runs(recipe_env: BedrockEmulator) -> None:
    namespace = await run_recipe(docs_recipe("guidance"))

    assert namespace["lm"]["answer"] == "Hello!"
    assert [r.verdict for r in recipe_env.requests] == ["ok"]
