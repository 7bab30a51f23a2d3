"""The merchandiser console: server-rendered pages for staff under ``/console``.

- ``/console/copy``: write a product's copy (language and tone), preview it with its checks,
  compare two stored versions side by side, and write a whole category as a batch job whose
  progress the page follows;
- ``/console/reorders``: the latest forecast run's reorder alerts by urgency, paged, each with
  recent sales against the forecast and its interval;
- ``/console/analytics``: events and sales over time, best sellers and searches that found
  nothing, from the lake;
- ``/console/reviews``: pasted reviews through the text analyzer.

Pages are Jinja2 templates (autoescaped) with charts drawn as inline SVG by
``api.console_charts``; the stylesheet and the one small script are served from
``/console/assets``. Sign-in, the session cookie and CSRF are ``api.console_auth``; the work is
done by the same services the REST routes use (the content routes' own handlers, the
inventory ledger and forecaster, the lake, the analyzer).
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from anyio import to_thread
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined
from pydantic import ValidationError

from api import console_charts as charts
from api.console_auth import (
    COOKIE,
    PAGE_REFERRER_POLICY,
    ConsoleRefusal,
    ConsoleUser,
    ConsoleUserDep,
    check_csrf,
    clear_session,
    issue_session,
    read_form,
    same_origin,
    set_session,
    sign_in_limit,
    verify_staff,
)
from api.console_data import SORT_TEXT, URGENCY_TEXT, ConsoleCache, categories, reorder_page
from api.deps import RuntimeDep
from api.reorder_pages import Sort, Urgency
from api.routes import content
from api.security_headers import PAGE_DATA_POLICY
from assembly.runtime import Runtime
from infra.errors import ConfigError, ToolInputError, UpstreamError
from tools.analyze.languages import SUPPORTED
from tools.analyze.models import MAX_TEXT_CHARS, Feature, TextAnalysis
from tools.content.models import TONES, ContentResult
from tools.search.base import ProductSummary, SearchQuery

router = APIRouter(prefix="/console", include_in_schema=False)
_TEMPLATES = Environment(
    loader=PackageLoader("api", "templates/console"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ASSETS = {
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
}
MAX_REVIEWS = 50
ANALYTICS_RANGES = {"30": 30, "90": 90, "365": 365, "all": None}


def _page(
    name: str, request: Request, user: ConsoleUser | None, status: int = 200, **context: Any
) -> HTMLResponse:
    html = _TEMPLATES.get_template(name).render(
        user=user, path=request.url.path, csrf=user.csrf if user else "", **context
    )
    headers = {
        "Cache-Control": "no-store",
        "Content-Security-Policy": PAGE_DATA_POLICY,
        # Forms sent from these pages carry this origin, which every console POST must name.
        "Referrer-Policy": PAGE_REFERRER_POLICY,
    }
    return HTMLResponse(html, status_code=status, headers=headers)


def _cache(request: Request) -> ConsoleCache:
    cache: ConsoleCache | None = getattr(request.app.state, "console_cache", None)
    if cache is None:
        cache = request.app.state.console_cache = ConsoleCache()
    return cache


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ConsoleRefusal)
    page = _page("sign_in.html", request, None, exc.status, message=exc.reason)
    runtime: Runtime | None = getattr(request.app.state, "runtime", None)
    if exc.status == 401 and COOKIE in request.cookies and runtime is not None:
        clear_session(page, request, runtime.settings)  # an expired or foreign session goes
    return page


def install(app: FastAPI) -> None:
    """Register the console's refusal page (401/403 as the sign-in page) on ``app``."""
    app.add_exception_handler(ConsoleRefusal, _refused)


async def _form(request: Request, user: ConsoleUser) -> dict[str, str]:
    """A console form, after the origin and CSRF checks (403) or its own problems (400)."""
    same_origin(request)
    try:
        form = await read_form(request)
    except ValueError as err:
        raise HTTPException(400, str(err)) from err
    check_csrf(user, form)
    return form


# -- sign-in and assets ------------------------------------------------------------------------


@router.get("/sign-in")
async def sign_in_page(request: Request) -> HTMLResponse:
    return _page("sign_in.html", request, None, message="")


