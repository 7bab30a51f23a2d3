"""``POST /v1/analyze``: the text analyzer over REST."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException

from api.access import SIGNED_IN_ONLY
from api.deps import RuntimeDep, rest_limit
from infra.errors import ToolInputError, UpstreamError
from tools.analyze.models import AnalyzeInput, TextAnalysis

# Signed-in callers only (why: the access table in ``api.access``).
router = APIRouter(
    prefix="/v1", tags=["analyze"], dependencies=[Depends(rest_limit), SIGNED_IN_ONLY]
)


@router.post("/analyze", response_model_exclude_none=True)
async def analyze(body: AnalyzeInput, runtime: RuntimeDep) -> TextAnalysis:
    """Sentiment, key phrases, entities, language and personal data of a text."""
    try:
        return await runtime.services.analyzer.analyze(
            body.text, body.features or (), body.language
        )
    except ToolInputError as err:
        raise HTTPException(422, str(err)) from err
    except UpstreamError as err:
        raise HTTPException(502, str(err)) from err
