"""``ToolSpec``: one typed tool, callable over REST as is and by a model as a LangChain tool."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel

from infra.errors import ToolInputError
from infra.metrics import tool_timer
from infra.tracing import traced_tool

In = TypeVar("In", bound=BaseModel)
Out = TypeVar("Out", bound=BaseModel)


@dataclass(frozen=True)
class ToolSpec(Generic[In, Out]):
    """Pydantic input and output models and an async function whose docstring is the prompt."""

    name: str
    input_model: type[In]
    output_model: type[Out]
    fn: Callable[[In], Awaitable[Out]]
    # How a model reads the output; ``None``: its JSON. For tools whose contract is plain text.
    render: Callable[[Out], str] | None = None

    @property
    def description(self) -> str:
        return inspect.cleandoc(self.fn.__doc__ or self.name)

    async def run(self, arguments: dict[str, Any]) -> Out:
        """Validate ``arguments`` (raises pydantic ``ValidationError``) and run the tool."""
        validated = self.input_model.model_validate(arguments)
        with tool_timer(self.name):
            return await self.fn(validated)

    def as_langchain_tool(self) -> BaseTool:
        """The tool as a model sees it: JSON output, correctable errors returned as text."""

        async def call(**kwargs: Any) -> str:
            try:
                validated = self.input_model.model_validate(kwargs)
                with tool_timer(self.name):
                    output = await self.fn(validated)
            except ToolInputError as err:
                return f"Error: {err}"
            if self.render is not None:
                return self.render(output)
            return output.model_dump_json(exclude_none=True)

        return StructuredTool.from_function(
            coroutine=traced_tool(self.name, call),  # a span per call, with tracing on
            name=self.name,
            description=self.description,
            args_schema=self.input_model,
        )
