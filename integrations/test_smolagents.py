"""smolagents' OpenAIServerModel on our client: generate, stream, a tool-calling agent,
structured output (smolagents is sync)."""

from __future__ import annotations

import json
from typing import Any

import openai
from smolagents import ChatMessage, OpenAIServerModel, ToolCallingAgent, tool

from conftest import (
    MODEL,
    assert_signed_and_guarded,
    docs_recipe,
    run_recipe,
    tool_call,
)
from openai_bedrock.testing import BedrockEmulator


def model_on(client: openai.OpenAI) -> OpenAIServerModel:
    return OpenAIServerModel(model_id=MODEL, client=client)


def user(text: str) -> ChatMessage:
    return ChatMessage(role="user", content=[{"type": "text", "text": text}])


def test_generate_and_stream_through_the_guarded_client(
    emulator: BedrockEmulator, client: openai.OpenAI
) -> None:
    model = model_on(client)

    answer = model.generate([user("Say hello")])
    deltas = list(model.generate_stream([user("Say it again")]))

    assert answer.content == "Say hello"
    assert "".join(d.content or "" for d in deltas) == "Say it again"
    first, second = assert_signed_and_guarded(emulator, calls=2)
    assert first.json()["model"] == MODEL
    assert second.json()["stream"] is True


@tool
def get_weather(city: str) -> str:
    """The weather in a city.

    Args:
        city: The city's name.
    """
    return f"sunny in {city}"


def weather_then_final_answer(body: dict[str, Any]) -> Any:
    """Call get_weather; once its result is in the conversation, call final_answer."""
    seen = json.dumps(body["messages"])
    if "sunny in Lisbon" in seen:
        return tool_call("final_answer", {"answer": "It is sunny in Lisbon."}, "call-2")
    return tool_call("get_weather", {"city": "Lisbon"})


def test_a_tool_calling_agent_round_trip(emulator: BedrockEmulator, client: openai.OpenAI) -> None:
    emulator.reply = weather_then_final_answer
    agent = ToolCallingAgent(tools=[get_weather], model=model_on(client), max_steps=3)

    answer = agent.run("Weather in Lisbon?")

    assert answer == "It is sunny in Lisbon."
    first, second = assert_signed_and_guarded(emulator, calls=2)
    assert "get_weather" in [t["function"]["name"] for t in first.json()["tools"]]
    assert "sunny in Lisbon" in json.dumps(second.json()["messages"])


def test_structured_output_with_a_response_format(
    emulator: BedrockEmulator, client: openai.OpenAI
) -> None:
    emulator.reply = lambda body: json.dumps({"name": "Lisbon", "population": 545000})
    schema = {
        "type": "json_schema",
        "json_schema": {
            "name": "City",
            "schema": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "population": {"type": "integer"}},
                "required": ["name", "population"],
            },
        },
    }

    answer = model_on(client).generate([user("Largest city of Portugal?")], response_format=schema)

    assert json.loads(str(answer.content)) == {"name": "Lisbon", "population": 545000}
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["response_format"]["type"] == "json_schema"


async def test_the_recipe_runs(recipe_env: BedrockEmulator) -> None:
    namespace = await run_recipe(docs_recipe("smolagents"))

    assert namespace["answer"].content == "Hello!"
    assert [r.verdict for r in recipe_env.requests] == ["ok"]
