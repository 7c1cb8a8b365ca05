"""CrewAI's LLM on its LiteLLM route, whose HTTP clients are ours (``litellm.client_session``
and ``aclient_session``): call, streaming, async, and a crew whose agent uses a tool.
Structured output is not offered on that route for Bedrock model ids (docs/integrations.md)."""

from __future__ import annotations

import json
import os

# Telemetry and tracing off (they send to CrewAI's servers); LiteLLM's price list local.
os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("OTEL_SDK_DISABLED", "true")
os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from typing import Any

import litellm
import pytest
from crewai import LLM, Agent, Crew, Task
from crewai.tools import tool

import openai_bedrock
from conftest import (
    MODEL,
    assert_signed_and_guarded,
    bedrock_settings,
    docs_recipe,
    run_recipe,
    tool_call,
)
from openai_bedrock.testing import BedrockEmulator


@pytest.fixture
def signed_litellm(emulator: BedrockEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = bedrock_settings(emulator)
    monkeypatch.setattr(litellm, "client_session", openai_bedrock.create_http_client(**settings))
    monkeypatch.setattr(
        litellm, "aclient_session", openai_bedrock.create_async_http_client(**settings)
    )


def llm_for(emulator: BedrockEmulator, **options: Any) -> LLM:
    """The recipe: the LiteLLM route (CrewAI's native OpenAI class hands one
    ``client_params`` to both its sync and async SDK clients, so no one HTTP client fits)."""
    return LLM(
        model=f"openai/{MODEL}",
        is_litellm=True,
        base_url=emulator.base_url,
        api_key="unused",  # never sent: the HTTP clients sign each request
        max_retries=0,
        **options,
    )


@pytest.mark.usefixtures("signed_litellm")
def test_call_and_stream_through_the_guarded_client(emulator: BedrockEmulator) -> None:
    emulator.reply = lambda body: "Hello from a stream of several chunks"

    answer = llm_for(emulator).call("Say hello")
    streamed = llm_for(emulator, stream=True).call("Say hello")

    assert answer == "Hello from a stream of several chunks"
    assert streamed == "Hello from a stream of several chunks"
    first, second = assert_signed_and_guarded(emulator, calls=2)
    assert first.json()["model"] == MODEL
    assert second.json()["stream"] is True


@pytest.mark.usefixtures("signed_litellm")
async def test_acall(emulator: BedrockEmulator) -> None:
    answer = await llm_for(emulator).acall("Say hello")

    assert answer == "Say hello"
    assert_signed_and_guarded(emulator)


@tool("get_weather")
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def weather_agent_turns(body: dict[str, Any]) -> Any:
    """Call get_weather (natively, or in CrewAI's text format), then give the answer."""
    if "sunny in Lisbon" in json.dumps(body["messages"]):
        return "Thought: I know the answer.\nFinal Answer: It is sunny in Lisbon."
    if body.get("tools"):
        return tool_call(body["tools"][0]["function"]["name"], {"city": "Lisbon"})
    return 'Thought: Ask the tool.\nAction: get_weather\nAction Input: {"city": "Lisbon"}'


@pytest.mark.usefixtures("signed_litellm")
def test_a_crew_whose_agent_uses_a_tool(emulator: BedrockEmulator) -> None:
    emulator.reply = weather_agent_turns
    agent = Agent(
        role="Forecaster",
        goal="Report the weather.",
        backstory="You check the weather tool.",
        tools=[get_weather],
        llm=llm_for(emulator),
        max_iter=3,
    )
    task = Task(description="Weather in Lisbon?", expected_output="One line.", agent=agent)

    result = Crew(agents=[agent], tasks=[task]).kickoff()

    assert result.raw == "It is sunny in Lisbon."
    assert_signed_and_guarded(emulator, calls=2)


async def test_the_recipe_runs(
    recipe_env: BedrockEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(litellm, "client_session", None)  # the recipe sets them
    monkeypatch.setattr(litellm, "aclient_session", None)

    namespace = await run_recipe(docs_recipe("CrewAI"))

    assert namespace["answer"] == "Hello!"
    assert [r.verdict for r in recipe_env.requests] == ["ok"]
