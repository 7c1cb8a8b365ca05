"""Pydantic AI's OpenAI chat model on our AsyncOpenAI: text, streamed text, typed output."""

from __future__ import annotations

import json
from typing import Any

import openai
import pydantic
import pytest
from pydantic_ai import Agent
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
from pydantic_ai.providers.openai import OpenAIProvider

import openai_bedrock
from conftest import MODEL, assert_signed_and_guarded, docs_recipe, run_recipe
from openai_bedrock.testing import BedrockEmulator


def model_on(async_client: openai.AsyncOpenAI) -> OpenAIChatModel:
    """The docs recipe."""
    return OpenAIChatModel(MODEL, provider=OpenAIProvider(openai_client=async_client))


async def test_a_run_answers_through_the_guarded_client(
    emulator: BedrockEmulator, async_client: openai.AsyncOpenAI
) -> None:
    agent = Agent(model_on(async_client), instructions="Answer briefly.")

    result = await agent.run("Say hello")

    assert result.output == "Say hello"  # the emulator echoes the last user message
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["model"] == MODEL


async def test_a_streamed_run_yields_text_deltas(
    emulator: BedrockEmulator, async_client: openai.AsyncOpenAI
) -> None:
    emulator.reply = lambda body: "Hello from a stream of several chunks"
    agent = Agent(model_on(async_client))

    async with agent.run_stream("Say hello") as result:
        deltas = [delta async for delta in result.stream_text(delta=True, debounce_by=None)]

    assert len(deltas) > 1
    assert "".join(deltas) == "Hello from a stream of several chunks"
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["stream"] is True


class City(pydantic.BaseModel):
    name: str
    population: int


def call_the_output_tool(body: dict[str, Any]) -> Any:
    call = {
        "name": body["tools"][0]["function"]["name"],
        "arguments": json.dumps({"name": "Lisbon", "population": 545000}),
    }
    return {
        "content": None,
        "tool_calls": [{"index": 0, "id": "call-1", "type": "function", "function": call}],
    }


async def test_typed_output_through_a_tool_call(
    emulator: BedrockEmulator, async_client: openai.AsyncOpenAI
) -> None:
    emulator.reply = call_the_output_tool
    agent = Agent(model_on(async_client), output_type=City)

    result = await agent.run("Largest city of Portugal?")

    assert result.output == City(name="Lisbon", population=545000)
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["tools"]


async def test_the_responses_model_refuses_a_guardrail_bedrock_would_ignore(
    emulator: BedrockEmulator, async_client: openai.AsyncOpenAI
) -> None:
    # Bedrock does not apply guardrails on the Responses API; a guarded client refuses
    # rather than send an unguarded call.
    model = OpenAIResponsesModel(MODEL, provider=OpenAIProvider(openai_client=async_client))

    with pytest.raises(openai_bedrock.GuardrailNotEnforcedError, match="responses"):
        await Agent(model).run("Say hello")

    assert emulator.requests == []


async def test_the_readme_recipe_runs(recipe_env: BedrockEmulator) -> None:
    namespace = await run_recipe(docs_recipe("Pydantic AI"))

    assert namespace["result"].output == "Hello!"
    assert [r.verdict for r in recipe_env.requests] == ["ok"]
