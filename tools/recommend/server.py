"""The recommender's SageMaker-contract model server: ``python -m tools.recommend.server``.

It serves the model folder in ``--model-dir`` (SageMaker mounts the model archive at
``/opt/ml/model``; it holds the ``model.npz`` that training writes) on port 8080 unless told
otherwise: ``GET /ping``, and ``POST /invocations`` with a ``ModelQuery`` as JSON in and a
``ModelAnswer`` out (400 naming the problem for a malformed query).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fastapi import FastAPI

from infra.model_server import SAGEMAKER_PORT, model_server_app
from tools.recommend.base import ModelQuery
from tools.recommend.model import ItemModel


def invoke_bytes(model: ItemModel, body: bytes) -> bytes:
    """One invocation on the wire: ``ValueError`` (pydantic's) for a malformed query."""
    query = ModelQuery.model_validate_json(body)
    return model.invoke(query).model_dump_json(exclude_none=True).encode()


def recommender_app(model_dir: Path) -> FastAPI:
    """The model server app for the model folder in ``model_dir``."""
    model = ItemModel.load(model_dir)
    return model_server_app(lambda body: invoke_bytes(model, body), name="recommender")


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Serve the recommender on SageMaker's contract.")
    parser.add_argument("--model-dir", type=Path, default=Path("/opt/ml/model"))
    parser.add_argument("--host", default="0.0.0.0")  # noqa: S104 - a container's port
    parser.add_argument("--port", type=int, default=SAGEMAKER_PORT)
    args = parser.parse_args(argv)
    uvicorn.run(
        recommender_app(args.model_dir), host=args.host, port=args.port, log_level="warning"
    )


if __name__ == "__main__":
    main()
