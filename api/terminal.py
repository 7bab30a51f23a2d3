"""What every command-line module shares: the console for messages and how a command fails."""

from __future__ import annotations

import typer
from rich.console import Console

# Messages, progress and errors go to stderr; a command's own output (JSON, tables) to stdout.
console = Console(stderr=True)


def fail(err: Exception) -> typer.Exit:
    """Print ``err`` as the command's error and return the exit (code 2) to raise."""
    console.print(f"[red]error:[/red] {err}")
    return typer.Exit(code=2)
