"""The terminal: the console every command-line module writes to, how a command fails, and the
``shopagent chat`` loop.

The chat reads lines with prompt_toolkit when standard input is a terminal: line editing, the
arrow keys, and a history kept across runs in the data directory (``chat_history``, mode 0600:
it holds what was typed). Ctrl-C while an answer is being worked out stops that answer and
returns to the prompt (at the prompt it clears the line); Ctrl-D quits; an empty line does
nothing. Lines piped in (not a terminal) are read one by one, as typed, until end of input.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:  # every command imports this module: the chat's imports wait for the chat
    from graphs.turns import ChatSession

# Messages, progress and errors go to stderr; a command's own output (JSON, tables) to stdout.
console = Console(stderr=True)
PROMPT = "you> "
HISTORY_FILE = "chat_history"


def fail(err: Exception) -> typer.Exit:
    """Print ``err`` as the command's error and return the exit (code 2) to raise."""
    console.print(f"[red]error:[/red] {err}")
    return typer.Exit(code=2)


def private_history(data_dir: Path) -> Path:
    """The chat history file in ``data_dir``, made (or kept) readable by its owner only."""
    path = data_dir / HISTORY_FILE
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600))
    os.chmod(path, 0o600)
    return path


def line_reader(history: Path) -> Callable[[], Awaitable[str]]:
    """Reads the next line: ``EOFError`` at its end (Ctrl-D), ``KeyboardInterrupt`` on Ctrl-C."""
    if sys.stdin.isatty():
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory

        session: PromptSession[str] = PromptSession(history=FileHistory(str(history)))
        return lambda: session.prompt_async(PROMPT)

    async def piped() -> str:
        line: str = await asyncio.to_thread(sys.stdin.readline)
        if not line:
            raise EOFError
        return line.rstrip("\n")

    return piped


async def chat_loop(
    conversation: ChatSession, out: Console, history: Path, show_tools: bool = True
) -> None:
    """Answer each line until Ctrl-D or the end of the input."""
    read = line_reader(history)
    loop = asyncio.get_running_loop()
    while True:
        try:
            text = await read()
        except EOFError:
            return
        except KeyboardInterrupt:  # Ctrl-C at the prompt: a fresh line
            continue
        if not text.strip():
            continue
        # Ctrl-C during an answer arrives as SIGINT (no prompt is reading keys then). The
        # handler is set per answer: the prompt sets its own while it reads, and clears it.
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGINT, stop.set)
        try:
            answered = await _answer(conversation, text, out, show_tools, stop)
        finally:
            loop.remove_signal_handler(signal.SIGINT)
        if not answered:
            out.print("(stopped)\n", style="yellow", highlight=False)


async def _answer(
    conversation: ChatSession, text: str, out: Console, show_tools: bool, stop: asyncio.Event
) -> bool:
    """Print one turn's tool calls and answer; ``False`` when Ctrl-C stopped it first."""

    async def turn() -> None:
        async for frame in conversation.stream(text):
            if frame["type"] == "tool_call" and show_tools:
                out.print(f"  [dim]→ {frame['name']}({frame['args']})[/dim]")
            elif frame["type"] == "message":
                out.print(f"[bold cyan]assistant>[/bold cyan] {frame['text']}\n")

    running = asyncio.ensure_future(turn())
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait({running, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if running.done():
        running.result()  # a failure of the turn is the command's failure
        return True
    # The turn is cancelled, not waited for: work in a thread (a model call, a forecaster
    # training) ends on its own, and a cut-short turn saves nothing (it is asked again).
    running.cancel()
    running.add_done_callback(lambda task: task.cancelled() or task.exception())
    return False
