"""OpenAI Agents SDK on our AsyncOpenAI through OpenAIChatCompletionsModel."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import agents
import openai
import pytest
from agents import Agent, OpenAIChatCompletionsModel, Runner, function_tool

import openai_bedrock
from conftest import MODEL, assert_signed_and_guarded, docs_recipe, run_recipe
from openai_bedrock.testing import BedrockEmulator


@pytest.fixture(autouse=True)
def no_tracing_export() -> Iterator[None]:
    """Traces would be exported to OpenAI's servers; the recipe turns them off."""
    agents.set_tracing_disabled(True)
    yield
    agents.set_tracing_disabled(False)


def agent_on(async_client: openai.AsyncOpenAI, **options: Any) -> Agent[Any]:
    """The docs recipe."""
    return Agent(
        name="Assistant",
        instructions="Answer briefly.",
        model=OpenAIChatCompletionsModel(model=MODEL, openai_client=async_client),
        **options,
    )


async def test_one_agent_run(emulator: BedrockEmulator, async_client: openai.AsyncOpenAI) -> None:
    result = await Runner.run(agent_on(async_client), "Say hello")

    assert result.final_output == "Say hello"  # the emulator echoes the last user message
    assert result.raw_responses[0].request_id  # Bedrock's request id, via x-request-id
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["messages"][0] == {"role": "system", "content": "Answer briefly."}


async def test_a_streamed_run_yields_text_deltas(
    emulator: BedrockEmulator, async_client: openai.AsyncOpenAI
) -> None:
    emulator.reply = lambda body: "Hello from a stream of several chunks"

    result = Runner.run_streamed(agent_on(async_client), "Say hello")
    deltas = [
        event.data.delta
        async for event in result.stream_events()
        if event.type == "raw_response_event" and event.data.type == "response.output_text.delta"
    ]

    assert len(deltas) > 1
    assert "".join(deltas) == "Hello from a stream of several chunks"
    assert result.final_output == "Hello from a stream of several chunks"
    assert result.raw_responses[0].request_id
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["stream"] is True


@function_tool
def weather(city: str) -> str:
    """The weather in a city."""
    return f"Sunny in {city}"


def call_the_tool_then_answer(body: dict[str, Any]) -> Any:
    last = body["messages"][-1]
    if last["role"] == "tool":
        return f"It says: {last['content']}"
    call = {"name": "weather", "arguments": json.dumps({"city": "Lisbon"})}
    return {
        "content": None,
        "tool_calls": [{"index": 0, "id": "call-1", "type": "function", "function": call}],
    }


async def test_a_run_with_a_tool_call_guards_every_turn(
    emulator: BedrockEmulator, async_client: openai.AsyncOpenAI
) -> None:
    emulator.reply = call_the_tool_then_answer

    result = await Runner.run(agent_on(async_client, tools=[weather]), "Weather in Lisbon?")

    assert result.final_output == "It says: Sunny in Lisbon"
    first, second = assert_signed_and_guarded(emulator, calls=2)
    assert first.json()["tools"][0]["function"]["name"] == "weather"
    assert second.json()["messages"][-1]["role"] == "tool"


async def test_the_responses_api_default_refuses_a_guardrail_bedrock_would_ignore(
    emulator: BedrockEmulator, async_client: openai.AsyncOpenAI
) -> None:
    # The SDK's default model class calls the Responses API, where Bedrock does not
    # apply guardrails; a guarded client refuses rather than send an unguarded call.
    model = agents.OpenAIResponsesModel(model=MODEL, openai_client=async_client)
    agent = Agent(name="Assistant", model=model)

    with pytest.raises(openai_bedrock.GuardrailNotEnforcedError, match="responses"):
        await Runner.run(agent, "Say hello")

    assert emulator.requests == []


async def test_the_readme_recipe_runs(recipe_env: BedrockEmulator) -> None:
    namespace = await run_recipe(docs_recipe("OpenAI Agents SDK"))

    assert namespace["result"].final_output == "Hello!"
    assert [r.verdict for r in recipe_env.requests] == ["ok"]