@router.post("/sign-in", dependencies=[Depends(sign_in_limit)])
async def sign_in(request: Request, runtime: RuntimeDep) -> Response:
    """Check a staff token and start a console session (the cookie holds it, not the token)."""
    same_origin(request)
    try:
        form = await read_form(request)
    except ValueError as err:
        raise ConsoleRefusal(400, str(err)) from err
    token = form.get("token", "").strip()
    if not token:
        raise ConsoleRefusal(401, "paste a staff token to sign in")
    principal = await verify_staff(token, runtime)
    value, session = issue_session(runtime.sessions, principal)
    response = _see_other("/console/copy")
    set_session(response, request, runtime.settings, value, session)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, runtime: RuntimeDep, user: ConsoleUserDep) -> Response:
    """End the session: revoked for every worker, so a copy of the cookie is refused too."""
    await _form(request, user)
    if user.session_id is not None and user.principal.expires_at is not None:
        await runtime.sessions.revoke(user.session_id, user.principal.expires_at)
    response = _see_other("/console/sign-in")
    clear_session(response, request, runtime.settings)
    return response


@router.get("/assets/{name}")
async def asset(name: str) -> Response:
    """The console's stylesheet and script (fixed files; no data, so no sign-in)."""
    media = _ASSETS.get(name)
    if media is None:
        raise HTTPException(404, "no such console asset")
    body = files("api").joinpath(f"static/console/{name}").read_bytes()
    return Response(body, media_type=media, headers={"Cache-Control": "no-cache"})


@router.get("")
async def home(user: ConsoleUserDep) -> Response:
    return _see_other("/console/copy")


# -- product copy ------------------------------------------------------------------------------


def _versions(runtime: Runtime, product_id: str, language: str) -> list[int]:
    return runtime.services.contents.versions(product_id, language)


