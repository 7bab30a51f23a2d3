"""``calculate``: arithmetic on numbers with + - * / ** // and parentheses, no ``eval``.

The text is parsed as a Python expression (so precedence, literals and error messages are
Python's) and only number literals and arithmetic operators are evaluated; the result is
rounded to two decimals as the reference tool does.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable

from infra.errors import ToolInputError

ALLOWED = frozenset("0123456789+-*/(). ")
MAX_EXPONENT = 1000  # 9 ** 9 ** 9 would run for hours
_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[float], float]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}


def _value(node: ast.expr) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        number: float = node.value  # ints stay ints, as in Python arithmetic
        return number
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_value(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _value(node.left), _value(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise ToolInputError(f"exponent {right} is too large")
        return _BINARY[type(node.op)](left, right)
    raise ToolInputError("invalid expression")


def calculate(expression: str) -> float:
    """The expression's value rounded to two decimals; ``ToolInputError`` says what is wrong."""
    if not set(expression) <= ALLOWED:
        raise ToolInputError("invalid characters in expression")
    try:
        tree = ast.parse(expression, filename="<string>", mode="eval")
        return round(float(_value(tree.body)), 2)
    except (SyntaxError, ArithmeticError) as err:
        raise ToolInputError(str(err)) from err
