"""Haystack's OpenAIChatGenerator on our transport: one ``http_client_kwargs`` feeds both its
httpx clients, so one transport object serves sync and async calls. Chat, streaming, async,
a tool round trip, structured output."""

from __future__ import annotations

import json
import os

# Haystack sends usage telemetry unless told not to.
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")

from typing import Any

import pydantic
from haystack.components.generators.chat import OpenAIChatGenerator
from haystack.dataclasses import ChatMessage, StreamingChunk
from haystack.tools import Tool
from haystack.utils import Secret

import openai_bedrock
from conftest import (
    MODEL,
    assert_signed_and_guarded,
    bedrock_settings,
    docs_recipe,
    run_recipe,
    structured_reply,
    tool_round_trip,
)
from openai_bedrock.testing import BedrockEmulator


def generator(emulator: BedrockEmulator, **options: Any) -> OpenAIChatGenerator:
    # Haystack builds plain httpx clients (openai 3.x's own library is httpx2).
    transport = openai_bedrock.create_transport(**bedrock_settings(emulator), library="httpx")
    return OpenAIChatGenerator(
        model=MODEL,
        api_base_url=emulator.base_url,
        api_key=Secret.from_token("unused"),  # never sent: the transport signs each request
        http_client_kwargs={"transport": transport},
        max_retries=0,
        **options,
    )


def test_run_and_stream_through_the_guarded_transport(emulator: BedrockEmulator) -> None:
    chunks: list[StreamingChunk] = []

    answer = generator(emulator).run([ChatMessage.from_user("Say hello")])
    streamed = generator(emulator, streaming_callback=chunks.append).run(
        [ChatMessage.from_user("Say it again")]
    )

    assert answer["replies"][0].text == "Say hello"
    assert streamed["replies"][0].text == "Say it again"
    assert "".join(chunk.content for chunk in chunks) == "Say it again"
    first, second = assert_signed_and_guarded(emulator, calls=2)
    assert first.json()["model"] == MODEL
    assert second.json()["stream"] is True


async def test_one_generator_runs_sync_and_async_on_one_transport(
    emulator: BedrockEmulator,
) -> None:
    gen = generator(emulator)

    sync_answer = gen.run([ChatMessage.from_user("Say hello")])
    async_answer = await gen.run_async([ChatMessage.from_user("Say it again")])

    assert sync_answer["replies"][0].text == "Say hello"
    assert async_answer["replies"][0].text == "Say it again"
    assert_signed_and_guarded(emulator, calls=2)


def get_weather(city: str) -> str:
    return f"sunny in {city}"


WEATHER = Tool(
    name="get_weather",
    description="The weather in a city.",
    parameters={
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
    function=get_weather,
)


def test_tool_round_trip(emulator: BedrockEmulator) -> None:
    emulator.reply = tool_round_trip("get_weather", {"city": "Lisbon"}, lambda r: f"It is {r}.")
    gen = generator(emulator, tools=[WEATHER])
    messages = [ChatMessage.from_user("Weather in Lisbon?")]

    first = gen.run(messages)["replies"]
    call = first[0].tool_calls[0]
    results = [ChatMessage.from_tool(tool_result=WEATHER.invoke(**call.arguments), origin=call)]
    second = gen.run(messages + first + results)["replies"]

    assert first[0].tool_calls[0].arguments == {"city": "Lisbon"}
    assert second[0].text == "It is sunny in Lisbon."
    tool_request, _ = assert_signed_and_guarded(emulator, calls=2)
    assert tool_request.json()["tools"][0]["function"]["name"] == "get_weather"


class City(pydantic.BaseModel):
    name: str
    population: int


def test_structured_output_with_a_response_format(emulator: BedrockEmulator) -> None:
    emulator.reply = structured_reply({"name": "Lisbon", "population": 545000})
    gen = generator(emulator, generation_kwargs={"response_format": City})

    reply = gen.run([ChatMessage.from_user("Largest city of Portugal?")])["replies"][0]

    assert City.model_validate(json.loads(reply.text)) == City(name="Lisbon", population=545000)
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["response_format"]["type"] == "json_schema"


async def test_the_recipe_runs(recipe_env: BedrockEmulator) -> None:
    namespace = await run_recipe(docs_recipe("Haystack"))

    assert namespace["reply"].text == "Hello!"
    assert namespace["areply"].text == "Hello!"
    assert [r.verdict for r in recipe_env.requests] == ["ok", "ok"]
