"""The customer-service policy in the chat graph (``graphs.orders``), with a scripted model and
the real tau-retail store: authentication first, one customer per conversation, a confirmation
(a LangGraph interrupt that survives a restart) before every write."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

from graphs.chat import build_graph
from graphs.confirm import read_answer
from graphs.orders import NOT_CHANGED, CustomerService
from graphs.turns import run_turn, stream_turn
from tests.fakes import ScriptedChatModel
from tests.orders_helpers import copy_tau_store, store_digest
from tools.catalog.sqlite import SqliteStore

EMAIL = "yara.sanchez4385@example.com"
RETURN = {
    "order_id": "#W6015009",
    "item_ids": ["9672174103"],
    "payment_method_id": "credit_card_5884162",
}


def call(name: str, **args: Any) -> AIMessage:
    return AIMessage("", tool_calls=[{"id": f"call-{name}", "name": name, "args": args}])


def calls(*pairs: tuple[str, dict[str, Any]]) -> AIMessage:
    return AIMessage(
        "", tool_calls=[{"id": f"call-{i}", "name": n, "args": a} for i, (n, a) in enumerate(pairs)]
    )


@pytest.fixture
def store(tau_retail_dir: Path, tmp_path: Path) -> Iterator[SqliteStore]:
    opened = copy_tau_store(tau_retail_dir, tmp_path / "store.sqlite")
    yield opened
    opened.close()


def graph_for(model: ScriptedChatModel, store: SqliteStore, saver: Any = None) -> Any:
    return build_graph(
        model, [], saver or InMemorySaver(), service=CustomerService(store), max_tool_rounds=8
    )


def signed_in(*replies: AIMessage) -> ScriptedChatModel:
    """A model that first looks the customer up by the e-mail they wrote, then ``replies``."""
    return ScriptedChatModel(
        replies=[call("find_user_id_by_email", email="[EMAIL]"), AIMessage("hello"), *replies]
    )


def outputs(result: Any) -> list[Any]:
    return [c["output"] for c in result.tool_calls]


def test_only_a_clear_yes_reads_as_yes() -> None:
    for text in ("yes", "Yes please", "y", "yes, go ahead", "confirm", "go ahead", "Yes!", "ok"):
        assert read_answer(text) == "yes", text
    for text in ("no", "yes but to my gift card", "not yet", "yes no", "what?", ""):
        assert read_answer(text) != "yes", text


async def test_nothing_but_lookups_runs_before_authentication(store: SqliteStore) -> None:
    model = ScriptedChatModel(
        replies=[
            calls(
                ("get_order_details", {"order_id": "#W6015009"}),
                ("get_user_details", {"user_id": "yara_sanchez_1902"}),
                ("cancel_pending_order", {"order_id": "#W4923227", "reason": "no longer needed"}),
                ("calculate", {"expression": "2 + 2"}),
            ),
            AIMessage("who are you?"),
        ]
    )
    before = store_digest(store.path)
    result = await run_turn(graph_for(model, store), "t", "show me order #W6015009")
    refused, _, write, total = outputs(result)
    assert refused.startswith("Error: the customer is not authenticated yet")
    assert write.startswith("Error: the customer is not authenticated yet")
    assert total == 4.0
    assert store_digest(store.path) == before


async def test_the_email_reaches_the_lookup_but_never_the_model(store: SqliteStore) -> None:
    model = signed_in()
    result = await run_turn(graph_for(model, store), "t", f"hi, I am {EMAIL}")
    assert result.tool_calls[0]["args"] == {"email": "[EMAIL]"}
    assert outputs(result) == ["yara_sanchez_1902"]
    assert all(EMAIL not in str(m.content) for seen in model.seen for m in seen)
    # the model is told who authenticated, every turn
    assert "yara_sanchez_1902" in str(model.seen[-1][0].content)


async def test_a_masked_email_with_no_address_written_is_refused(store: SqliteStore) -> None:
    model = ScriptedChatModel(
        replies=[call("find_user_id_by_email", email="[EMAIL]"), AIMessage("which address?")]
    )
    result = await run_turn(graph_for(model, store), "t", "find me by my e-mail")
    assert outputs(result)[0].startswith("Error: the customer's latest message holds no e-mail")


async def test_one_customer_per_conversation(store: SqliteStore) -> None:
    other_order, other_user = "#W7678072", "noah_brown_6181"
    model = signed_in(
        calls(
            ("get_order_details", {"order_id": other_order}),
            ("get_user_details", {"user_id": other_user}),
            ("get_order_details", {"order_id": "#W0000000"}),
            ("return_delivered_order_items", {**RETURN, "order_id": other_order}),
        ),
        AIMessage("sorry"),
        call("find_user_id_by_email", email="[EMAIL]"),
        AIMessage("sorry again"),
    )
    graph = graph_for(model, store)
    await run_turn(graph, "t", f"I am {EMAIL}")
    before = store_digest(store.path)
    result = await run_turn(graph, "t", "show me someone else's orders")
    assert [o.split(":")[0] for o in outputs(result)] == ["Error"] * 4
    assert "not one of the authenticated customer's orders" in outputs(result)[0]
    assert "not the authenticated customer" in outputs(result)[1]
    assert "not one of the authenticated customer's orders" in outputs(result)[2]  # unknown too
    result = await run_turn(graph, "t", "now I am noah.brown7922@example.com")
    assert "one customer per conversation" in outputs(result)[0]
    assert other_user not in outputs(result)[0]
    assert store_digest(store.path) == before
    state = await graph.aget_state({"configurable": {"thread_id": "t"}})
    assert state.values["customer_id"] == "yara_sanchez_1902"


async def test_a_write_waits_for_an_explicit_yes(store: SqliteStore) -> None:
    model = signed_in(call("return_delivered_order_items", **RETURN), AIMessage("returned"))
    graph = graph_for(model, store)
    await run_turn(graph, "t", f"I am {EMAIL}")
    before = store_digest(store.path)
    asked = await run_turn(graph, "t", "return the sunglasses to my card")
    assert "Return from order #W6015009: Sunglasses" in asked.answer
    assert asked.answer.endswith("Shall I go ahead? Please answer yes or no.")
    assert outputs(asked) == [None]  # called, not run
    assert store_digest(store.path) == before
    done = await run_turn(graph, "t", "yes")
    assert [c["name"] for c in done.tool_calls] == ["return_delivered_order_items"]
    assert done.tool_calls[0]["output"]["status"] == "return requested"
    assert done.answer == "returned"
    assert store.get_order("#W6015009").status == "return requested"  # type: ignore[union-attr]


async def test_a_new_request_instead_of_an_answer_changes_nothing_and_is_handled(
    store: SqliteStore,
) -> None:
    model = signed_in(call("return_delivered_order_items", **RETURN), AIMessage("nothing done"))
    graph = graph_for(model, store)
    await run_turn(graph, "t", f"I am {EMAIL}")
    before = store_digest(store.path)
    await run_turn(graph, "t", "return the sunglasses")
    answered = await run_turn(graph, "t", "hmm, no, wait a@b.com")
    assert answered.tool_calls[0]["output"].startswith("Error: not done: the customer did not")
    assert answered.answer == f"{NOT_CHANGED}\n\nnothing done"
    last_seen = model.seen[-1]
    assert isinstance(last_seen[-1], HumanMessage)
    assert last_seen[-1].content == "hmm, no, wait [EMAIL]"  # through the input guard
    assert isinstance(last_seen[-2], ToolMessage)
    assert store_digest(store.path) == before


async def test_repeated_yes_runs_the_write_once(store: SqliteStore) -> None:
    model = signed_in(
        call("return_delivered_order_items", **RETURN),
        AIMessage("returned"),
        AIMessage("nothing is waiting"),
    )
    graph = graph_for(model, store)
    await run_turn(graph, "t", f"I am {EMAIL}")
    await run_turn(graph, "t", "return it")
    await run_turn(graph, "t", "yes")
    after = store_digest(store.path)
    again = await run_turn(graph, "t", "yes")
    assert again.tool_calls == [] and again.answer == "nothing is waiting"
    assert store_digest(store.path) == after


async def test_a_write_the_rules_refuse_is_not_asked_about(store: SqliteStore) -> None:
    wrong = {**RETURN, "payment_method_id": "gift_card_0000000"}
    model = signed_in(call("return_delivered_order_items", **wrong), AIMessage("cannot"))
    graph = graph_for(model, store)
    await run_turn(graph, "t", f"I am {EMAIL}")
    before = store_digest(store.path)
    result = await run_turn(graph, "t", "return it to my gift card")
    assert outputs(result) == ["Error: payment method not found"]
    assert result.answer == "cannot"
    assert store_digest(store.path) == before


async def test_one_write_at_a_time(store: SqliteStore) -> None:
    cancel = {"order_id": "#W6015009", "reason": "no longer needed"}
    model = signed_in(
        calls(("return_delivered_order_items", RETURN), ("cancel_pending_order", cancel)),
        AIMessage("done"),
    )
    graph = graph_for(model, store)
    await run_turn(graph, "t", f"I am {EMAIL}")
    await run_turn(graph, "t", "return it and cancel it")
    await run_turn(graph, "t", "yes")
    state = await graph.aget_state({"configurable": {"thread_id": "t"}})
    answers = {
        m.name: str(m.content) for m in state.values["messages"] if isinstance(m, ToolMessage)
    }
    assert '"status":"return requested"' in answers["return_delivered_order_items"]
    assert answers["cancel_pending_order"].startswith("Error: one change at a time")
    assert store.get_order("#W6015009").status == "return requested"  # type: ignore[union-attr]


async def test_the_question_survives_a_restart(store: SqliteStore, tmp_path: Path) -> None:
    checkpoints = str(tmp_path / "checkpoints.sqlite")
    model = signed_in(call("return_delivered_order_items", **RETURN), AIMessage("returned"))
    async with AsyncSqliteSaver.from_conn_string(checkpoints) as saver:
        graph = graph_for(model, store, saver)
        await run_turn(graph, "t", f"I am {EMAIL}")
        frames = [f async for f in stream_turn(graph, "t", "return the sunglasses")]
    assert frames[-1]["type"] == "message" and "Shall I go ahead?" in frames[-1]["text"]
    async with AsyncSqliteSaver.from_conn_string(checkpoints) as saver:  # a new process
        graph = graph_for(model, store, saver)
        frames = [f async for f in stream_turn(graph, "t", "yes")]
    kinds = [f["type"] for f in frames]
    assert kinds[0] == "tool_call" and frames[0]["name"] == "return_delivered_order_items"
    result = next(f for f in frames if f["type"] == "tool_result")
    assert result["output"]["status"] == "return requested" and not result["is_error"]
    assert frames[-1] == {**frames[-1], "type": "message", "text": "returned"}
