"""Every tool the agent and the REST API expose, bound to the backends and graphs, by name."""

from __future__ import annotations

from typing import Any

from assembly.services import Services
from tools.analyze.tools import analyze_tools
from tools.catalog.tools import catalog_tools
from tools.content.base import ContentAuthor
from tools.content.tools import content_tools
from tools.forecast.tools import forecast_tools
from tools.orders.tools import order_tools
from tools.recommend.service import Explainer
from tools.recommend.tools import explain_tools, recommend_tools
from tools.search.tools import search_tools
from tools.spec import ToolSpec


def tool_specs(
    services: Services, author: ContentAuthor, explainer: Explainer
) -> dict[str, ToolSpec[Any, Any]]:
    """The shopping and customer-service tools, the content writer and the explainer."""
    specs: list[ToolSpec[Any, Any]] = [
        *search_tools(services.search),
        *catalog_tools(services.store),
        *forecast_tools(services.store, services.forecaster, services.inventory),
        *order_tools(services.store),
        *analyze_tools(services.analyzer),
        *recommend_tools(services.recommendations),
        *content_tools(author),
        *explain_tools(explainer),
    ]
    return {spec.name: spec for spec in specs}
