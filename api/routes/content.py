"""``POST /v1/content``: product copy for one product, or a whole category as a batch job.

- ``{"product_id": "22423", "tone": "playful", "language": "de"}`` → 200 with the stored
  version;
- ``{"category": "cake stand", ...}`` → 202 with a job id; ``GET /v1/content/jobs/{id}``
  shows its progress and each product's outcome;
- ``GET /v1/content/{product_id}?language=de&version=2`` reads a stored version (the latest
  by default), ``GET /v1/content/{product_id}/versions?language=de`` lists them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator

from api.access import STAFF_ONLY
from api.content_jobs import ContentJobs
from api.deps import RuntimeDep, rest_limit
from api.echo import quoted
from assembly.runtime import Runtime
from infra.errors import NotFoundError, ShopagentError, ToolInputError, UpstreamError
from infra.job_board import open_job_board
from tools.analyze.languages import language_code
from tools.content.base import ContentAuthor
from tools.content.markup import plain_content
from tools.content.models import ContentInput, ContentResult, Keyword, Tone

# Writes and batch jobs are staff's; stored copy is what product pages publish (anyone reads).
router = APIRouter(prefix="/v1/content", tags=["content"], dependencies=[Depends(rest_limit)])
MAX_BATCH_PRODUCTS = 1000


class ContentRequest(BaseModel):
    """One product (``product_id``) or every product of a ``category``."""

    product_id: str | None = Field(default=None, min_length=1, max_length=64)
    category: str | None = Field(default=None, min_length=1, max_length=100)
    tone: Tone = "neutral"
    language: str = Field(default="en", max_length=20)
    keywords: list[Keyword] | None = Field(default=None, max_length=10)  # plain text
    limit: int | None = Field(default=None, gt=0, le=MAX_BATCH_PRODUCTS)

    @model_validator(mode="after")
    def _one_target(self) -> ContentRequest:
        if (self.product_id is None) == (self.category is None):
            raise ValueError("give exactly one of product_id or category")
        return self


def _author(runtime: Runtime) -> ContentAuthor:
    return runtime.author


def _jobs(request: Request, runtime: Runtime) -> ContentJobs:
    jobs: ContentJobs | None = getattr(request.app.state, "content_jobs", None)
    if jobs is None:
        # Shared with the other workers when the store is (PostgreSQL): any of them answers.
        board = open_job_board(runtime.settings)
        jobs = request.app.state.content_jobs = ContentJobs(board)
    return jobs


async def cancel_jobs(app: FastAPI) -> None:
    """Stop the batch jobs still running (the app is shutting down)."""
    jobs: ContentJobs | None = getattr(app.state, "content_jobs", None)
    if jobs is not None:
        await jobs.cancel_all()


def _http_error(err: ShopagentError) -> HTTPException:
    if isinstance(err, NotFoundError):
        return HTTPException(404, str(err))
    if isinstance(err, ToolInputError):
        return HTTPException(422, str(err))
    if isinstance(err, UpstreamError):
        return HTTPException(502, str(err))
    return HTTPException(500, str(err))


@router.post("", response_model=None, dependencies=[STAFF_ONLY])
async def write_content(
    body: ContentRequest, runtime: RuntimeDep, request: Request
) -> ContentResult | JSONResponse:
    """Write and store copy for one product, or start a batch job for a category."""
    author = _author(runtime)
    try:
        language = language_code(body.language)
    except ToolInputError as err:
        raise HTTPException(422, str(err)) from err
    if body.product_id is not None:
        try:
            return await author.write(
                ContentInput(
                    product_id=body.product_id,
                    tone=body.tone,
                    language=language,
                    keywords=body.keywords,
                )
            )
        except ShopagentError as err:
            raise _http_error(err) from err
    wanted = (body.category or "").strip().lower()
    ids = [p.id for p in runtime.services.store.iter_products() if p.category.lower() == wanted]
    if not ids:
        raise HTTPException(404, f"no product is in category {quoted(body.category or '')}")
    ids = ids[: body.limit or MAX_BATCH_PRODUCTS]

    async def write(product_id: str) -> ContentResult:
        return await author.write(
            ContentInput(
                product_id=product_id, tone=body.tone, language=language, keywords=body.keywords
            )
        )

    job = await _jobs(request, runtime).start(wanted, ids, write)
    view = job.view()
    view["status_url"] = f"/v1/content/jobs/{job.id}"
    return JSONResponse(view, status_code=202)


@router.get("/jobs/{job_id}", dependencies=[STAFF_ONLY])
async def job_status(job_id: str, request: Request, runtime: RuntimeDep) -> dict[str, Any]:
    """A batch job's progress and each product's outcome so far."""
    view = await _jobs(request, runtime).view(job_id)
    if view is None:
        raise HTTPException(404, f"no content job has id {quoted(job_id)}")
    return view


# Far above any real number of versions; a bigger one is a 422, not a 4000-digit lookup.
MAX_VERSION = 1_000_000


@router.get("/{product_id}")
async def read_content(
    product_id: str,
    runtime: RuntimeDep,
    language: Annotated[str, Query(max_length=20)] = "en",
    version: Annotated[int | None, Query(gt=0, le=MAX_VERSION)] = None,
) -> ContentResult:
    """A stored version of a product's copy (the latest by default)."""
    try:
        code = language_code(language)
    except ToolInputError as err:
        raise HTTPException(422, str(err)) from err
    found = runtime.services.contents.get(product_id, code, version)
    if found is None:
        which = f"version {version}" if version else "any version"
        raise HTTPException(
            404, f"no {which} of {code} content for product {quoted(product_id)}"
        )
    # Copy is plain text; a version stored before markup was kept out is served without it.
    return found.model_copy(update={"content": plain_content(found.content)})


@router.get("/{product_id}/versions")
async def list_versions(
    product_id: str, runtime: RuntimeDep, language: Annotated[str, Query(max_length=20)] = "en"
) -> dict[str, Any]:
    """The stored version numbers of a product's copy in one language."""
    try:
        code = language_code(language)
    except ToolInputError as err:
        raise HTTPException(422, str(err)) from err
    return {
        "product_id": product_id,
        "language": code,
        "versions": runtime.services.contents.versions(product_id, code),
    }
