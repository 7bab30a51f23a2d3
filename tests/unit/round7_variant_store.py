"""A small electronics store sold in variants, made up for the round-7 options tests, and a
planner with its tools bound that talks to it turn by turn."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, SystemMessage
from langchain_core.tools import BaseTool

from agents.offline import CatalogVocabulary, OfflinePlanner
from tests.fakes import planner_turn
from tests.unit.offline_catalog import shop_tools, typed_product
from tools.models import Product, Variant


def _product(pid: str, title: str, rows: Sequence[tuple[dict[str, str], float, bool]]) -> Product:
    variants = [
        Variant(item_id=f"{pid}-{i}", options=o, price=p, available=a, stock=4 if a else 0)
        for i, (o, p, a) in enumerate(rows)
    ]
    return typed_product(pid, title, variants)


STORE = [
    _product("5550001111", "Drone", [
        ({"camera": "4K", "color": "grey", "battery": "30 min"}, 612.40, True),
        ({"camera": "4K", "color": "white", "battery": "45 min"}, 688.15, False),
        ({"camera": "1080p", "color": "grey", "battery": "30 min"}, 401.05, False),
        ({"camera": "1080p", "color": "white", "battery": "20 min"}, 455.55, True),
    ]),
    _product("5550002222", "Monitor", [
        ({"panel": "IPS", "screen size": "27-inch", "color": "white"}, 318.20, False),
        ({"panel": "IPS", "screen size": "24-inch", "color": "black"}, 244.75, True),
        ({"panel": "VA", "screen size": "27-inch", "color": "black"}, 209.90, False),
        ({"panel": "VA", "screen size": "32-inch", "color": "silver"}, 377.35, True),
    ]),
    _product("5550004444", "Trail Camera", [
        ({"waterproof": "yes", "color": "camo"}, 189.99, True),
        ({"waterproof": "no", "color": "black"}, 149.99, True),
    ]),
    _product("5550005555", "Sport Earbuds", [
        ({"water resistance": "IPX7", "color": "lime"}, 88.40, True),
        ({"water resistance": "IPX4", "color": "lime"}, 79.10, True),
        ({"water resistance": "IPX7", "color": "navy"}, 91.00, False),
    ]),
    _product("5550003333", "Rain Jacket", [
        ({"size": "M", "color": "olive", "water resistance": "10k mm"}, 129.00, False),
        ({"size": "L", "color": "olive", "water resistance": "not resistant"}, 99.50, True),
        ({"size": "S", "color": "orange", "water resistance": "20k mm"}, 149.25, True),
    ]),
]  # fmt: skip


class Shop:
    def __init__(self) -> None:
        tools, _ = shop_tools(STORE)
        self.by_name: dict[str, BaseTool] = {t.name: t for t in tools}
        self.planner = OfflinePlanner(vocabulary=CatalogVocabulary.from_products(STORE)).bind_tools(
            tools
        )
        self.messages: list[BaseMessage] = [SystemMessage("ignored")]

    async def say(self, text: str) -> tuple[list[tuple[str, dict[str, Any]]], str]:
        turn = await planner_turn(self.planner, self.by_name, self.messages, text, max_rounds=10)
        calls = [
            (c["name"], c["args"]) for m in turn if isinstance(m, AIMessage) for c in m.tool_calls
        ]
        last = turn[-1]
        assert isinstance(last, AIMessage) and not last.tool_calls
        return calls, str(last.content)
