"""Every tool the agent and the REST API expose, by name."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import BaseTool

from tools.catalog.tools import catalog_tools
from tools.search.tools import search_tools
from tools.services import Services
from tools.spec import ToolSpec


def tool_specs(services: Services) -> dict[str, ToolSpec[Any, Any]]:
    """The shopping tools bound to ``services``, keyed by name."""
    specs: list[ToolSpec[Any, Any]] = [
        *search_tools(services.search),
        *catalog_tools(services.store),
    ]
    return {spec.name: spec for spec in specs}


def langchain_tools(services: Services) -> list[BaseTool]:
    return [spec.as_langchain_tool() for spec in tool_specs(services).values()]
