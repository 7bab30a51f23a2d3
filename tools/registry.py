"""Every tool the agent and the REST API expose, by name."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import BaseTool

from tools.analyze.tools import analyze_tools
from tools.catalog.tools import catalog_tools
from tools.content.tools import content_tools
from tools.forecast.tools import forecast_tools
from tools.orders.tools import order_tools
from tools.recommend.tools import explain_tools, recommend_tools
from tools.search.tools import search_tools
from tools.services import Services
from tools.spec import ToolSpec


def tool_specs(services: Services) -> dict[str, ToolSpec[Any, Any]]:
    """The shopping and customer-service tools bound to ``services``, keyed by name."""
    specs: list[ToolSpec[Any, Any]] = [
        *search_tools(services.search),
        *catalog_tools(services.store),
        *forecast_tools(services.store, services.forecaster, services.inventory),
        *order_tools(services.store),
        *analyze_tools(services.analyzer),
        *recommend_tools(services.recommendations),
    ]
    if services.author is not None:
        specs += content_tools(services.author)
    if services.explainer is not None:
        specs += explain_tools(services.explainer)
    return {spec.name: spec for spec in specs}


def langchain_tools(services: Services) -> list[BaseTool]:
    return [spec.as_langchain_tool() for spec in tool_specs(services).values()]
