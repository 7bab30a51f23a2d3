"""The behaviour events of one chat turn, read off the frames the turn streamed.

A search the agent ran is a ``search`` (with the products it returned), a product it looked
up is a ``view``, recommendations it fetched are ``recommendation_shown``, and the turn itself
is a ``chat_turn`` listing the products the answer showed.

A search query is the model's wording of what the shopper typed. Publishing masks every event's
query (``assembly.events``); here it is masked once already, before it is cut to the schema's 512
characters, so that the cut cannot leave half a card number the detector no longer recognises.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from infra.events.schema import BehaviourEvent
from tools.analyze.pii import mask_pii


def _ids(output: Any) -> list[str]:
    products = output.get("products") if isinstance(output, dict) else None
    if not isinstance(products, list):
        return []
    return [str(p["id"]) for p in products if isinstance(p, dict) and p.get("id")][:100]


def turn_events(
    session_id: str, frames: Iterable[dict[str, Any]], user_id: str | None = None
) -> list[BehaviourEvent]:
    """Events for the tool calls and the answer among ``frames``."""
    now = datetime.now(UTC)
    calls: dict[str, dict[str, Any]] = {}
    events: list[BehaviourEvent] = []

    def add(kind: str, **fields: Any) -> None:
        events.append(
            BehaviourEvent(
                event_id=f"chat-{uuid.uuid4().hex}",
                type=kind,
                ts=now,
                user_id=user_id,
                session_id=session_id,
                **fields,
            )
        )

    for frame in frames:
        kind = frame.get("type")
        if kind == "tool_call":
            calls[frame["id"]] = frame
        elif kind == "tool_result" and not frame.get("is_error"):
            call = calls.get(frame["id"], {})
            args = call.get("args") or {}
            name = frame.get("name")
            if name == "search_products" and args.get("query"):
                query = mask_pii(str(args["query"]))[:512]
                add("search", query=query, items=_ids(frame["output"]) or None)
            elif name == "get_product" and args.get("product_id"):
                add("view", product_id=str(args["product_id"]))
            elif name == "recommend_products" and (shown := _ids(frame["output"])):
                add("recommendation_shown", items=shown)
        elif kind == "message":
            shown = [str(p["id"]) for p in frame.get("products", []) if p.get("id")][:100]
            add("chat_turn", items=shown or None)
    return events
