"""What tracing costs a chat turn: p95 with traces exported vs without, in the same run.

Two ``shopagent serve`` processes run side by side on copies of one scratch store (offline
model, embedded backends, the event processors on): one with ``OTEL_TRACES_EXPORTER=otlp``
exporting its spans over OTLP/HTTP to a sink in a process of its own (``evals.otlp_sink``; it
counts what it receives, so the figures are known to include the export), one with tracing off.
The traced server samples as a deployment that names no sampler does (one turn in ten,
``infra.tracing.DEFAULT_SAMPLE``), or the share ``--sample`` gives (``--sample 1``: every turn).

**The figure: one session's chat turn p95.** Each round runs one session on each server, every
turn sent to both one after the other (which goes first alternates turn by turn), so that the
two latencies of a pair meet the same moment of a shared machine. The overhead is the ratio of
the two p95s over all rounds; beside it, the median of the rounds' own p95 ratios, and a 95 %
interval of the pooled ratio from resampling whole rounds (when it straddles 1.05, this run
could not tell whether the target is met). Then, as secondary information, several sessions at
once on one server and then on the other (which goes first alternates by round: on off, off on,
off on, on off): a queue on 2 shared cores, far noisier.

**CPU per turn.** The servers' CPU time over the rounds, per turn; and the same question asked
in one process (``evals.tracing_cost``), where the noise of other processes weighs less: the
CPU a turn costs with tracing on and off, and what the metric updates of a turn cost.

Prometheus metrics (``infra.metrics``) have no switch: both servers count them, so the ratio is
the cost of tracing on top of metrics; what metrics themselves cost is the in-process figure.

    python -m evals.observability_bench --out reports/observability-bench.json
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import statistics
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from evals.bench import bench_env, load_store, serve_args
from evals.chat_load import Plan, Timings, one_turn, open_session, script_turn
from evals.otlp_sink import OtlpSink
from evals.processes import Server, free_port, started, stop, tree_cpu_s
from evals.stats import percentile
from evals.tracing_cost import CostPlan, in_process
from infra.tracing import DEFAULT_SAMPLE

TARGET_OVERHEAD = 1.05
MODES = ("on", "off")


@dataclass(frozen=True)
class BenchPlan:
    rounds: int = 16
    warmup_turns: int = 20
    single_turns: int = 120  # per round and mode, one session
    sessions: int = 8  # per round and mode, talking at once
    turns_per_session: int = 4
    turn_timeout_s: float = 30.0
    ready_timeout_s: float = 120.0
    # The share of turns the traced server keeps (OTEL_TRACES_SAMPLER_ARG; 1: every turn), or
    # None: the service's default, with OTEL_TRACES_SAMPLER unset.
    sample: float | None = None

    @property
    def share(self) -> float:
        return DEFAULT_SAMPLE if self.sample is None else self.sample


@dataclass
class ModeTimings:
    single: list[list[float]] = field(default_factory=list)  # one list per round
    many: list[list[float]] = field(default_factory=list)
    cpu_s: float = 0.0
    turns: int = 0
    errors: int = 0


async def paired(servers: dict[str, Server], plan: BenchPlan, round_no: int) -> dict[str, Timings]:
    """One session on each server, the same turn sent to one then the other (which goes first
    alternates), so that the two latencies of a pair meet the same moment of the machine."""
    timings = {mode: Timings() for mode in MODES}
    sockets = {mode: await open_session(servers[mode].ws_url) for mode in MODES}
    try:
        for turn in range(plan.single_turns):
            text = script_turn(round_no, turn)
            for mode in MODES if turn % 2 == 0 else MODES[::-1]:
                await one_turn(sockets[mode], text, timings[mode], plan.turn_timeout_s)
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets.values()), return_exceptions=True)
    return timings


async def many(server: Server, plan: BenchPlan, round_no: int) -> Timings:
    timings = Timings()
    sockets = await asyncio.gather(*(open_session(server.ws_url) for _ in range(plan.sessions)))

    async def talk(session: int, ws: Any) -> None:
        for turn in range(plan.turns_per_session):
            text = script_turn(round_no * plan.sessions + session, turn)
            await one_turn(ws, text, timings, plan.turn_timeout_s)

    try:
        await asyncio.gather(*(talk(i, ws) for i, ws in enumerate(sockets)))
    finally:
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return timings


async def measure(
    servers: dict[str, Server], plan: BenchPlan, console: Console
) -> dict[str, ModeTimings]:
    results = {mode: ModeTimings() for mode in MODES}
    for mode in MODES:  # warm both up: imports, caches, the search index in memory
        warm = Timings()
        ws = await open_session(servers[mode].ws_url)
        for turn in range(plan.warmup_turns):
            await one_turn(ws, script_turn(0, turn), warm, plan.turn_timeout_s)
        await ws.close()
    for round_no in range(plan.rounds):
        cpu = {mode: tree_cpu_s(servers[mode].pid) for mode in MODES}
        for mode, one in (await paired(servers, plan, round_no)).items():
            results[mode].single.append(one.latencies)
            results[mode].errors += one.errors
        order = MODES if round_no % 4 in (0, 3) else MODES[::-1]  # on off, off on, off on, on off
        for mode in order:
            several = await many(servers[mode], plan, round_no)
            results[mode].many.append(several.latencies)
            results[mode].errors += several.errors
        for mode in MODES:
            timings = results[mode]
            timings.cpu_s += tree_cpu_s(servers[mode].pid) - cpu[mode]
            timings.turns += len(timings.single[-1]) + len(timings.many[-1])
        console.print(f"round {round_no + 1}/{plan.rounds} done ({' then '.join(order)})")
    return results


def p95_ms(rounds: list[list[float]]) -> float:
    return percentile([x for r in rounds for x in r], 95) * 1000


def ratio_interval(
    on_rounds: list[list[float]], off_rounds: list[list[float]], draws: int = 2000
) -> tuple[float, float]:
    """A 95 % interval of the pooled p95 ratio, from resampling whole rounds (both servers'
    latencies of a round stay together, as they were measured together)."""
    rng = random.Random(17)
    ratios = []
    for _ in range(draws):
        picks = [rng.randrange(len(on_rounds)) for _ in on_rounds]
        on = [on_rounds[i] for i in picks]
        off = [off_rounds[i] for i in picks]
        ratios.append(p95_ms(on) / p95_ms(off))
    return percentile(ratios, 2.5), percentile(ratios, 97.5)


def figures(results: dict[str, ModeTimings]) -> dict[str, Any]:
    on, off = results["on"], results["off"]
    out: dict[str, Any] = {}
    for phase in ("single", "many"):
        on_rounds, off_rounds = getattr(on, phase), getattr(off, phase)
        per_round = [
            percentile(a, 95) / percentile(b, 95)
            for a, b in zip(on_rounds, off_rounds, strict=True)
        ]
        low, high = ratio_interval(on_rounds, off_rounds)
        out[phase] = {
            "turns_per_mode": sum(len(r) for r in on_rounds),
            "p95_ms_on": round(p95_ms(on_rounds), 2),
            "p95_ms_off": round(p95_ms(off_rounds), 2),
            "p50_ms_on": round(percentile([x for r in on_rounds for x in r], 50) * 1000, 2),
            "p50_ms_off": round(percentile([x for r in off_rounds for x in r], 50) * 1000, 2),
            "p95_ratio": round(p95_ms(on_rounds) / p95_ms(off_rounds), 3),
            "median_round_p95_ratio": round(statistics.median(per_round), 3),
            "p95_ratio_95pct_interval": [round(low, 3), round(high, 3)],
            "p50_ratio": round(
                percentile([x for r in on_rounds for x in r], 50)
                / percentile([x for r in off_rounds for x in r], 50),
                3,
            ),
        }
    cpu = {
        mode: round(results[mode].cpu_s * 1000 / max(results[mode].turns, 1), 2) for mode in MODES
    }
    out["server_cpu_ms_per_turn"] = cpu
    out["server_cpu_ratio"] = round(cpu["on"] / cpu["off"], 3)
    return out


def table(report: dict[str, Any], plan: BenchPlan) -> Table:
    t = Table(
        title=f"Chat turn latency, tracing on (OTLP export, {plan.share:.0%} of turns sampled"
        f"{' (the default)' if plan.sample is None else ''}) vs off; metrics on in both"
    )
    columns = ("phase", "turns / mode", "p95 on", "p95 off", "ratio", "95 % interval")
    for column in (*columns, "round median", "target"):
        t.add_column(column)
    labels = {"single": "1 session", "many": f"{plan.sessions} sessions"}
    for phase, label in labels.items():
        f = report["figures"][phase]
        low, high = f["p95_ratio_95pct_interval"]
        target = "(secondary)"
        if phase == "single":
            target = f"≤ {TARGET_OVERHEAD:.2f} {verdict(f['p95_ratio'], high)}"
        t.add_row(
            label,
            str(f["turns_per_mode"]),
            f"{f['p95_ms_on']:.1f} ms",
            f"{f['p95_ms_off']:.1f} ms",
            f"{f['p95_ratio']:.3f}",
            f"{low:.3f}–{high:.3f}",
            f"{f['median_round_p95_ratio']:.3f}",
            target,
        )
    return t


def verdict(ratio: float, high: float) -> str:
    """``met`` when the ratio and its interval's top are at most the target; ``met, but not
    resolved`` when only the ratio is; else ``MISSED``."""
    if ratio > TARGET_OVERHEAD:
        return "MISSED"
    return "met" if high <= TARGET_OVERHEAD else "met, but not resolved"


def run(plan: BenchPlan, console: Console) -> dict[str, Any]:
    with ExitStack() as stack:
        scratch = Path(
            stack.enter_context(
                tempfile.TemporaryDirectory(prefix="shopagent-obs-", ignore_cleanup_errors=True)
            )
        )
        base = bench_env(scratch / "on")
        with console.status("loading the demo store…"):
            load_store(base, scratch, Plan(ready_timeout_s=plan.ready_timeout_s))
        # Each server its own copy: the embedded event stream has one consumer per directory.
        shutil.copytree(scratch / "on", scratch / "off")
        shutil.copytree(scratch / "on", scratch / "inproc")
        sink = OtlpSink()
        stack.callback(sink.close)
        servers: dict[str, Server] = {}
        for mode in MODES:
            env = bench_env(scratch / mode)
            env.pop("OTEL_SDK_DISABLED", None)
            env["OTEL_TRACES_EXPORTER"] = "otlp" if mode == "on" else "none"
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = sink.url
            env["OTEL_SERVICE_NAME"] = "shopagent-bench"
            env.pop("OTEL_TRACES_SAMPLER", None)
            env.pop("OTEL_TRACES_SAMPLER_ARG", None)
            if plan.sample is not None:
                env["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio"
                env["OTEL_TRACES_SAMPLER_ARG"] = str(plan.sample)
            port = free_port()
            servers[mode] = stack.enter_context(
                started(f"tracing-{mode}", serve_args(port), env, scratch, port)
            )
        with console.status("starting both servers…"):
            for server in servers.values():
                server.wait_ready("/readyz", plan.ready_timeout_s)
        results = asyncio.run(measure(servers, plan, console))
        # Both servers stop here (SIGTERM), so the traced one flushes its last spans first.
        for server in servers.values():
            stop(server.process)
        exported = {"requests": sink.requests, "bytes": sink.bytes}
        if sink.requests == 0:
            raise RuntimeError("the traced server exported nothing: tracing was not on")
        with console.status("CPU per turn in this process…"):
            costs = in_process(scratch / "inproc", sink.url, CostPlan(sample=plan.share))
        report = {
            "plan": {**plan.__dict__, "share": plan.share},
            "figures": figures(results),
            "in_process": costs,
            "otlp_export": exported,
            "errors": {mode: results[mode].errors for mode in MODES},
            "metrics": "on in both servers (infra.metrics has no switch)",
        }
    return report


def main(
    out: Annotated[Path | None, typer.Option(help="Also write the figures as JSON here")] = None,
    rounds: Annotated[int, typer.Option(min=2, help="Rounds, each running both servers")] = 16,
    sample: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Share of turns the traced server samples (default: the service's, one in ten)",
        ),
    ] = None,
) -> None:
    """Chat turn p95 with tracing on vs off, interleaved in one run; the overhead as a ratio."""
    console = Console(width=max(Console().width, 100))
    plan = BenchPlan(rounds=rounds, sample=sample)
    report = run(plan, console)
    console.print(table(report, plan))
    cpu, costs = report["figures"]["server_cpu_ms_per_turn"], report["in_process"]
    console.print(
        f"server CPU per turn: on {cpu['on']} ms, off {cpu['off']} ms; OTLP export "
        f"{report['otlp_export']['requests']} requests, {report['otlp_export']['bytes']:,} bytes"
    )
    console.print(
        f"in one process, CPU per turn: tracing off {costs['cpu_ms_per_turn_off']} ms, on "
        f"{costs['cpu_ms_per_turn_on']} ms: tracing {costs['tracing_cpu_ms_per_turn']} ms "
        f"({costs['tracing_share']:.1%}, {costs['spans_per_turn']} spans a turn); metric "
        f"updates {costs['metrics_ms_per_turn'] * 1000:.0f} µs ({costs['metrics_share']:.1%})"
    )
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    typer.run(main)
