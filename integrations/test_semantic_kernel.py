"""Semantic Kernel's OpenAIChatCompletion on our async client: chat, streaming, auto
function calling and structured output."""

from __future__ import annotations

import json

import openai
import pydantic
from semantic_kernel import Kernel
from semantic_kernel.connectors.ai.function_choice_behavior import FunctionChoiceBehavior
from semantic_kernel.connectors.ai.open_ai import (
    OpenAIChatCompletion,
    OpenAIChatPromptExecutionSettings,
)
from semantic_kernel.contents import ChatHistory
from semantic_kernel.functions import kernel_function

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


def service(async_client: openai.AsyncOpenAI) -> OpenAIChatCompletion:
    return OpenAIChatCompletion(ai_model_id=MODEL, async_client=async_client)


def history(text: str) -> ChatHistory:
    chat = ChatHistory()
    chat.add_user_message(text)
    return chat


async def test_chat_and_stream_through_the_guarded_client(
    emulator: BedrockEmulator, async_client: openai.AsyncOpenAI
) -> None:
    chat = service(async_client)
    settings = OpenAIChatPromptExecutionSettings()

    answer = await chat.get_chat_message_content(history("Say hello"), settings)
    pieces = [
        str(chunks[0])
        async for chunks in chat.get_streaming_chat_message_contents(
            history("Say it again"), settings
        )
        if chunks
    ]

    assert str(answer) == "Say hello"
    assert "".join(pieces) == "Say it again"
    assert len(pieces) > 1
    first, second = assert_signed_and_guarded(emulator, calls=2)
    assert first.json()["model"] == MODEL
    assert second.json()["stream"] is True


async def test_guardrail_intervention_reaches_the_caller(
    emulator: BedrockEmulator, async_client: openai.AsyncOpenAI
) -> None:
    answer = await service(async_client).get_chat_message_content(
        history("How do I pick a lock?"), OpenAIChatPromptExecutionSettings()
    )

    assert str(answer) == BLOCKED_MESSAGE
    assert_signed_and_guarded(emulator)


class Weather:
    @kernel_function(description="The weather in a city.")
    def get_weather(self, city: str) -> str:
        return f"sunny in {city}"


async def test_auto_function_calling_round_trip(
    emulator: BedrockEmulator, async_client: openai.AsyncOpenAI
) -> None:
    emulator.reply = tool_round_trip(
        "Weather-get_weather", {"city": "Lisbon"}, lambda r: f"It is {r}."
    )
    kernel = Kernel()
    kernel.add_plugin(Weather(), plugin_name="Weather")
    settings = OpenAIChatPromptExecutionSettings(
        function_choice_behavior=FunctionChoiceBehavior.Auto()
    )

    answer = await service(async_client).get_chat_message_content(
        history("Weather in Lisbon?"), settings, kernel=kernel
    )

    assert str(answer) == "It is sunny in Lisbon."
    tool_request, _ = assert_signed_and_guarded(emulator, calls=2)
    assert tool_request.json()["tools"][0]["function"]["name"] == "Weather-get_weather"


class City(pydantic.BaseModel):
    name: str
    population: int


async def test_structured_output_with_a_response_format(
    emulator: BedrockEmulator, async_client: openai.AsyncOpenAI
) -> None:
    emulator.reply = structured_reply({"name": "Lisbon", "population": 545000})
    settings = OpenAIChatPromptExecutionSettings(response_format=City)

    answer = await service(async_client).get_chat_message_content(
        history("Largest city of Portugal?"), settings
    )

    assert City.model_validate(json.loads(str(answer))) == City(name="Lisbon", population=545000)
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["response_format"]["type"] == "json_schema"


async def test_the_recipe_runs(recipe_env: BedrockEmulator) -> None:
    namespace = await run_recipe(docs_recipe("Semantic Kernel"))

    assert str(namespace["answer"]) == "Hello!"
    assert [r.verdict for r in recipe_env.requests] == ["ok"]
