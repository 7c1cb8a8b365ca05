"""LlamaIndex's OpenAILike on our clients: chat, streaming, async, tools, structured output."""

from __future__ import annotations

import openai
import pydantic
from llama_index.core.llms import ChatMessage
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from llama_index.llms.openai_like import OpenAILike

from conftest import (
    MODEL,
    assert_signed_and_guarded,
    docs_recipe,
    run_recipe,
    structured_reply,
    tool_round_trip,
)
from openai_bedrock.testing import BedrockEmulator


def llm(client: openai.OpenAI, async_client: openai.AsyncOpenAI) -> OpenAILike:
    """The recipe: OpenAILike (the stock OpenAI class refuses model ids it does not
    know), told it is a chat model that calls functions, on both of our clients."""
    return OpenAILike(
        model=MODEL,
        api_base=str(client.base_url),
        api_key="unused",  # never sent: our clients sign each request
        is_chat_model=True,
        is_function_calling_model=True,
        context_window=128_000,
        openai_client=client,
        async_openai_client=async_client,
    )


def test_chat_and_stream_through_the_guarded_client(
    emulator: BedrockEmulator, client: openai.OpenAI, async_client: openai.AsyncOpenAI
) -> None:
    model = llm(client, async_client)

    answer = model.chat([ChatMessage(role="user", content="Say hello")])
    streamed = [r.delta for r in model.stream_chat([ChatMessage(role="user", content="Hi you")])]

    assert answer.message.content == "Say hello"
    assert "".join(d or "" for d in streamed) == "Hi you"
    assert len(streamed) > 1
    first, second = assert_signed_and_guarded(emulator, calls=2)
    assert first.json()["model"] == MODEL
    assert second.json()["stream"] is True


async def test_async_chat_and_stream(
    emulator: BedrockEmulator, client: openai.OpenAI, async_client: openai.AsyncOpenAI
) -> None:
    model = llm(client, async_client)

    answer = await model.achat([ChatMessage(role="user", content="Say hello")])
    stream = await model.astream_chat([ChatMessage(role="user", content="Say it again")])
    text = "".join([r.delta or "" async for r in stream])

    assert answer.message.content == "Say hello"
    assert text == "Say it again"
    assert_signed_and_guarded(emulator, calls=2)


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def test_tool_round_trip(
    emulator: BedrockEmulator, client: openai.OpenAI, async_client: openai.AsyncOpenAI
) -> None:
    emulator.reply = tool_round_trip("get_weather", {"city": "Lisbon"}, lambda r: f"It is {r}.")
    model = llm(client, async_client)
    tool = FunctionTool.from_defaults(fn=get_weather)
    messages = [ChatMessage(role="user", content="Weather in Lisbon?")]

    first = model.chat_with_tools([tool], chat_history=messages)
    (call,) = model.get_tool_calls_from_response(first)
    result = tool.call(**call.tool_kwargs)
    messages += [
        first.message,
        ChatMessage(
            role="tool", content=str(result), additional_kwargs={"tool_call_id": call.tool_id}
        ),
    ]
    second = model.chat(messages)

    assert call.tool_kwargs == {"city": "Lisbon"}
    assert second.message.content == "It is sunny in Lisbon."
    tool_request, _ = assert_signed_and_guarded(emulator, calls=2)
    assert tool_request.json()["tools"][0]["function"]["name"] == "get_weather"


class City(pydantic.BaseModel):
    name: str
    population: int


def test_structured_predict_through_a_tool_call(
    emulator: BedrockEmulator, client: openai.OpenAI, async_client: openai.AsyncOpenAI
) -> None:
    emulator.reply = structured_reply({"name": "Lisbon", "population": 545000})

    city = llm(client, async_client).structured_predict(
        City, PromptTemplate("Largest city of {country}?"), country="Portugal"
    )

    assert city == City(name="Lisbon", population=545000)
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["tools"][0]["function"]["name"] == "City"


async def test_the_recipe_runs(recipe_env: BedrockEmulator) -> None:
    namespace = await run_recipe(docs_recipe("LlamaIndex"))

    assert namespace["answer"].message.content == "Hello!"
    assert [r.verdict for r in recipe_env.requests] == ["ok"]
