"""DSPy's LM on its LiteLLM engine, whose HTTP clients are ours (``litellm.client_session``
and ``aclient_session``): predict, async predict, a ReAct tool round trip, typed output."""

from __future__ import annotations

import json
import os

# LiteLLM (DSPy's engine) fetches its model price list at import unless told not to.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from typing import Any

import dspy
import litellm
import pydantic
import pytest

import openai_bedrock
from conftest import MODEL, assert_signed_and_guarded, bedrock_settings, docs_recipe, run_recipe
from openai_bedrock.testing import BedrockEmulator

# No answers from an earlier run's cache (the recipe keeps DSPy's default, cache=True).
dspy.configure_cache(enable_disk_cache=False, enable_memory_cache=False)


@pytest.fixture
def lm(emulator: BedrockEmulator, monkeypatch: pytest.MonkeyPatch) -> dspy.LM:
    """The recipe: LiteLLM's HTTP clients are ours, and DSPy uses the LiteLLM engine (its
    default engine has a transport of its own). DSPy's cache is off so that each test's
    requests reach the emulator."""
    settings = bedrock_settings(emulator)
    monkeypatch.setattr(litellm, "client_session", openai_bedrock.create_http_client(**settings))
    monkeypatch.setattr(
        litellm, "aclient_session", openai_bedrock.create_async_http_client(**settings)
    )
    return dspy.LM(
        f"openai/{MODEL}",
        engine="litellm",
        api_base=emulator.base_url,
        api_key="unused",  # never sent: the HTTP clients sign each request
        cache=False,
        num_retries=0,
    )


def fields(**values: str) -> str:
    """An answer in the format of DSPy's ChatAdapter."""
    parts = [f"[[ ## {name} ## ]]\n{value}" for name, value in values.items()]
    return "\n\n".join([*parts, "[[ ## completed ## ]]"])


def test_predict_through_the_guarded_client(emulator: BedrockEmulator, lm: dspy.LM) -> None:
    emulator.reply = lambda body: fields(answer="Lisbon")

    with dspy.context(lm=lm):
        prediction = dspy.Predict("question -> answer")(question="Largest city of Portugal?")

    assert prediction.answer == "Lisbon"
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["model"] == MODEL


async def test_async_predict(emulator: BedrockEmulator, lm: dspy.LM) -> None:
    emulator.reply = lambda body: fields(answer="Lisbon")

    with dspy.context(lm=lm):
        prediction = await dspy.Predict("question -> answer").acall(question="Largest city?")

    assert prediction.answer == "Lisbon"
    assert_signed_and_guarded(emulator)


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def react_steps(body: dict[str, Any]) -> str:
    """ReAct's turns: call get_weather, then finish, then extract the answer."""
    seen = json.dumps(body["messages"])
    if "next_tool_name" not in seen:  # the extraction step after the loop
        return fields(reasoning="The tool said so.", answer="It is sunny in Lisbon.")
    if "sunny in Lisbon" in seen:
        return fields(next_thought="Done.", next_tool_name="finish", next_tool_args="{}")
    return fields(
        next_thought="Ask the tool.",
        next_tool_name="get_weather",
        next_tool_args='{"city": "Lisbon"}',
    )


def test_react_tool_round_trip(emulator: BedrockEmulator, lm: dspy.LM) -> None:
    emulator.reply = react_steps
    agent = dspy.ReAct("question -> answer", tools=[get_weather], max_iters=3)

    with dspy.context(lm=lm):
        prediction = agent(question="Weather in Lisbon?")

    assert prediction.answer == "It is sunny in Lisbon."
    assert "sunny in Lisbon" in json.dumps(prediction.trajectory)
    assert_signed_and_guarded(emulator, calls=3)


class City(pydantic.BaseModel):
    name: str
    population: int


class LargestCity(dspy.Signature):
    """The largest city of a country."""

    country: str = dspy.InputField()
    city: City = dspy.OutputField()


def test_typed_output_with_the_json_adapter(emulator: BedrockEmulator, lm: dspy.LM) -> None:
    emulator.reply = lambda body: json.dumps({"city": {"name": "Lisbon", "population": 545000}})

    with dspy.context(lm=lm, adapter=dspy.JSONAdapter()):
        prediction = dspy.Predict(LargestCity)(country="Portugal")

    assert prediction.city == City(name="Lisbon", population=545000)
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["response_format"]["type"] in ("json_schema", "json_object")


async def test_the_recipe_runs(
    recipe_env: BedrockEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(litellm, "client_session", None)  # the recipe sets them
    monkeypatch.setattr(litellm, "aclient_session", None)
    recipe_env.reply = lambda body: fields(answer="Lisbon")

    namespace = await run_recipe(docs_recipe("DSPy"))

    assert namespace["prediction"].answer == "Lisbon"
    assert [r.verdict for r in recipe_env.requests] == ["ok"]