@router.get("/copy")
async def copy_page(
    request: Request,
    runtime: RuntimeDep,
    user: ConsoleUserDep,
    product_id: Annotated[str, Query(max_length=64)] = "",
    language: Annotated[str, Query(max_length=20)] = "en",
    tone: Annotated[str, Query(max_length=20)] = "neutral",
    left: Annotated[int | None, Query(gt=0, le=content.MAX_VERSION)] = None,
    right: Annotated[int | None, Query(gt=0, le=content.MAX_VERSION)] = None,
    q: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """The copy page: the write form, a product finder, a product's versions, two of them side
    by side."""
    found: list[ProductSummary] = []
    if q.strip():
        try:
            result = await runtime.services.search.search(SearchQuery(query=q, limit=10))
        except (ToolInputError, UpstreamError) as err:
            raise HTTPException(422 if isinstance(err, ToolInputError) else 502, str(err)) from err
        found = result.products
    return await _copy_view(
        request, runtime, user, product_id, language, tone, left, right, q=q, found=found
    )


async def _copy_view(
    request: Request,
    runtime: Runtime,
    user: ConsoleUser,
    product_id: str,
    language: str,
    tone: str,
    left: int | None = None,
    right: int | None = None,
    *,
    status: int = 200,
    message: str = "",
    q: str = "",
    found: list[ProductSummary] | None = None,
) -> HTMLResponse:
    language = language if language in SUPPORTED else "en"
    product_id = product_id.strip()[:64]  # the longest id there is; the form echoes no more
    services = runtime.services
    products = await to_thread.run_sync(lambda: list(services.store.iter_products()))
    product = next((p for p in products if p.id == product_id), None) if product_id else None
    versions: list[int] = []
    shown: list[ContentResult] = []
    if product is not None:
        versions = await to_thread.run_sync(_versions, runtime, product.id, language)
        if versions:
            right = right if right in versions else versions[-1]
            left = left if left in versions else (versions[-2] if len(versions) > 1 else None)
            for number in [left, right] if left and left != right else [right]:
                stored = services.contents.get(product.id, language, number)
                if stored is not None:
                    shown.append(stored)
    elif product_id and not message:
        status, message = 404, f"No product has the id {product_id!r}."
    return _page(
        "copy.html",
        request,
        user,
        status,
        message=message,
        product=product,
        product_id=product_id,
        language=language,
        tone=tone if tone in TONES else "neutral",
        languages=SUPPORTED,
        tones=TONES,
        versions=versions,
        left=left,
        right=right,
        shown=shown,
        categories=categories(products),
        q=q,
        found=found,
    )


@router.post("/copy")
async def write_copy(request: Request, runtime: RuntimeDep, user: ConsoleUserDep) -> Response:
    """Write a new version of one product's copy, then show it beside the one before."""
    form = await _form(request, user)
    product_id = form.get("product_id", "").strip()
    language, tone = form.get("language", "en"), form.get("tone", "neutral")
    keywords = [k.strip() for k in form.get("keywords", "").split(",") if k.strip()]
    try:
        body = content.ContentRequest(
            product_id=product_id or None,
            tone=tone,  # checked by the model
            language=language,
            keywords=keywords or None,
        )
        result = await content.write_content(body=body, runtime=runtime, request=request)
    except ValidationError as err:
        return await _copy_view(
            request, runtime, user, product_id, language, tone, status=422, message=_said(err)
        )
    except HTTPException as err:
        return await _copy_view(
            request, runtime, user, product_id, language, tone,
            status=err.status_code, message=str(err.detail),
        )  # fmt: skip
    assert isinstance(result, ContentResult)
    query = {"product_id": result.product_id, "language": result.language, "tone": result.tone}
    query["right"] = str(result.version)
    if result.version > 1:
        query["left"] = str(result.version - 1)
    return _see_other(f"/console/copy?{urlencode(query)}")


@router.post("/copy/bulk")
async def write_category(request: Request, runtime: RuntimeDep, user: ConsoleUserDep) -> Response:
    """Start a batch job writing every product of a category; its page shows the progress."""
    form = await _form(request, user)
    language, tone = form.get("language", "en"), form.get("tone", "neutral")
    try:
        limit = int(form["limit"]) if form.get("limit", "").strip() else None
        body = content.ContentRequest(
            category=form.get("category", "").strip() or None,
            tone=tone,  # checked by the model
            language=language,
            limit=limit,
        )
        started = await content.write_content(body=body, runtime=runtime, request=request)
    except ValueError as err:  # pydantic's ValidationError is one, and so is a bad number
        message = _said(err) if isinstance(err, ValidationError) else "limit must be a number"
        return await _copy_view(
            request, runtime, user, "", language, tone, status=422, message=message
        )
    except HTTPException as err:
        return await _copy_view(
            request, runtime, user, "", language, tone,
            status=err.status_code, message=str(err.detail),
        )  # fmt: skip
    assert not isinstance(started, ContentResult)
    job = json.loads(bytes(started.body))
    return _see_other(f"/console/copy/jobs/{job['job_id']}")


@router.get("/copy/jobs/{job_id}")
async def job_page(
    job_id: str, request: Request, runtime: RuntimeDep, user: ConsoleUserDep
) -> HTMLResponse:
    """A batch job's progress (followed by the page's script) and each product's outcome."""
    job = await content.job_status(job_id=job_id, request=request, runtime=runtime)
    return _page("job.html", request, user, job=job)


@router.get("/copy/jobs/{job_id}/progress")
async def job_progress(
    job_id: str, request: Request, runtime: RuntimeDep, user: ConsoleUserDep
) -> dict[str, Any]:
    """What the job page's script polls: how far the job got."""
    job = await content.job_status(job_id=job_id, request=request, runtime=runtime)
    keys = ("status", "total", "done", "passed", "progress")
    return {**{k: job[k] for k in keys}, "errors": len(job["errors"])}


def _said(err: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}"
        for e in err.errors(include_url=False, include_input=False)
    )


# -- reorders ----------------------------------------------------------------------------------


