"""The behaviour-event pipeline of one process: producer in, processors out to profiles and lake.

``publish`` is how the API and the agent emit events. When the process also processes the
stream (the embedded default for ``serve``, and ``shopagent events process``), two consumers
run in threads: ``profiles`` (small batches, low lag) and ``lake`` (Parquet micro-batches);
``drain`` instead runs them until the stream has nothing new for them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from infra import tracing
from infra.events.backends import (
    open_checkpoints,
    open_dead_letters,
    open_lake,
    open_producer,
    open_reader,
)
from infra.events.dead_letters import DeadLetters
from infra.events.processor import BatchApplier, Handler, Processor
from infra.events.schema import BehaviourEvent
from infra.events.stream import Producer
from infra.lake import Lake
from infra.settings import Settings
from tools.analyze.pii import mask_pii
from tools.behaviour.profiles import Profiles, open_profiles

log = logging.getLogger(__name__)

# Event ids remembered to answer a client's retry as a duplicate without appending again;
# older repeats are still applied once only, by the profile store's own record of ids.
_RECENT_IDS = 100_000


def without_personal_data(event: BehaviourEvent) -> BehaviourEvent:
    """``event`` with its one free-text field, the search query, masked for personal data: the
    event log, the profiles and the lake keep it."""
    if not event.query:
        return event
    masked = mask_pii(event.query)
    if masked == event.query:
        return event
    return event.model_copy(update={"query": masked[:512]})


def traced(event: BehaviourEvent) -> BehaviourEvent:
    """``event`` carrying the trace context it is published in (with tracing on), so the
    processors continue the turn's or the request's trace."""
    parent = tracing.event_traceparent()
    if parent is None or parent == event.traceparent:
        return event
    return event.model_copy(update={"traceparent": parent})


@dataclass
class PublishStats:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0


@dataclass
class EventPipeline:
    producer: Producer
    profiles: Profiles
    lake: Lake
    dead_letters: DeadLetters
    processors: list[Processor] = field(default_factory=list)
    stats: PublishStats = field(default_factory=PublishStats)
    _recent: OrderedDict[str, None] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, events: Sequence[BehaviourEvent]) -> tuple[int, int]:
        """Append the events not seen lately and wait until they are durable.

        Search queries are masked first (``without_personal_data``), whoever sent them.
        Returns (accepted, duplicates). Blocking: call it off the event loop.
        """
        with self._lock:
            fresh = []
            for event in events:
                if event.event_id in self._recent:
                    continue
                self._recent[event.event_id] = None
                fresh.append(traced(without_personal_data(event)))
            while len(self._recent) > _RECENT_IDS:
                self._recent.popitem(last=False)
        try:
            self.producer.send(fresh)
            self.producer.flush()
        except Exception:
            with self._lock:  # not stored: a retry must not be taken for a duplicate
                for event in fresh:
                    self._recent.pop(event.event_id, None)
            raise
        duplicates = len(events) - len(fresh)
        with self._lock:
            self.stats.accepted += len(fresh)
            self.stats.duplicates += duplicates
        return len(fresh), duplicates

    def count_rejected(self, n: int) -> None:
        with self._lock:
            self.stats.rejected += n


def processors(
    settings: Settings, profiles: Profiles, lake: Lake, dead_letters: DeadLetters
) -> Iterator[Processor]:
    """The two consumers: profiles (low lag) and lake (micro-batches of up to a minute)."""
    consumers: list[tuple[str, Handler, int, float]] = [
        ("profiles", profiles.apply, 5000, 0.0),
        ("lake", lake.write, 100_000, 60.0),
    ]
    for consumer, handler, batch_size, max_wait_s in consumers:
        yield Processor(
            BatchApplier(consumer, handler, dead_letters),
            open_reader(settings),
            open_checkpoints(settings, consumer),
            batch_size=batch_size,
            max_wait_s=max_wait_s,
        )


@contextmanager
def open_pipeline(settings: Settings, process: bool) -> Iterator[EventPipeline]:
    """The pipeline; with ``process`` it has processors (``run_in_threads`` starts them)."""
    with ExitStack() as stack:
        producer = open_producer(settings)
        stack.callback(producer.close)
        profiles = open_profiles(settings)
        stack.callback(profiles.close)
        dead_letters = open_dead_letters(settings)
        stack.callback(dead_letters.close)
        lake = open_lake(settings)
        pipeline = EventPipeline(producer, profiles, lake, dead_letters)
        if process:
            for processor in processors(settings, profiles, lake, dead_letters):
                stack.callback(processor.checkpoints.close)
                stack.callback(processor.reader.close)
                pipeline.processors.append(processor)
        yield pipeline


@contextmanager
def run_in_threads(pipeline: EventPipeline) -> Iterator[None]:
    """Run the pipeline's processors in background threads until the block ends."""
    threads = [
        threading.Thread(target=p.run, name=f"events-{p.consumer}", daemon=True)
        for p in pipeline.processors
    ]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        for processor in pipeline.processors:
            processor.stop()
        for thread in threads:
            thread.join(timeout=30)


def drain(pipeline: EventPipeline, progress: Callable[[str, int, int], None]) -> None:
    """Run every processor until the stream has nothing new for it, showing progress."""
    errors: list[Exception] = []

    def run(index: int) -> None:
        try:
            pipeline.processors[index].run(until_idle=True, max_failures=5)
        except Exception as err:  # noqa: BLE001 - reported once all threads stop
            errors.append(err)

    threads = [
        threading.Thread(target=run, args=(i,), daemon=True)
        for i in range(len(pipeline.processors))
    ]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        for processor in pipeline.processors:
            progress(f"process: {processor.consumer}", processor.stats.records, 0)
        time.sleep(0.25)
    for processor in pipeline.processors:
        progress(f"process: {processor.consumer}", processor.stats.records, 0)
    if errors:
        raise errors[0]
