"""instructor on our client: structured output through tool calls and JSON, streamed too."""

from __future__ import annotations

import json
from typing import Any

import instructor
import openai
import pydantic

from conftest import MODEL, assert_signed_and_guarded, docs_recipe, run_recipe
from openai_bedrock.testing import BedrockEmulator


class City(pydantic.BaseModel):
    name: str
    population: int


CITY = {"name": "Lisbon", "population": 545000}


def answer_as_the_mode_asks(body: dict[str, Any]) -> Any:
    """A tool call when instructor offers tools (TOOLS mode), else the JSON as text."""
    if body.get("tools"):
        name = body["tools"][0]["function"]["name"]
        call = {"name": name, "arguments": json.dumps(CITY)}
        return {
            "content": None,
            "tool_calls": [{"index": 0, "id": "call-1", "type": "function", "function": call}],
        }
    return json.dumps(CITY)


def test_tools_mode_returns_the_model_with_request_id(
    emulator: BedrockEmulator, client: openai.OpenAI
) -> None:
    emulator.reply = answer_as_the_mode_asks
    structured = instructor.from_openai(client, mode=instructor.Mode.TOOLS)

    city, completion = structured.chat.completions.create_with_completion(
        model=MODEL,
        response_model=City,
        messages=[{"role": "user", "content": "Largest city of Portugal?"}],
    )

    assert city.model_dump() == CITY
    assert completion._request_id
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["tools"][0]["function"]["name"] == "City"


async def test_json_mode_on_the_async_client(
    emulator: BedrockEmulator, async_client: openai.AsyncOpenAI
) -> None:
    emulator.reply = answer_as_the_mode_asks
    structured = instructor.from_openai(async_client, mode=instructor.Mode.JSON)

    city = await structured.chat.completions.create(
        model=MODEL,
        response_model=City,
        messages=[{"role": "user", "content": "Largest city of Portugal?"}],
    )

    assert city.model_dump() == CITY
    (request,) = assert_signed_and_guarded(emulator)
    assert "tools" not in request.json()


def test_streamed_partials_end_in_the_whole_model(
    emulator: BedrockEmulator, client: openai.OpenAI
) -> None:
    emulator.reply = answer_as_the_mode_asks
    structured = instructor.from_openai(client, mode=instructor.Mode.TOOLS)

    partials = list(
        structured.chat.completions.create_partial(
            model=MODEL,
            response_model=City,
            messages=[{"role": "user", "content": "Largest city of Portugal?"}],
        )
    )

    assert partials
    assert City.model_validate(partials[-1].model_dump()) == City(**CITY)
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["stream"] is True


async def test_streamed_json_partials_on_the_async_client(
    emulator: BedrockEmulator, async_client: openai.AsyncOpenAI
) -> None:
    emulator.reply = answer_as_the_mode_asks
    structured = instructor.from_openai(async_client, mode=instructor.Mode.JSON)

    partials = [
        partial
        async for partial in structured.chat.completions.create_partial(
            model=MODEL,
            response_model=City,
            messages=[{"role": "user", "content": "Largest city of Portugal?"}],
        )
    ]

    assert City.model_validate(partials[-1].model_dump()) == City(**CITY)
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["stream"] is True


async def test_the_readme_recipe_runs(recipe_env: BedrockEmulator) -> None:
    recipe_env.reply = answer_as_the_mode_asks

    namespace = await run_recipe(docs_recipe("instructor"))

    assert namespace["city"].model_dump() == CITY
    assert [r.verdict for r in recipe_env.requests] == ["ok"]
