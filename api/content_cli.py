"""``shopagent content …``: merchandiser copy from the command line (same graph as the API)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from api.terminal import console
from infra.errors import NotFoundError, ShopagentError
from infra.settings import get_settings
from tools.content.models import TONES, ContentInput, ContentResult, Tone

if TYPE_CHECKING:
    from graphs.content import ContentGraph

content_app = typer.Typer(help="Write, batch and read product copy.", no_args_is_help=True)
out = Console()
_T = TypeVar("_T")

ToneOption = Annotated[str, typer.Option(help=f"One of: {', '.join(TONES)}")]
LanguageOption = Annotated[str, typer.Option(help="en, de, fr, es or it")]


def _tone(value: str) -> Tone:
    for tone in TONES:
        if tone == value:
            return tone
    raise typer.BadParameter(f"tone must be one of: {', '.join(TONES)}")


def _run(job: Callable[[ContentGraph], Coroutine[Any, Any, _T]]) -> _T:
    """Open the store and the content graph, run ``job``, close everything."""
    from api.progress import progress_bar
    from assembly.content import open_content_graph
    from assembly.demo_store import ensure_store

    settings = get_settings()
    try:
        with progress_bar() as progress:
            ensure_store(settings, progress)
        with open_content_graph(settings) as graph:
            return asyncio.run(job(graph))
    except ShopagentError as err:
        console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(code=2) from err


def _print(result: ContentResult, as_json: bool) -> None:
    if as_json:
        out.print_json(result.model_dump_json())
        return
    copy = result.content
    out.print(f"[bold]{copy.title}[/bold]  (v{result.version}, {result.language}, {result.tone})")
    out.print(copy.description)
    for bullet in copy.bullets:
        out.print(f"  • {bullet}")
    out.print(f"meta: {copy.meta_description}")
    out.print(f"keywords: {', '.join(copy.keywords)}")
    status = "passed" if result.report.passed else f"{len(result.report.problems)} problem(s)"
    out.print(f"checks: {status}; reading ease {result.report.reading_ease}")


@content_app.command("write")
def write(
    product_id: Annotated[str, typer.Argument(help="The product's id, e.g. 22423")],
    tone: ToneOption = "neutral",
    language: LanguageOption = "en",
    keyword: Annotated[list[str] | None, typer.Option(help="Target keyword (repeatable)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the stored JSON")] = False,
) -> None:
    """Write one product's copy and store it as a new version."""
    request = ContentInput(
        product_id=product_id, tone=_tone(tone), language=language, keywords=keyword or None
    )

    async def job(graph: ContentGraph) -> ContentResult:
        return await graph.write(request)

    _print(_run(job), as_json)


@content_app.command("category")
def category(
    name: Annotated[str, typer.Argument(help="A catalog category, e.g. 'cake stand'")],
    tone: ToneOption = "neutral",
    language: LanguageOption = "en",
    limit: Annotated[int | None, typer.Option(help="At most this many products")] = None,
) -> None:
    """Write copy for every product of a category, with a progress bar."""
    from api.progress import progress_bar

    chosen = _tone(tone)

    async def job(graph: ContentGraph) -> list[ContentResult]:
        wanted = name.strip().lower()
        ids = [p.id for p in graph.store.iter_products() if p.category.lower() == wanted]
        if not ids:
            raise NotFoundError(f"no product is in category {name!r}")
        ids = ids[:limit] if limit else ids
        results = []
        with progress_bar() as progress:
            for done, product_id in enumerate(ids, 1):
                request = ContentInput(product_id=product_id, tone=chosen, language=language)
                results.append(await graph.write(request))
                progress(f"content: {wanted}", done, len(ids))
        return results

    results = _run(job)
    passed = sum(r.report.passed for r in results)
    console.print(f"wrote {len(results)} products of {name!r}; {passed} passed every check")
    rows = [
        {"product_id": r.product_id, "version": r.version, "passed": r.report.passed}
        for r in results
    ]
    out.print_json(json.dumps(rows))


@content_app.command("show")
def show(
    product_id: Annotated[str, typer.Argument(help="The product's id")],
    language: LanguageOption = "en",
    version: Annotated[int | None, typer.Option(help="A version (default: the latest)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the stored JSON")] = False,
) -> None:
    """Print a stored version of a product's copy."""
    from tools.analyze.languages import language_code
    from tools.content.backend import content_store

    try:
        code = language_code(language)
    except ShopagentError as err:
        console.print(f"[red]error:[/red] {err}")
        raise typer.Exit(code=2) from err
    found = content_store(get_settings()).get(product_id, code, version)
    if found is None:
        console.print(f"[red]error:[/red] no stored {code} copy for product {product_id!r}")
        raise typer.Exit(code=2)
    _print(found, as_json)
