"""The forecaster's SageMaker-contract model server: ``python -m tools.forecast.server``.

It serves the model folder in ``--model-dir`` (SageMaker mounts the model archive at
``/opt/ml/model``) on port 8080 unless told otherwise.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fastapi import FastAPI

from infra.model_server import SAGEMAKER_PORT, model_server_app
from tools.forecast.trained import ForecastModel


def forecaster_app(model_dir: Path) -> FastAPI:
    """The model server app for the model folder in ``model_dir``."""
    return model_server_app(ForecastModel.load(model_dir).invoke, name="forecaster")


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Serve the forecaster on SageMaker's contract.")
    parser.add_argument("--model-dir", type=Path, default=Path("/opt/ml/model"))
    parser.add_argument("--host", default="0.0.0.0")  # noqa: S104 - a container's port
    parser.add_argument("--port", type=int, default=SAGEMAKER_PORT)
    args = parser.parse_args(argv)
    uvicorn.run(forecaster_app(args.model_dir), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
