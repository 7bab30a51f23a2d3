"""A stock or run-out question about one product ("how many do we have in stock right now?",
"will we run out of 22423 next month?"): ``check_inventory`` of that product (named, else in
focus), answered from its result; never a catalog search.
"""

from __future__ import annotations

from agents.offline import answers
from agents.offline.context import STOCK
from agents.offline.dialogue import Dialogue
from agents.offline.step import Step, call_then_answer
from agents.offline.supply import product_stock_args


def product_stock_step(d: Dialogue) -> Step | None:
    """The inventory call, then the answer; ``None`` when the message is not such a question."""
    if STOCK not in d.tool_names or (args := product_stock_args(d.conv, d.vocab)) is None:
        return None
    return call_then_answer(d.conv, STOCK, args, answers.stock_answer)
