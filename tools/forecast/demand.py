"""Daily demand per product on the shop's trading-day calendar.

The calendar is the set of days on which the shop sold anything: a shop that does not trade on
Saturdays or over the holidays has no such days, so a week holds as many days as it trades
(six for the online-retail shop). A product's series starts at its first sale; a trading day
after that with no sale is a zero (the M5 convention).

Rows with a missing or negative quantity, or a missing date or product, are never used: they
are counted in ``DemandData.skipped`` so that a caller can report them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from infra.errors import ConfigError, ToolInputError

Matrix = npt.NDArray[np.float64]
REQUIRED_COLUMNS = ("date", "sku", "quantity")


@dataclass(frozen=True)
class DemandData:
    """Units sold per product (rows) and trading day (columns), and revenue when known."""

    days: list[date]
    skus: list[str]
    units: Matrix
    revenue: Matrix | None = None
    skipped: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.units.shape != (len(self.skus), len(self.days)):
            raise ValueError("units must have one row per sku and one column per day")

    @property
    def first_sale(self) -> npt.NDArray[np.int64]:
        """Per product, the index of its first day with a sale (``len(days)`` if none)."""
        sold = self.units > 0
        return np.where(sold.any(axis=1), sold.argmax(axis=1), len(self.days)).astype(np.int64)

    @property
    def weekdays(self) -> frozenset[int]:
        """The weekdays the shop trades on: those it trades on in most weeks (holidays aside)."""
        weeks = Counter(d.weekday() for d in self.days)
        full = max(weeks.values(), default=0)
        return frozenset(day for day, n in weeks.items() if n >= full / 2)

    @property
    def season(self) -> int:
        """Trading days in a week: how many weekdays the shop trades on (6 without Saturdays)."""
        return max(1, len(self.weekdays))

    def index(self) -> dict[str, int]:
        return {sku: i for i, sku in enumerate(self.skus)}

    def until(self, end: int) -> DemandData:
        """The first ``end`` trading days (products that had sold nothing by then dropped)."""
        units = self.units[:, :end]
        keep = np.flatnonzero((units > 0).sum(axis=1))
        revenue = None if self.revenue is None else self.revenue[keep, :end]
        skus = [self.skus[i] for i in keep.tolist()]
        return DemandData(self.days[:end], skus, units[keep], revenue, dict(self.skipped))


def from_table(table: pa.Table) -> DemandData:
    """Sum sale rows (columns date, sku, quantity, optional revenue) per product and day.

    Rows with a missing date, sku or quantity, or a negative quantity, are counted in
    ``skipped`` and left out; zero quantities are no sale.
    """
    when = table["date"]
    if pa.types.is_string(when.type) or pa.types.is_large_string(when.type):
        when = pc.strptime(when, format="%Y-%m-%d", unit="s")
    sku = pc.utf8_trim_whitespace(pc.cast(table["sku"], pa.string()))
    quantity = pc.cast(table["quantity"], pa.float64())
    has_revenue = "revenue" in table.column_names
    columns = {"date": pc.cast(when, pa.date32()), "sku": sku, "quantity": quantity}
    if has_revenue:
        columns["revenue"] = pc.fill_null(pc.cast(table["revenue"], pa.float64()), 0.0)
    rows = pa.table(columns)
    absent = pc.or_kleene(pc.is_null(rows["date"]), pc.is_null(rows["sku"]))
    absent = pc.fill_null(pc.or_kleene(absent, pc.equal(rows["sku"], "")), True)
    no_quantity = pc.and_(pc.invert(absent), pc.is_null(rows["quantity"], nan_is_null=True))
    negative = pc.fill_null(pc.less(rows["quantity"], 0), False)
    skipped = {
        "missing date or sku": pc.sum(absent).as_py() or 0,
        "missing quantity": pc.sum(no_quantity).as_py() or 0,
        "negative quantity": pc.sum(pc.and_(pc.invert(absent), negative)).as_py() or 0,
    }
    sold = pc.fill_null(pc.greater(rows["quantity"], 0), False)
    rows = rows.filter(pc.and_(pc.invert(absent), sold))
    if rows.num_rows == 0:
        raise ToolInputError("the demand data holds no usable sale (date, sku, quantity > 0)")
    sums = [("quantity", "sum")] + ([("revenue", "sum")] if has_revenue else [])
    grouped = rows.group_by(["sku", "date"]).aggregate(sums)
    days = sorted(set(grouped["date"].to_pylist()))
    skus = sorted(set(grouped["sku"].to_pylist()))
    day_at = {d: j for j, d in enumerate(days)}
    sku_at = {s: i for i, s in enumerate(skus)}
    i = np.array([sku_at[s] for s in grouped["sku"].to_pylist()], dtype=np.int64)
    j = np.array([day_at[d] for d in grouped["date"].to_pylist()], dtype=np.int64)
    units = np.zeros((len(skus), len(days)))
    units[i, j] = grouped["quantity_sum"].to_numpy()
    revenue = None
    if has_revenue:
        revenue = np.zeros_like(units)
        revenue[i, j] = grouped["revenue_sum"].to_numpy()
    return DemandData(days, skus, units, revenue, {k: v for k, v in skipped.items() if v})


def read_demand(path: Path) -> DemandData:
    """Read a CSV or Parquet file with columns date, sku, quantity (and revenue, optional)."""
    if not path.is_file():
        raise ConfigError(f"demand file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        table = pq.read_table(path)
    elif suffix == ".csv":
        options = pacsv.ConvertOptions(column_types={"sku": pa.string()})
        table = pacsv.read_csv(path, convert_options=options)
    else:
        raise ConfigError(f"demand file must be .csv or .parquet, not {path.name!r}")
    missing = [c for c in REQUIRED_COLUMNS if c not in table.column_names]
    if missing:
        raise ConfigError(
            f"{path.name} lacks column(s) {', '.join(missing)}; "
            f"it needs {', '.join(REQUIRED_COLUMNS)} (and optionally revenue)"
        )
    return from_table(table)
