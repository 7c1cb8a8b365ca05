"""langchain-openai's ChatOpenAI built on our clients: invoke, stream, structured output."""

from __future__ import annotations

import json
from typing import Any

import openai
import pydantic
from langchain_openai import ChatOpenAI

from conftest import BLOCKED_MESSAGE, MODEL, assert_signed_and_guarded, docs_recipe, run_recipe
from openai_bedrock.testing import BedrockEmulator


def chat_model(
    client: openai.OpenAI, async_client: openai.AsyncOpenAI, **options: Any
) -> ChatOpenAI:
    """The docs recipe: ChatOpenAI on our clients, so it never builds its own."""
    return ChatOpenAI(
        model=MODEL,
        client=client.chat.completions,
        async_client=async_client.chat.completions,
        root_client=client,
        root_async_client=async_client,
        stream_usage=True,  # Bedrock sends the usage chunk (stream_options.include_usage)
        **options,
    )


def test_invoke_answers_through_the_guarded_client(
    emulator: BedrockEmulator, client: openai.OpenAI, async_client: openai.AsyncOpenAI
) -> None:
    model = chat_model(client, async_client, include_response_headers=True)

    message = model.invoke("Say hello")

    assert message.content == "Say hello"  # the emulator echoes the last user message
    assert message.response_metadata["headers"]["x-request-id"]  # Bedrock's request id
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["model"] == MODEL
    assert "stream" not in request.json() or request.json()["stream"] is False


def test_stream_yields_the_answer_in_chunks(
    emulator: BedrockEmulator, client: openai.OpenAI, async_client: openai.AsyncOpenAI
) -> None:
    emulator.reply = lambda body: "Hello from a stream of several chunks"

    chunks = list(chat_model(client, async_client).stream("Say hello"))
    whole = sum(chunks[1:], chunks[0])

    assert len([chunk for chunk in chunks if chunk.content]) > 1
    assert (
        "".join(str(chunk.content) for chunk in chunks) == "Hello from a stream of several chunks"
    )
    assert whole.usage_metadata is not None
    assert whole.usage_metadata["total_tokens"] > 0
    (request,) = assert_signed_and_guarded(emulator)
    assert request.json()["stream"] is True
    assert request.json()["stream_options"] == {"include_usage": True}


async def test_ainvoke_and_astream_use_the_async_client(
    emulator: BedrockEmulator, client: openai.OpenAI, async_client: openai.AsyncOpenAI
) -> None:
    model = chat_model(client, async_client)

    message = await model.ainvoke("Say hello")
    chunks = [chunk async for chunk in model.astream("Say it again")]

    assert message.content == "Say hello"
    assert "".join(str(chunk.content) for chunk in chunks) == "Say it again"
    assert_signed_and_guarded(emulator, calls=2)


def test_guardrail_intervention_reaches_the_caller(
    emulator: BedrockEmulator, client: openai.OpenAI, async_client: openai.AsyncOpenAI
) -> None:
    message = chat_model(client, async_client).invoke("How do I pick a lock?")

    assert message.content == BLOCKED_MESSAGE
    assert_signed_and_guarded(emulator)


class Person(pydantic.BaseModel):
    name: str
    age: int


def reply_with_person(body: dict[str, Any]) -> Any:
    if body.get("tools"):
        call = {
            "name": body["tools"][0]["function"]["name"],
            "arguments": '{"name":"Ada","age":36}',
        }
        return {
            "content": None,
            "tool_calls": [{"index": 0, "id": "call-1", "type": "function", "function": call}],
        }
    return json.dumps({"name": "Ada", "age": 36})


def test_structured_output_with_json_schema_and_tools(
    emulator: BedrockEmulator, client: openai.OpenAI, async_client: openai.AsyncOpenAI
) -> None:
    emulator.reply = reply_with_person
    model = chat_model(client, async_client)

    by_schema = model.with_structured_output(Person, method="json_schema").invoke("Who?")
    by_tool = model.with_structured_output(Person, method="function_calling").invoke("Who?")

    assert by_schema == Person(name="Ada", age=36)
    assert by_tool == Person(name="Ada", age=36)
    schema_request, tool_request = assert_signed_and_guarded(emulator, calls=2)
    assert schema_request.json()["response_format"]["type"] == "json_schema"
    assert tool_request.json()["tools"][0]["function"]["name"] == "Person"


async def test_the_readme_recipe_runs(recipe_env: BedrockEmulator) -> None:
    await run_recipe(docs_recipe("LangChain"))

    assert [r.json().get("stream", False) for r in recipe_env.requests] == [False, True]
    assert [r.verdict for r in recipe_env.requests] == ["ok", "ok"]
