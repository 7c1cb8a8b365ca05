"""AutoGen's OpenAIChatCompletionClient on our signed HTTP client: chat, streaming, a tool
round trip and structured output (AutoGen's model clients are async)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pydantic
import pytest
from autogen_core import CancellationToken
from autogen_core.models import (
    AssistantMessage,
    FunctionExecutionResult,
    FunctionExecutionResultMessage,
    UserMessage,
)
from autogen_core.tools import FunctionTool
from autogen_ext.models.openai import OpenAIChatCompletionClient

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

# AutoGen knows OpenAI's own model ids only; others need what the model can do.
MODEL_INFO: Any = {
    "vision": False,
    "function_calling": True,
    "json_output": True,
    "structured_output": True,
    "family": "unknown",
}


@pytest.fixture
async def model_client(emulator: BedrockEmulator) -> AsyncIterator[OpenAIChatCompletionClient]:
    client = OpenAIChatCompletionClient(
        model=MODEL,
        base_url=emulator.base_url,
        api_key="unused",  # never sent: the HTTP client signs each request
        http_client=openai_bedrock.create_async_http_client(**bedrock_settings(emulator)),
        model_info=MODEL_INFO,
        max_retries=0,
    )
    yield client
    await client.close()


def user(text: str) -> UserMessage:
    return UserMessage(content=text, source="user")


async def test_create_and_stream_through_the_guarded_client(
    emulator: BedrockEmulator, model_client: OpenAIChatCompletionClient
) -> None:
    result = await model_client.create([user("Say hello")])
    streamed = [item async for item in model_client.create_stream([user("Say it again")])]

    assert result.content == "Say hello"
    assert "".join(item for item in streamed if isinstance(item, str)) == "Say it again"
    assert streamed[-1].content == "Say it again"  # the final CreateResult
    assert result.usage.prompt_tokens > 0
    first, second = assert_signed_and_guarded(emulator, calls=2)
    assert first.json()["model"] == MODEL
    assert second.json()["stream"] is True


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


async def test_tool_round_trip(
    emulator: BedrockEmulator, model_client: OpenAIChatCompletionClient
) -> None:
    emulator.reply = tool_round_trip("get_weather", {"city": "Lisbon"}, lambda r: f"It is {r}.")
    tool = FunctionTool(get_weather, description="The weather in a city.")
    messages: list[Any] = [user("Weather in Lisbon?")]

    first = await model_client.create(messages, tools=[tool])
    (call,) = first.content
    result = await tool.run_json(json.loads(call.arguments), CancellationToken())
    messages += [
        AssistantMessage(content=first.content, source="assistant"),
        FunctionExecutionResultMessage(
            content=[
                FunctionExecutionResult(
                    content=tool.return_value_as_string(result), call_id=call.id, name=call.name
                )
            ]
        ),
    ]
    second = await model_client.create(messages, tools=[tool])

    assert call.name == "get_weather"
    assert second.content == "It is sunny in Lisbon."
    tool_request, _ = assert_signed_and_guarded(emulator, calls=2)
    assert tool_request.json()["tools"][0]["function"]["name"] == "get_weather"


class City(pydantic.BaseModel):
    name: str
    population: int


async def test_structured_output(
    emulator: BedrockEmulator, model_client: OpenAIChatCompletionClient
) -> None:
    emulator.reply = structured_reply({"name": "Lisbon", "population": 545000})

    result = await model_client.create([user("Largest city of Portugal?")], json_output=City)

    assert City.model_validate_json(str(result.content)) == City(name="Lisbon", population=545000)
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["response_format"]["type"] == "json_schema"


async def test_the_recipe_runs(recipe_env: BedrockEmulator) -> None:
    namespace = await run_recipe(docs_recipe("AutoGen"))

    assert namespace["result"].content == "Hello!"
    assert [r.verdict for r in recipe_env.requests] == ["ok"]
