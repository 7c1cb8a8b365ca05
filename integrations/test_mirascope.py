"""Mirascope (2.x) through the local signing proxy: it takes only a base URL and an API
key, so ``openai-bedrock proxy`` signs and guards its requests. A call, a streamed call,
an async call, a tool round trip and structured (Pydantic) output, on its Chat Completions
provider."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pydantic
import pytest
from mirascope import llm

from conftest import (
    BLOCKED_MESSAGE,
    MODEL,
    assert_signed_and_guarded,
    docs_recipe,
    run_recipe,
    structured_reply,
    tool_round_trip,
)
from openai_bedrock.testing import BedrockEmulator

MODEL_ID = f"openai/{MODEL}"


@pytest.fixture(autouse=True)
def provider(signing_proxy: BedrockEmulator) -> Iterator[None]:
    """The recipe: the Chat Completions provider for ``openai/`` models, which reads
    OPENAI_BASE_URL and OPENAI_API_KEY (the proxy's address and token; the fixture sets
    them). Mirascope keeps providers process-wide, so each test starts afresh."""
    llm.reset_provider_registry()
    llm.register_provider("openai:completions", scope="openai/")
    yield
    llm.reset_provider_registry()


def test_call_through_the_proxy(signing_proxy: BedrockEmulator) -> None:
    signing_proxy.reply = lambda body: "Lisbon"

    @llm.call(MODEL_ID)
    def largest_city(country: str) -> str:
        return f"Largest city of {country}?"

    assert largest_city("Portugal").text() == "Lisbon"
    (request,) = assert_signed_and_guarded(signing_proxy)
    assert request.json()["model"] == MODEL
    assert "Portugal" in json.dumps(request.json()["messages"])


def test_the_proxy_guardrail_blocks(signing_proxy: BedrockEmulator) -> None:
    @llm.call(MODEL_ID)
    def ask(thing: str) -> str:
        return f"Pick the {thing}."

    assert ask("lock").text() == BLOCKED_MESSAGE
    assert_signed_and_guarded(signing_proxy)


def test_streamed_call(signing_proxy: BedrockEmulator) -> None:
    signing_proxy.reply = lambda body: "It is sunny in Lisbon."

    @llm.call(MODEL_ID)
    def weather(city: str) -> str:
        return f"Weather in {city}?"

    response = weather.stream("Lisbon")
    chunks = list(response.text_stream())

    assert "".join(chunks).strip() == "It is sunny in Lisbon."  # text_stream ends with "\n"
    assert response.text() == "It is sunny in Lisbon."
    (request,) = assert_signed_and_guarded(signing_proxy)
    assert request.json()["stream"] is True


async def test_async_call(signing_proxy: BedrockEmulator) -> None:
    signing_proxy.reply = lambda body: "Lisbon"

    @llm.call(MODEL_ID)
    async def largest_city(country: str) -> str:
        return f"Largest city of {country}?"

    response = await largest_city("Portugal")

    assert response.text() == "Lisbon"
    assert_signed_and_guarded(signing_proxy)


@llm.tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def test_tool_round_trip(signing_proxy: BedrockEmulator) -> None:
    signing_proxy.reply = tool_round_trip(
        "get_weather", {"city": "Lisbon"}, lambda result: f"The tool says: {result}."
    )

    @llm.call(MODEL_ID, tools=[get_weather])
    def weather(city: str) -> str:
        return f"Weather in {city}?"

    response = weather("Lisbon")
    while response.tool_calls:
        response = response.resume(response.execute_tools())

    assert response.text() == "The tool says: sunny in Lisbon."
    first, second = assert_signed_and_guarded(signing_proxy, calls=2)
    assert [t["function"]["name"] for t in first.json()["tools"]] == ["get_weather"]
    assert second.json()["messages"][-1]["role"] == "tool"


class City(pydantic.BaseModel):
    name: str
    population: int


def test_structured_output(signing_proxy: BedrockEmulator) -> None:
    signing_proxy.reply = structured_reply({"name": "Lisbon", "population": 545000})

    @llm.call(MODEL_ID, format=City)
    def largest_city(country: str) -> str:
        return f"Largest city of {country}?"

    assert largest_city("Portugal").parse() == City(name="Lisbon", population=545000)
    assert_signed_and_guarded(signing_proxy)


async def test_the_recipe_runs(signing_proxy: BedrockEmulator) -> None:
    llm.reset_provider_registry()  # the recipe registers the provider itself
    signing_proxy.reply = lambda body: "Hello!"

    namespace = await run_recipe(docs_recipe("Mirascope"))

    assert namespace["answer"] == "Hello!"
    assert_signed_and_guarded(signing_proxy)
