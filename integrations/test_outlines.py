"""outlines on our clients (``outlines.from_openai``): text, streaming, async, structured
output (outlines has no tool calling)."""

from __future__ import annotations

import json

import openai
import outlines
import pydantic

from conftest import MODEL, assert_signed_and_guarded, docs_recipe, run_recipe
from openai_bedrock.testing import BedrockEmulator


class City(pydantic.BaseModel):
    name: str
    population: int


CITY = {"name": "Lisbon", "population": 545000}


def test_text_and_stream_through_the_guarded_client(
    emulator: BedrockEmulator, client: openai.OpenAI
) -> None:
    model = outlines.from_openai(client, MODEL)

    text = model("Say hello")
    pieces = list(model.stream("Say it again"))

    assert text == "Say hello"
    assert "".join(pieces) == "Say it again"
    assert len(pieces) > 1
    first, second = assert_signed_and_guarded(emulator, calls=2)
    assert first.json()["model"] == MODEL
    assert second.json()["stream"] is True


def test_structured_output_from_a_pydantic_model(
    emulator: BedrockEmulator, client: openai.OpenAI
) -> None:
    emulator.reply = lambda body: json.dumps(CITY)

    answer = outlines.from_openai(client, MODEL)("Largest city of Portugal?", City)

    assert City.model_validate_json(answer) == City(**CITY)
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["response_format"]["type"] == "json_schema"


async def test_async_text_stream_and_structured_output(
    emulator: BedrockEmulator, async_client: openai.AsyncOpenAI
) -> None:
    model = outlines.from_openai(async_client, MODEL)

    text = await model("Say hello")
    pieces = [piece async for piece in model.stream("Say it again")]
    emulator.reply = lambda body: json.dumps(CITY)
    answer = await model("Largest city of Portugal?", City)

    assert text == "Say hello"
    assert "".join(pieces) == "Say it again"
    assert City.model_validate_json(answer) == City(**CITY)
    assert_signed_and_guarded(emulator, calls=3)


async def test_the_recipe_runs(recipe_env: BedrockEmulator) -> None:
    recipe_env.reply = lambda body: json.dumps(CITY)

    namespace = await run_recipe(docs_recipe("outlines"))

    assert namespace["city"].model_dump() == CITY
    assert [r.verdict for r in recipe_env.requests] == ["ok"]
