"""The forecast job on a schedule inside ``serve`` (``SHOPAGENT_FORECAST_JOB_EVERY_H``; 0 = off)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from anyio import to_thread

from assembly.runtime import Runtime
from infra.errors import ShopagentError
from tools.forecast.backend import alert_sink
from tools.forecast.job import run_forecast_job

log = logging.getLogger(__name__)


async def _every(runtime: Runtime, hours: float) -> None:
    settings = runtime.settings
    services = runtime.services
    sink = alert_sink(settings)
    while True:
        try:
            summary = await to_thread.run_sync(
                run_forecast_job,
                services.store,
                services.inventory,
                sink,
                settings.forecaster_dir,
            )
            log.info("forecast job %s: %d reorder alerts", summary.run_id, summary.alerts)
        except ShopagentError as err:
            # A failed run (no sales yet, EventBridge down) is logged; the next one retries.
            log.warning("forecast job failed: %s", err)
        await asyncio.sleep(hours * 3600)


@asynccontextmanager
async def forecast_schedule(runtime: Runtime) -> AsyncIterator[None]:
    """Run the forecast job now and then every configured number of hours, until exit."""
    hours = runtime.settings.forecast_job_every_h
    if hours <= 0:
        yield
        return
    task = asyncio.create_task(_every(runtime, hours), name="forecast-job")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
