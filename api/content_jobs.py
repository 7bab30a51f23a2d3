"""Batch content jobs: a whole category written in the background, with progress to poll."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from anyio import to_thread

from infra.errors import ShopagentError
from infra.job_board import JobBoard
from tools.content.models import ContentResult

log = logging.getLogger(__name__)
JobStatus = Literal["running", "done", "cancelled"]
# Finished jobs kept for polling; the oldest are forgotten first.
MAX_KEPT_JOBS = 100
JOB_KIND = "content"


@dataclass
class ContentJob:
    """One batch: which products, how far it got, and each product's outcome."""

    id: str
    category: str
    product_ids: list[str]
    status: JobStatus = "running"
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    results: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        """The job as the API shows it."""
        done = len(self.results) + len(self.errors)
        return {
            "job_id": self.id,
            "category": self.category,
            "status": self.status,
            "total": len(self.product_ids),
            "done": done,
            "progress": round(done / len(self.product_ids), 3) if self.product_ids else 1.0,
            "passed": sum(r["passed"] for r in self.results),
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "results": self.results,
            "errors": self.errors,
        }


def summary(result: ContentResult) -> dict[str, Any]:
    """One product's line in a job: where its version is and whether it passed the checks."""
    return {
        "product_id": result.product_id,
        "version": result.version,
        "title": result.content.title,
        "passed": result.report.passed,
        "problems": [p.model_dump() for p in result.report.problems],
    }


class ContentJobs:
    """The batch jobs of one process; with a ``board`` (shared by the workers) each job's view
    is published there after every product, so a poll reaching another worker is answered."""

    def __init__(self, board: JobBoard | None = None) -> None:
        self._jobs: dict[str, ContentJob] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.board = board

    async def view(self, job_id: str) -> dict[str, Any] | None:
        """The job's view: this process's own job, else the board's copy (None: unknown)."""
        job = self._jobs.get(job_id)
        if job is not None:
            return job.view()
        if self.board is None:
            return None
        return await to_thread.run_sync(self.board.read, job_id, JOB_KIND)

    async def _publish(self, job: ContentJob) -> None:
        if self.board is not None:
            await to_thread.run_sync(self.board.publish, job.id, JOB_KIND, job.view())

    async def start(
        self,
        category: str,
        product_ids: Sequence[str],
        write: Callable[[str], Awaitable[ContentResult]],
    ) -> ContentJob:
        """Write each product in turn in a background task; returns the job once published."""
        job = ContentJob(uuid.uuid4().hex, category, list(product_ids))
        self._forget_old()
        self._jobs[job.id] = job
        if self.board is not None:
            await to_thread.run_sync(self.board.prune)
        await self._publish(job)
        self._tasks[job.id] = asyncio.create_task(self._run(job, write))
        return job

    async def _run(self, job: ContentJob, write: Callable[[str], Awaitable[ContentResult]]) -> None:
        try:
            for product_id in job.product_ids:
                try:
                    job.results.append(summary(await write(product_id)))
                except ShopagentError as err:
                    job.errors.append({"product_id": product_id, "error": str(err)})
                except Exception:  # noqa: BLE001 - one product's bug must not end the batch
                    log.exception("content job %s failed on product %s", job.id, product_id)
                    job.errors.append({"product_id": product_id, "error": "internal error"})
                await self._publish(job)
            job.status = "done"
        except asyncio.CancelledError:
            job.status = "cancelled"
            raise
        finally:
            job.finished_at = datetime.now(UTC)
            self._tasks.pop(job.id, None)
            # Shielded: a job cancelled at shutdown still publishes that it stopped.
            await asyncio.shield(self._publish(job))

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.status != "running"]
        for job in finished[: max(len(finished) - MAX_KEPT_JOBS + 1, 0)]:
            del self._jobs[job.id]

    async def cancel_all(self) -> None:
        """Stop running jobs (at shutdown) and close the board."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.board is not None:
            self.board.close()
