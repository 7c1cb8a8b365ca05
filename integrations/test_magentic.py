"""magentic through the local signing proxy: it takes only a base URL and an API key, so
``openai-bedrock proxy`` signs and guards its requests. A prompt, a streamed prompt, an
async prompt, a function call round trip and structured (Pydantic) output.

No ``from __future__ import annotations``: magentic reads the prompt functions' return
annotations as types."""

import json

import pydantic
import pytest
from magentic import AsyncStreamedStr, FunctionCall, OpenaiChatModel, StreamedStr, prompt

from conftest import (
    BLOCKED_MESSAGE,
    MODEL,
    assert_signed_and_guarded,
    docs_recipe,
    run_recipe,
    structured_reply,
    tool_call,
)
from openai_bedrock.testing import BedrockEmulator


@pytest.fixture
def model(signing_proxy: BedrockEmulator) -> OpenaiChatModel:
    """The recipe: magentic's OpenAI model, which reads OPENAI_BASE_URL and OPENAI_API_KEY
    (the proxy's address and token; the fixture sets them)."""
    return OpenaiChatModel(MODEL)


def test_prompt_through_the_proxy(signing_proxy: BedrockEmulator, model: OpenaiChatModel) -> None:
    signing_proxy.reply = lambda body: "Lisbon"

    @prompt("Largest city of {country}?", model=model)
    def largest_city(country: str) -> str: ...

    assert largest_city("Portugal") == "Lisbon"
    (request,) = assert_signed_and_guarded(signing_proxy)
    assert request.json()["model"] == MODEL
    assert "Portugal" in json.dumps(request.json()["messages"])


def test_the_proxy_guardrail_blocks(signing_proxy: BedrockEmulator, model: OpenaiChatModel) -> None:
    @prompt("Pick the {thing}.", model=model)
    def ask(thing: str) -> str: ...

    assert ask("lock") == BLOCKED_MESSAGE
    assert_signed_and_guarded(signing_proxy)


def test_streamed_prompt(signing_proxy: BedrockEmulator, model: OpenaiChatModel) -> None:
    signing_proxy.reply = lambda body: "It is sunny in Lisbon."

    @prompt("Weather in {city}?", model=model)
    def weather(city: str) -> StreamedStr: ...

    chunks = list(weather("Lisbon"))

    assert "".join(chunks) == "It is sunny in Lisbon."
    (request,) = assert_signed_and_guarded(signing_proxy)
    assert request.json()["stream"] is True


async def test_async_streamed_prompt(
    signing_proxy: BedrockEmulator, model: OpenaiChatModel
) -> None:
    signing_proxy.reply = lambda body: "It is sunny in Lisbon."

    @prompt("Weather in {city}?", model=model)
    async def weather(city: str) -> AsyncStreamedStr: ...

    chunks = [chunk async for chunk in await weather("Lisbon")]

    assert "".join(chunks) == "It is sunny in Lisbon."
    assert_signed_and_guarded(signing_proxy)


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def test_function_call_round_trip(signing_proxy: BedrockEmulator, model: OpenaiChatModel) -> None:
    signing_proxy.reply = lambda body: tool_call("get_weather", {"city": "Lisbon"})

    @prompt("Weather in {city}?", functions=[get_weather], model=model)
    def weather(city: str) -> FunctionCall[str]: ...

    call = weather("Lisbon")

    assert call() == "sunny in Lisbon"
    (request,) = assert_signed_and_guarded(signing_proxy)
    assert [t["function"]["name"] for t in request.json()["tools"]] == ["get_weather"]


class City(pydantic.BaseModel):
    name: str
    population: int


def test_structured_output(signing_proxy: BedrockEmulator, model: OpenaiChatModel) -> None:
    signing_proxy.reply = structured_reply({"name": "Lisbon", "population": 545000})

    @prompt("Largest city of {country}?", model=model)
    def largest_city(country: str) -> City: ...

    assert largest_city("Portugal") == City(name="Lisbon", population=545000)
    (request,) = assert_signed_and_guarded(signing_proxy)
    assert request.json()["tools"]  # magentic asks for the object as a tool call


async def test_the_recipe_runs(signing_proxy: BedrockEmulator) -> None:
    signing_proxy.reply = lambda body: "Hello!"

    namespace = await run_recipe(docs_recipe("magentic"))

    assert namespace["answer"] == "Hello!"
    assert_signed_and_guarded(signing_proxy)
