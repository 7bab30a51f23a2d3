"""``calculate``: arithmetic on numbers with + - * / ** // and parentheses, no ``eval``, bounded.

The text is parsed as a Python expression (so precedence, literals and error messages are
Python's) and only number literals and arithmetic operators are evaluated; the result is
rounded to two decimals as the reference tool does.

Every evaluation is bounded, so that no expression can hold a worker: the text's length, the
number of operations, the size of every number (a literal, an intermediate value, the result)
and the time spent. A power is refused before it is computed when its result would be too
large, so ``((10**999)**999)**5`` costs microseconds, not minutes. The tool runs it in a worker
thread, off the event loop (``tools.orders.tools``).
"""

from __future__ import annotations

import ast
import math
import operator
import time
from collections.abc import Callable

from infra.errors import ToolInputError

ALLOWED = frozenset("0123456789+-*/(). ")
MAX_LENGTH = 300  # characters of the expression
MAX_OPERATIONS = 100  # numbers and operators in it
MAX_DIGITS = 50  # every number stays below 10 ** MAX_DIGITS in size
MAX_SECONDS = 0.05  # of evaluation, checked before every operation
_LIMIT = 10**MAX_DIGITS

Number = int | float
_BINARY: dict[type[ast.operator], Callable[[Number, Number], Number]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Number], Number]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}


def _too_large() -> ToolInputError:
    return ToolInputError(f"a number in the calculation is too large (limit: {MAX_DIGITS} digits)")


def _checked(value: object) -> Number:
    """``value`` when it is a real number within the size limit."""
    if isinstance(value, complex):
        raise ToolInputError("the result is not a real number")
    if not isinstance(value, int | float):
        raise ToolInputError("invalid expression")
    if isinstance(value, float) and not math.isfinite(value):
        raise _too_large()
    if abs(value) >= _LIMIT:
        raise _too_large()
    return value


def _power_digits(base: Number, exponent: Number) -> float:
    """About how many digits ``base ** exponent`` has before the point (0 when it is small)."""
    if exponent <= 0 or abs(base) <= 1:
        return 0.0
    return float(exponent) * math.log10(abs(base))


class _Evaluation:
    """One expression's evaluation, counting its operations against the limits."""

    def __init__(self) -> None:
        self.deadline = time.monotonic() + MAX_SECONDS
        self.operations = 0

    def _step(self) -> None:
        self.operations += 1
        if self.operations > MAX_OPERATIONS:
            raise ToolInputError(f"the expression has more than {MAX_OPERATIONS} operations")
        if time.monotonic() > self.deadline:
            raise ToolInputError(f"the calculation took longer than {MAX_SECONDS} s")

    def value(self, node: ast.expr) -> Number:
        self._step()
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return _checked(node.value)  # ints stay ints, as in Python arithmetic
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _checked(_UNARY[type(node.op)](self.value(node.operand)))
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = self.value(node.left), self.value(node.right)
            if isinstance(node.op, ast.Pow) and _power_digits(left, right) >= MAX_DIGITS:
                raise _too_large()
            return _checked(_BINARY[type(node.op)](left, right))
        raise ToolInputError("invalid expression")


def calculate(expression: str) -> float:
    """The expression's value rounded to two decimals; ``ToolInputError`` says what is wrong."""
    if len(expression) > MAX_LENGTH:
        raise ToolInputError(f"the expression is longer than {MAX_LENGTH} characters")
    if not set(expression) <= ALLOWED:
        raise ToolInputError("invalid characters in expression")
    try:
        tree = ast.parse(expression, filename="<string>", mode="eval")
        return round(float(_Evaluation().value(tree.body)), 2)
    except (SyntaxError, ArithmeticError) as err:
        raise ToolInputError(str(err)) from err