@router.get("/reorders")
async def reorders_page(
    request: Request,
    runtime: RuntimeDep,
    user: ConsoleUserDep,
    urgency: Literal["all", "critical", "high", "normal"] = "all",
    sort: Sort = "urgency",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """The latest run's reorder alerts, filtered by urgency, sorted and paged."""
    services = runtime.services
    wanted: Urgency | None = None if urgency == "all" else urgency
    found = await to_thread.run_sync(
        lambda: reorder_page(
            _cache(request),
            services.inventory.ledger,
            services.store,
            services.forecaster,
            wanted=wanted,
            sort=sort,
            page=page,
        )
    )
    rendered = [
        charts.forecast_chart(
            f"fc{n}",
            f"{row.alert.title}: recent sales and forecast",
            row.history,
            row.forecast,
            row.level,
        )
        for n, row in enumerate(found.rows)
    ]

    def link(**change: Any) -> str:
        query = {"urgency": urgency, "sort": sort, "page": found.page, **change}
        return f"/console/reorders?{urlencode(query)}"

    return _page(
        "reorders.html",
        request,
        user,
        found=found,
        rows=list(zip(found.rows, rendered, strict=True)),
        urgency=urgency,
        sort=sort,
        urgency_text=URGENCY_TEXT,
        sorts=SORT_TEXT,
        link=link,
    )


# -- analytics ---------------------------------------------------------------------------------


@router.get("/analytics")
async def analytics_page(
    request: Request,
    runtime: RuntimeDep,
    user: ConsoleUserDep,
    days: Literal["30", "90", "365", "all"] = "all",
) -> HTMLResponse:
    """Events and sales over time, best sellers and unanswered searches, from the lake."""
    lake, store = runtime.events.lake, runtime.services.store
    problem = ""
    try:
        found = await to_thread.run_sync(
            lambda: _cache(request).analytics(lake, store, ANALYTICS_RANGES[days])
        )
    except ConfigError as err:
        found, problem = None, str(err)
    drawn: dict[str, Any] = {}
    if found is not None:
        per = found.bucket
        currency = runtime.info.currency
        drawn = {
            "revenue": charts.bars_over_time(
                "revenue", f"Sales per {per} ({currency})", found.labels, found.revenue, currency
            ),
            "events": charts.lines_over_time(
                "events", f"Events per {per}, by type", found.labels, found.events
            ),
            "top": charts.ranked_bars("top", "Best sellers by units", found.top, "units"),
            "unanswered": charts.ranked_bars(
                "unanswered", "Searches that found nothing", found.unanswered, "searches"
            ),
        }
    return _page(
        "analytics.html",
        request,
        user,
        found=found,
        drawn=drawn,
        problem=problem,
        days=days,
        ranges=list(ANALYTICS_RANGES),
        currency=runtime.info.currency,
    )


# -- reviews -----------------------------------------------------------------------------------


@router.get("/reviews")
async def reviews_page(request: Request, user: ConsoleUserDep) -> HTMLResponse:
    return _page("reviews.html", request, user, text="", results=[], summary=None, message="")


@router.post("/reviews")
async def analyze_reviews(request: Request, runtime: RuntimeDep, user: ConsoleUserDep) -> Response:
    """Each pasted review (separated by a blank line) through the analyzer, and a summary."""
    form = await _form(request, user)
    text = form.get("reviews", "")
    reviews = [r.strip() for r in text.replace("\r\n", "\n").split("\n\n") if r.strip()]
    problem = ""
    if not reviews:
        problem = "Paste at least one review."
    elif len(reviews) > MAX_REVIEWS:
        problem = f"{len(reviews)} reviews: paste at most {MAX_REVIEWS} at a time."
    elif len(text) > MAX_TEXT_CHARS:
        problem = f"The reviews are over {MAX_TEXT_CHARS:,} characters together."
    if problem:
        return _page(
            "reviews.html", request, user, 422, text=text, results=[], summary=None,
            message=problem,
        )  # fmt: skip
    analyzer = runtime.services.analyzer
    results: list[TextAnalysis] = []
    try:
        for review in reviews:
            features: tuple[Feature, ...] = ("language", "sentiment", "key_phrases", "pii")
            results.append(await analyzer.analyze(review, features))
    except (ToolInputError, UpstreamError) as err:
        status = 422 if isinstance(err, ToolInputError) else 502
        return _page(
            "reviews.html", request, user, status, text=text, results=[], summary=None,
            message=str(err),
        )  # fmt: skip
    return _page(
        "reviews.html",
        request,
        user,
        text="",
        results=results,
        summary=_review_summary(results),
        message="",
    )


def _review_summary(results: list[TextAnalysis]) -> dict[str, Any]:
    labels = ("POSITIVE", "NEGATIVE", "MIXED", "NEUTRAL")
    counts = {label: 0 for label in labels}
    phrases: dict[str, int] = {}
    for result in results:
        if result.sentiment is not None:
            counts[result.sentiment.label] += 1
        for phrase in result.key_phrases or ():
            key = phrase.text.lower()
            phrases[key] = phrases.get(key, 0) + 1
    common = sorted(phrases.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    return {
        "sentiment": charts.ranked_bars(
            "sentiment",
            "Reviews by sentiment",
            [(label.title(), float(counts[label])) for label in labels],
            "reviews",
        ),
        "phrases": charts.ranked_bars(
            "phrases", "Most repeated key phrases", [(k, float(n)) for k, n in common], "reviews"
        ),
        "count": len(results),
    }
