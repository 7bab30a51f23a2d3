"""Loader for UCI Online Retail: invoices of a UK giftware shop become products, users, orders.

The source has one row per invoice line (541,909 rows). It is read a column at a time into
compact numpy columns (text as dictionary indices), and the heavy lifting (filtering, grouping,
medians, windowed sums) is done column-wise. Products, users and orders are then built one at a
time while the store writes them, so the ~400,000 order lines never live as Python objects at
once. The title rules (casing, attributes, kinds of product) live in ``retail_titles``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from infra.errors import ConfigError
from tools.catalog.loaders import LoadedDataset, Progress, report, stable_hash
from tools.catalog.loaders.retail_titles import (
    category_of,
    sentence_case,
    title_attributes,
    title_case,
)
from tools.models import Address, Name, Order, PaymentMethod, Product, StoreInfo, User

log = logging.getLogger(__name__)

DATASET = "online-retail"
SOURCE_FILE = "online_retail.parquet"
CURRENCY = "GBP"
ATTRIBUTION = (
    "Online Retail, UCI Machine Learning Repository (Chen, Sain & Guo 2012, Journal of Database "
    "Marketing and Customer Strategy Management 19(3)), CC BY 4.0."
)
STOCK_NOTE = (
    "Estimated stock: the source data records sales but no stock levels, so this figure is "
    "derived from the product's recent sales history."
)
PAYMENT_METHOD = "invoice"

# Stock is a cover of 0..30 days of recent demand; products idle for 60 days are sold out.
_DEMAND_WINDOW_DAYS = 90
_MAX_COVER_DAYS = 30
_IDLE_DAYS = 60


# -- which stock codes are goods --------------------------------------------------------------

# Found by reading the codes without digits and their descriptions: postage, carriage, fees,
# manual adjustments, samples, bad-debt adjustments, charity and discount lines.
_SERVICE_CODES = frozenset(
    {"POST", "DOT", "C2", "M", "BANK CHARGES", "AMAZONFEE", "S", "B", "D", "CRUK", "PADS"}
)
_SERVICE_TEXT = re.compile(
    r"\b(postage|carriage|manual|discount|bank charges|amazon fee|samples|bad debt|"
    r"gift voucher|commission)\b",
    re.IGNORECASE,
)


def is_product_code(code: str, description: str) -> bool:
    """False for postage, fees, adjustments, vouchers and other lines that are not goods."""
    if code.upper() in _SERVICE_CODES or code.lower().startswith("gift_"):
        return False
    return not (_SERVICE_TEXT.search(description) and not re.search(r"\d", code))


# -- reading the invoices ------------------------------------------------------------------

# Text columns with few distinct values: read as dictionaries, half the size of plain strings.
_TEXT_COLUMNS = ["InvoiceNo", "StockCode", "Description", "Country"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
TimeArray = npt.NDArray[np.datetime64]


@dataclass(frozen=True)
class _Rows:
    """The source table as numpy columns, each text column as indices into its values.

    Values are numbered in order of first appearance and a null is -1, as
    ``pyarrow.compute.dictionary_encode`` numbers them.
    """

    invoice: IntArray
    invoices: list[str]
    code: IntArray
    codes: list[str]
    description: IntArray  # of the description with surrounding white space trimmed
    descriptions: list[str]
    quantity: IntArray
    price: FloatArray
    time: TimeArray  # microseconds
    customer: IntArray  # -1 for guests
    country: IntArray
    countries: list[str]

    def __len__(self) -> int:
        return len(self.invoice)


def _encode(column: pa.ChunkedArray, trim: bool = False) -> tuple[IntArray, list[str]]:
    """A dictionary column as per-row indices (-1 for null) and values in first-seen order.

    With ``trim``, surrounding white space is removed first and values it makes equal merge.
    """
    chunks = column.unify_dictionaries().chunks
    if not chunks:
        return np.zeros(0, dtype=np.int64), []
    indices = np.concatenate(
        [chunk.indices.fill_null(-1).to_numpy(zero_copy_only=False) for chunk in chunks]
    ).astype(np.int64)
    dictionary = chunks[0].dictionary
    values = [str(v) for v in (pc.utf8_trim_whitespace(dictionary) if trim else dictionary)]
    used, first_row = np.unique(indices[indices >= 0], return_index=True)
    number: dict[str, int] = {}
    # One slot more than there are values: index -1 (null) lands there and stays -1.
    renumber = np.full(len(values) + 1, -1, dtype=np.int64)
    for entry in used[np.argsort(first_row)].tolist():
        renumber[entry] = number.setdefault(values[entry], len(number))
    return renumber[indices], list(number)


def _read(path: Path) -> _Rows:
    """The columns the loader needs, read one at a time.

    Each column's pyarrow memory is handed back before the next is read, so the peak is the
    numpy columns plus one source column rather than plus the whole table.
    """
    if not path.is_file():
        raise ConfigError(f"online-retail source not found: {path}")
    pool = pa.default_memory_pool()
    with pq.ParquetFile(path, read_dictionary=_TEXT_COLUMNS) as source:

        def text(name: str, trim: bool = False) -> tuple[IntArray, list[str]]:
            encoded = _encode(source.read(columns=[name])[name], trim)
            pool.release_unused()
            return encoded

        def numbers(name: str, dtype: str, null: float | None = None) -> npt.NDArray[Any]:
            column = source.read(columns=[name])[name]
            if null is not None:
                column = column.fill_null(null)
            # astype copies, so nothing here still points into the column's memory.
            values: npt.NDArray[Any] = column.to_numpy().astype(dtype)
            del column
            pool.release_unused()
            return values

        invoice, invoices = text("InvoiceNo")
        code, codes = text("StockCode")
        description, descriptions = text("Description", trim=True)
        country, countries = text("Country")
        return _Rows(
            invoice=invoice,
            invoices=invoices,
            code=code,
            codes=codes,
            description=description,
            descriptions=descriptions,
            quantity=numbers("Quantity", "int64"),
            price=numbers("UnitPrice", "float64"),
            time=numbers("InvoiceDate", "datetime64[us]"),
            customer=numbers("CustomerID", "int64", null=-1),
            country=country,
            countries=countries,
        )


def _canonical_codes(raw: list[str]) -> tuple[IntArray, list[str]]:
    """Map each raw code to a canonical one: "85123a" joins "85123A" when that exists."""
    present = set(raw)
    canonical = [c.upper() if c.upper() in present else c for c in raw]
    names = sorted(set(canonical))
    position = {code: i for i, code in enumerate(names)}
    return np.array([position[c] for c in canonical], dtype=np.int64), names


def _most_frequent(group: IntArray, value: IntArray, n_groups: int) -> IntArray:
    """Per group, the value seen most often (ties: the smallest value); -1 for empty groups."""
    ok = value >= 0
    width = int(value.max()) + 1 if ok.any() else 1
    keys, counts = np.unique(group[ok] * width + value[ok], return_counts=True)
    groups, values = keys // width, keys % width
    order = np.lexsort((values, -counts, groups))
    first = np.ones(len(order), dtype=bool)
    first[1:] = groups[order][1:] != groups[order][:-1]
    best = np.full(n_groups, -1, dtype=np.int64)
    best[groups[order][first]] = values[order][first]
    return best


@dataclass(frozen=True)
class _Sales:
    """The valid sale lines of goods as numpy columns, with per-product facts."""

    codes: list[str]  # product index -> stock code
    titles: list[str]
    line_product: IntArray  # per line: product index
    line_rows: IntArray  # per line: row in the source table
    quantity: IntArray
    price: FloatArray
    day: IntArray  # days since 1970-01-01
    end_day: int  # the last day of the whole data set


def _sales(rows: _Rows) -> tuple[_Sales, dict[str, int]]:
    """Keep lines that sell goods (no cancellations, returns, fees or postage)."""
    code_map, names = _canonical_codes(rows.codes)
    product = code_map[rows.code]
    desc, desc_names = rows.description, rows.descriptions
    quantity, price = rows.quantity, rows.price
    day = rows.time.astype("datetime64[D]").astype(np.int64)
    cancelled_invoice = np.array([i.startswith("C") for i in rows.invoices], dtype=bool)
    cancelled = cancelled_invoice[rows.invoice] & (rows.invoice >= 0)
    valid = ~cancelled & (quantity > 0) & (price > 0)

    best_desc = _most_frequent(product[valid], desc[valid], len(names))
    titles = [title_case(desc_names[d]).rstrip(".,; ") if d >= 0 else "" for d in best_desc]
    goods = np.array(
        [bool(t) and is_product_code(c, t) for c, t in zip(names, titles, strict=True)]
    )
    keep = valid & goods[product]
    # Re-number the products that have at least one sale line, in stock-code order.
    sold = np.zeros(len(names), dtype=bool)
    sold[product[keep]] = True
    renumber = np.cumsum(sold) - 1
    lines = np.flatnonzero(keep)
    stats = {
        "lines": len(rows),
        "cancellation_lines": int(cancelled.sum()),
        "cancellation_invoices": int(cancelled_invoice.sum()),
        "non_goods_lines": int((valid & ~goods[product]).sum()),
        "non_goods_codes": int((~goods & np.isin(np.arange(len(names)), product[valid])).sum()),
        "merged_codes": len(rows.codes) - len(names),
        "sale_lines": len(lines),
    }
    sales = _Sales(
        codes=[c for c, s in zip(names, sold, strict=True) if s],
        titles=[t for t, s in zip(titles, sold, strict=True) if s],
        line_product=renumber[product[lines]],
        line_rows=lines,
        quantity=quantity[lines],
        price=price[lines],
        day=day[lines],
        end_day=int(day.max()),
    )
    return sales, stats


# -- products ------------------------------------------------------------------------------


def _as_date(day: int) -> date:
    return date(1970, 1, 1) + timedelta(days=day)


def _about(units: int) -> str:
    """A rounded-down count for prose: 2,265 -> "2,200+", 87 -> "87"."""
    if units < 100:
        return f"{units:,}"
    step = 10 ** (len(str(units)) - 2)
    floor = units // step * step
    return f"{floor:,}+" if floor != units else f"{units:,}"


def describe(title: str, units: int, first: date, last: date) -> str:
    """A short factual description of a product in our own words."""
    sold = f"{_about(units)} unit" + ("" if units == 1 else "s")
    when = (
        f"in {first:%b %Y}"
        if (first.year, first.month) == (last.year, last.month)
        else f"between {first:%b %Y} and {last:%b %Y}"
    )
    return f"{sentence_case(title)}. Sold {sold} {when}."


def _product_facts(s: _Sales) -> dict[str, npt.NDArray[np.generic]]:
    """Per product: units sold, median price, first and last day, estimated stock."""
    n = len(s.codes)
    counts = np.bincount(s.line_product, minlength=n)
    order = np.lexsort((s.price, s.line_product))
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    prices = s.price[order]
    median = (prices[starts + (counts - 1) // 2] + prices[starts + counts // 2]) / 2
    first = np.minimum.reduceat(s.day[order], starts)
    last = np.maximum.reduceat(s.day[order], starts)
    units = np.bincount(s.line_product, weights=s.quantity, minlength=n).astype(np.int64)
    recent = s.day > last[s.line_product] - _DEMAND_WINDOW_DAYS
    recent_units = np.bincount(s.line_product, weights=s.quantity * recent, minlength=n)
    # The source has no stock: hold a cover of 0..30 days of recent demand, fixed per product.
    cover = np.array([stable_hash(c) % (_MAX_COVER_DAYS + 1) for c in s.codes])
    stock = np.rint(recent_units / _DEMAND_WINDOW_DAYS * cover).astype(np.int64)
    stock[s.end_day - last >= _IDLE_DAYS] = 0
    return {"median": median, "first": first, "last": last, "units": units, "stock": stock}


def _products(s: _Sales) -> Iterator[Product]:
    """One product per stock code, built as the caller asks for it."""
    facts = _product_facts(s)
    for i, (code, title) in enumerate(zip(s.codes, s.titles, strict=True)):
        first, last = _as_date(int(facts["first"][i])), _as_date(int(facts["last"][i]))
        units = int(facts["units"][i])
        yield Product(
            id=code,
            title=title,
            description=describe(title, units, first, last),
            category=category_of(title),
            price=round(float(facts["median"][i]), 2),
            currency=CURRENCY,
            attributes=title_attributes(title),
            stock=int(facts["stock"][i]),
            stock_note=STOCK_NOTE,
            popularity=float(units),
            first_sold=first,
            last_sold=last,
        )


# -- users and orders ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Invoices:
    """The orders to build: the sale lines of known customers, grouped by invoice.

    Invoices are in first-seen order (which is time order) and each keeps its lines in source
    order. Everything an order needs from the per-row columns is copied out here, so those can
    be dropped before any order is built.
    """

    lines: IntArray  # sale-line indices (into ``_Sales``), grouped by invoice
    starts: IntArray  # per invoice: its first position in ``lines``
    ends: IntArray  # per invoice: one past its last position in ``lines``
    ids: list[str]  # per invoice: the invoice number, which becomes the order id
    owners: IntArray  # per invoice: the customer id
    totals: FloatArray  # per invoice: the amount paid
    created: list[datetime]
    countries: list[str | None]

    def __len__(self) -> int:
        return len(self.ids)


def _invoices(rows: _Rows, s: _Sales) -> _Invoices:
    """One future order per invoice of a known customer, its lines the goods sold."""
    line_customer = rows.customer[s.line_rows]
    mine = np.flatnonzero(line_customer >= 0)
    invoice = rows.invoice
    # Group lines by invoice (first-seen order, which is time order), keeping source order.
    lines = mine[np.argsort(invoice[s.line_rows[mine]], kind="stable")]
    line_invoice = invoice[s.line_rows[lines]]
    starts = np.flatnonzero(np.concatenate(([True], line_invoice[1:] != line_invoice[:-1])))
    ends = np.append(starts[1:], len(lines))
    amounts = s.quantity[lines] * s.price[lines]
    totals: FloatArray = np.add.reduceat(amounts, starts) if len(lines) else np.zeros(0)
    head_rows = s.line_rows[lines[starts]]
    return _Invoices(
        lines=lines,
        starts=starts,
        ends=ends,
        ids=[rows.invoices[i] for i in line_invoice[starts].tolist()],
        owners=line_customer[lines[starts]],
        totals=totals,
        created=rows.time[head_rows].tolist(),
        countries=[rows.countries[c] if c >= 0 else None for c in rows.country[head_rows]],
    )


def _users(rows: _Rows, invoices: _Invoices) -> tuple[int, Iterator[User]]:
    """How many users there are and the users themselves, one per customer id.

    Each lives in the country most of their invoice lines name, lists their orders in order and,
    when they bought anything, holds the invoice payment method.
    """
    customer, countries = rows.customer, rows.countries
    known = customer >= 0
    ids = np.unique(customer[known])
    home = _most_frequent(np.searchsorted(ids, customer[known]), rows.country[known], len(ids))
    # Each user's invoices: positions in ``invoices`` grouped by user, kept in time order.
    owner = np.searchsorted(ids, invoices.owners)
    by_owner = np.argsort(owner, kind="stable")
    ends = np.cumsum(np.bincount(owner, minlength=len(ids)))

    def build() -> Iterator[User]:
        start = 0
        for cid, where, end in zip(ids.tolist(), home.tolist(), ends.tolist(), strict=True):
            user_id = str(cid)
            mine = by_owner[start:end].tolist()
            start = end
            methods = (
                {PAYMENT_METHOD: PaymentMethod(source=PAYMENT_METHOD, id=PAYMENT_METHOD)}
                if mine
                else {}
            )
            yield User(
                user_id=user_id,
                name=Name(first_name="Customer", last_name=user_id),
                address=Address(country=countries[where] if where >= 0 else ""),
                email="",
                payment_methods=methods,
                orders=[invoices.ids[n] for n in mine],
            )

    return len(ids), build()


def _orders(s: _Sales, invoices: _Invoices) -> Iterator[Order]:
    """One delivered order per invoice, built as the caller asks for it."""
    owners = invoices.owners.tolist()
    bounds = zip(invoices.starts.tolist(), invoices.ends.tolist(), strict=True)
    for n, (start, end) in enumerate(bounds):
        lines = invoices.lines[start:end]
        product = s.line_product[lines].tolist()
        quantity = s.quantity[lines].tolist()
        price = s.price[lines].tolist()
        # One validation per order (items as plain dicts) is far cheaper than a model per line.
        items = [
            {
                "name": s.titles[p],
                "product_id": s.codes[p],
                "item_id": s.codes[p],
                "price": price[k],
                "quantity": quantity[k],
            }
            for k, p in enumerate(product)
        ]
        payment = {
            "transaction_type": "payment",
            "amount": round(float(invoices.totals[n]), 2),
            "payment_method_id": PAYMENT_METHOD,
        }
        yield Order.model_validate(
            {
                "order_id": invoices.ids[n],
                "user_id": str(owners[n]),
                "address": {"country": invoices.countries[n] or ""},
                "items": items,
                "status": "delivered",
                "payment_history": [payment],
                "created_at": invoices.created[n],
            }
        )


# -- the loader ------------------------------------------------------------------------------


def load_online_retail(source_dir: Path, progress: Progress | None = None) -> LoadedDataset:
    """Read ``online_retail.parquet`` from ``source_dir`` and build the demo store.

    The products, users and orders come back as one-shot iterators that build each record when
    it is asked for; the counts are in the returned ``info``.
    """
    report(progress, "read", 0, 1)
    rows = _read(source_dir / SOURCE_FILE)
    sales, stats = _sales(rows)
    invoices = _invoices(rows, sales)
    n_users, users = _users(rows, invoices)
    del rows  # the per-row columns: what the records need is in sales and invoices now
    report(progress, "read", 1, 1)
    stats.update(products=len(sales.codes), users=n_users, orders=len(invoices))
    log.info("online-retail loaded: %s", stats)
    info = StoreInfo(
        dataset=DATASET,
        currency=CURRENCY,
        loaded_at=datetime.now(UTC),
        products=len(sales.codes),
        users=n_users,
        orders=len(invoices),
        attribution=ATTRIBUTION,
    )
    return LoadedDataset(info, _products(sales), users, _orders(sales, invoices))
