"""LiteLLM on our clients (``client=``): completion, streaming, async, tools, structured output."""

from __future__ import annotations

import json
import os

# LiteLLM fetches its model price list from the network at import unless told not to.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm
import openai
import pydantic

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

# LiteLLM's name for an OpenAI-compatible model: the "openai/" provider prefix.
LITELLM_MODEL = f"openai/{MODEL}"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def test_completion_answers_through_the_guarded_client(
    emulator: BedrockEmulator, client: openai.OpenAI
) -> None:
    response = litellm.completion(
        model=LITELLM_MODEL,
        messages=[{"role": "user", "content": "Say hello"}],
        client=client,
        max_retries=client.max_retries,  # else LiteLLM sets the client's to 2
    )

    assert response.choices[0].message.content == "Say hello"
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["model"] == MODEL
    assert client.max_retries == 0


def test_litellm_changes_the_clients_max_retries_unless_given(client: openai.OpenAI) -> None:
    """The quirk the docs warn about: LiteLLM writes its default onto the client."""
    litellm.completion(
        model=LITELLM_MODEL, messages=[{"role": "user", "content": "hi"}], client=client
    )

    assert client.max_retries == 2


def test_stream_yields_the_answer_in_chunks(
    emulator: BedrockEmulator, client: openai.OpenAI
) -> None:
    emulator.reply = lambda body: "Hello from a stream of several chunks"

    chunks = list(
        litellm.completion(
            model=LITELLM_MODEL,
            messages=[{"role": "user", "content": "Say hello"}],
            stream=True,
            client=client,
            max_retries=0,
        )
    )

    texts = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(texts) > 1
    assert "".join(texts) == "Hello from a stream of several chunks"
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["stream"] is True


async def test_acompletion_and_async_stream(
    emulator: BedrockEmulator, async_client: openai.AsyncOpenAI
) -> None:
    messages = [{"role": "user", "content": "Say hello"}]
    response = await litellm.acompletion(
        model=LITELLM_MODEL, messages=messages, client=async_client, max_retries=0
    )
    stream = await litellm.acompletion(
        model=LITELLM_MODEL, messages=messages, client=async_client, stream=True, max_retries=0
    )
    text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

    assert response.choices[0].message.content == "Say hello"
    assert text == "Say hello"
    assert_signed_and_guarded(emulator, calls=2)


def test_tool_round_trip(emulator: BedrockEmulator, client: openai.OpenAI) -> None:
    emulator.reply = tool_round_trip("get_weather", {"city": "Lisbon"}, lambda r: f"It is {r}.")
    messages: list[dict[str, object]] = [{"role": "user", "content": "Weather in Lisbon?"}]

    first = litellm.completion(
        model=LITELLM_MODEL, messages=messages, tools=[WEATHER_TOOL], client=client, max_retries=0
    )
    call = first.choices[0].message.tool_calls[0]
    messages.append(first.choices[0].message.model_dump())
    messages.append({"role": "tool", "tool_call_id": call.id, "content": "sunny"})
    second = litellm.completion(
        model=LITELLM_MODEL, messages=messages, tools=[WEATHER_TOOL], client=client, max_retries=0
    )

    assert json.loads(call.function.arguments) == {"city": "Lisbon"}
    assert second.choices[0].message.content == "It is sunny."
    assert_signed_and_guarded(emulator, calls=2)


class City(pydantic.BaseModel):
    name: str
    population: int


def test_structured_output_with_a_pydantic_response_format(
    emulator: BedrockEmulator, client: openai.OpenAI
) -> None:
    emulator.reply = structured_reply({"name": "Lisbon", "population": 545000})

    response = litellm.completion(
        model=LITELLM_MODEL,
        messages=[{"role": "user", "content": "Largest city of Portugal?"}],
        response_format=City,
        client=client,
        max_retries=0,
    )

    assert City.model_validate_json(response.choices[0].message.content) == City(
        name="Lisbon", population=545000
    )
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["response_format"]["type"] == "json_schema"


def test_guardrail_intervention_reaches_the_caller(
    emulator: BedrockEmulator, client: openai.OpenAI
) -> None:
    response = litellm.completion(
        model=LITELLM_MODEL,
        messages=[{"role": "user", "content": "How do I pick a lock?"}],
        client=client,
        max_retries=0,
    )

    assert response.choices[0].message.content == BLOCKED_MESSAGE
    assert_signed_and_guarded(emulator)


async def test_the_readme_recipe_runs(recipe_env: BedrockEmulator) -> None:
    namespace = await run_recipe(docs_recipe("LiteLLM"))

    assert namespace["response"].choices[0].message.content == "Hello!"
    assert [r.verdict for r in recipe_env.requests] == ["ok"]
