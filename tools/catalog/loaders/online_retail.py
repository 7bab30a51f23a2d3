"""Loader for UCI Online Retail: invoices of a UK giftware shop become products, users, orders.

The source has one row per invoice line (541,909 rows). The heavy lifting (filtering, grouping,
medians, windowed sums) is done column-wise with pyarrow and numpy; Python loops run only over
products, customers and invoices.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from infra.errors import ConfigError
from tools.catalog.loaders import LoadedDataset, Progress, gc_paused, report, stable_hash
from tools.models import (
    Address,
    Name,
    Order,
    PaymentMethod,
    Product,
    StoreInfo,
    User,
)

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


def _lexicon(words: str) -> frozenset[str]:
    """A word list written as one whitespace-separated string."""
    return frozenset(words.split())


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


# -- titles --------------------------------------------------------------------------------

_SMALL_WORDS = _lexicon("a an and at by de du for in la le of on or the to with")
_ACRONYMS = _lexicon("LED USB UK USA DVD CD DIY PVC XL XXL 3D TV")
_SEGMENTS = re.compile(r"[A-Za-z0-9]+|[^A-Za-z0-9]+")


def _case_segment(segment: str, first: bool, after_apostrophe: bool) -> str:
    upper = segment.upper()
    if upper in _ACRONYMS:
        return upper
    if after_apostrophe:  # DAD'S -> Dad's, 50'S -> 50's
        return segment.lower()
    if segment[0].isdigit():  # 60CM -> 60cm, 3.5G -> 3.5g, 45X45CM -> 45x45cm
        return segment.lower()
    if re.fullmatch(r"[A-Z]\d+", upper):  # paper sizes: A4, A7
        return upper
    lower = segment.lower()
    if not first and lower in _SMALL_WORDS:
        return lower
    return lower[:1].upper() + lower[1:]


def title_case(text: str) -> str:
    """Readable title case for an all-caps description ("SET/6 T-LIGHTS" -> "Set/6 T-Lights")."""
    words = text.replace("*", " ").split()
    cased: list[str] = []
    for position, word in enumerate(words):
        parts = _SEGMENTS.findall(word)
        out: list[str] = []
        for index, part in enumerate(parts):
            if not part[0].isalnum():
                out.append(part)
                continue
            after_apostrophe = index > 0 and parts[index - 1] in {"'", "’"}
            first = position == 0 and index == 0
            out.append(_case_segment(part, first, after_apostrophe))
        cased.append("".join(out))
    return " ".join(cased)


def sentence_case(title: str) -> str:
    """A title as the start of a sentence: lower case except acronyms and the first letter."""
    words = [
        w if w.upper() in _ACRONYMS or re.fullmatch(r"[A-Z]\d+", w) else w.lower()
        for w in title.split()
    ]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


# -- attributes ----------------------------------------------------------------------------

# Each lexicon maps a word of a title to the value it stands for (wooden -> wood).
_COLOURS = {
    c: c
    for c in _lexicon(
        """red pink blue green white black ivory cream gold silver purple yellow orange brown
        grey turquoise lilac beige teal aqua mint navy peach magenta fuchsia coral bronze
        copper amber"""
    )
} | {"gray": "grey", "fuschia": "fuchsia", "turq": "turquoise"}
_MATERIALS = {
    m: m
    for m in _lexicon(
        """wood glass ceramic metal zinc enamel felt paper cotton tin wicker porcelain plastic
        rattan jute linen velvet leather acrylic bamboo wool resin slate iron silk polyester
        lace crochet aluminium"""
    )
} | {"wooden": "wood", "woollen": "wool", "woolly": "wool", "ceramics": "ceramic"}
_SIZES = {s: s for s in _lexicon("small medium large mini jumbo")}
_ATTRIBUTE_LEXICONS = {"colour": _COLOURS, "material": _MATERIALS, "size": _SIZES}


def _words(title: str) -> list[str]:
    return re.findall(r"[a-z][a-z'\-]*", title.lower())


def title_attributes(title: str) -> dict[str, list[str]]:
    """Colour, material and size words found in a title, normalised and sorted."""
    # "Ice cream" is a flavour or a motif, never the colour cream.
    words = set(_words(title.lower().replace("ice cream", "ice-cream")))
    found: dict[str, list[str]] = {}
    for name, lexicon in _ATTRIBUTE_LEXICONS.items():
        values = sorted({lexicon[w] for w in words if w in lexicon})
        if values:
            found[name] = values
    return found


# -- category (the kind of product) -----------------------------------------------------------

# Nouns a shopper uses for a kind of product in this shop, chosen by reading the most common
# words of the 3,900 titles. The rightmost one in a title is its head ("LUNCH BAG SPACEBOY
# DESIGN" -> bag); motif words (heart, star, bird…) only count when nothing else does.
_KINDS = _lexicon(
    """
    album apron ashtray backpack bag balloon bangle bank basket bauble beaker bell bib bin
    birdhouse blanket block board book bookend bookmark bottle bowl box bracelet brooch brush
    bucket bunting burner cabinet caddy calculator calendar can candle candlestick canvas card
    case chair chalkboard chandelier charm chest chime chopsticks clip clock coaster comb
    compact container cover crate cup curtain cushion cutlery cutter decoration diary dish doll
    doormat doorstop drawer earrings envelope eraser fan feeder figure flag flask fork frame
    game garland glove hairband hairclip hairslide hamper hammock handbag hanger hat headphones
    holder hook jar journal jug keyring kit knob lamp lampshade lantern light magnet mat measure
    mirror mobile mould mug napkin necklace notebook organiser ornament pad paperweight parasol
    pen pencil pendant pin placemat planter plaque plate platter pot print purse puzzle rack
    ribbon ring ruler saucer scarf scissors sharpener shelf shopper sign skittles slate slipper
    soap sponge spoon stamp stand sticker stool tablecloth tag tape teapot teaspoon thermometer
    tidy tile tin tissue towel toy tray trinket trug tumbler umbrella vase wallet warmer washbag
    whistle windmill wrap wreath t-light incense jigsaw dominoes marble crayon stocking chalk
    doily peg liner cosy pan ladle invite harmonica speaker plaster match confetti lights slide
    tie goblet globe colander strainer poncho skirt tiara torch quilt pouffe postcard cracker
    dispenser squeezer wheelbarrow sketchbook flannel throw scale marker spade rake helicopter
    radio teddy gnome cloche straw letter patch badge playhouse mitt fob stencil
    """
)
_MOTIFS = _lexicon(
    """
    heart star bird tree flower egg ball rabbit bunny hen chick owl angel butterfly reindeer
    snowflake snowman santa skull house cat dog duck robin leaf rose horse
    """
)
# Where the head noun alone is vague, the word before it makes the kind a shopper would say.
_COMPOUNDS = {
    ("t-light", "holder"): "t-light holder",
    ("tealight", "holder"): "t-light holder",
    ("card", "holder"): "card holder",
    ("cushion", "cover"): "cushion cover",
    ("cake", "stand"): "cake stand",
    ("cake", "case"): "cake case",
    ("cake", "tin"): "cake tin",
    ("lunch", "bag"): "lunch bag",
    ("lunch", "box"): "lunch box",
    ("gift", "bag"): "gift bag",
    ("shopping", "bag"): "shopping bag",
    ("water", "bottle"): "hot water bottle",
    ("photo", "frame"): "photo frame",
    ("picture", "frame"): "photo frame",
    ("tea", "towel"): "tea towel",
    ("alarm", "clock"): "alarm clock",
    ("wall", "clock"): "wall clock",
    ("gift", "wrap"): "gift wrap",
    ("key", "ring"): "keyring",
    ("egg", "cup"): "egg cup",
    ("chain", "kit"): "paper chain kit",
    ("hand", "warmer"): "hand warmer",
    ("drawer", "knob"): "drawer knob",
    ("trinket", "box"): "trinket box",
    ("pill", "box"): "pill box",
    ("money", "box"): "money box",
    ("piggy", "bank"): "money box",
    ("snack", "box"): "snack box",
    ("storage", "box"): "storage box",
    ("jam", "jar"): "jam jar",
    ("oil", "burner"): "oil burner",
    ("door", "sign"): "door sign",
    ("wall", "sign"): "wall sign",
    ("door", "mat"): "doormat",
    ("coat", "hanger"): "coat hanger",
    ("wall", "mirror"): "wall mirror",
    ("fairy", "light"): "fairy lights",
    ("night", "light"): "night light",
    ("string", "light"): "fairy lights",
    ("tea", "set"): "tea set",
    ("paper", "plate"): "paper plate",
    ("paper", "cup"): "paper cup",
    ("watering", "can"): "watering can",
    ("jewellery", "box"): "jewellery box",
    ("recipe", "box"): "recipe box",
    ("hair", "clip"): "hair clip",
    ("phone", "charm"): "phone charm",
    ("bag", "charm"): "bag charm",
    ("greeting", "card"): "greeting card",
    ("birthday", "card"): "birthday card",
    ("christmas", "card"): "christmas card",
    ("tissue", "box"): "tissue box",
    ("candle", "holder"): "candle holder",
    ("votive", "holder"): "candle holder",
    ("plant", "holder"): "plant holder",
    ("soap", "holder"): "soap dish",
    ("soap", "dish"): "soap dish",
    ("egg", "cosy"): "egg cosy",
    ("tea", "cosy"): "tea cosy",
    ("frying", "pan"): "frying pan",
    ("egg", "pan"): "frying pan",
    ("hair", "tie"): "hair tie",
    ("hair", "slide"): "hair slide",
    ("hair", "comb"): "hair comb",
    ("food", "cover"): "food cover",
    ("passport", "cover"): "passport cover",
    ("biscuit", "tin"): "biscuit tin",
    ("first", "aid"): "first aid tin",
    ("sewing", "box"): "sewing box",
    ("pencil", "case"): "pencil case",
    ("glass", "case"): "glasses case",
    ("baking", "case"): "cake case",
    ("cosmetic", "bag"): "cosmetic bag",
    ("wash", "bag"): "washbag",
    ("tote", "bag"): "tote bag",
    ("filler", "pad"): "cushion pad",
    ("playing", "card"): "playing cards",
    ("tea", "lights"): "t-light",
    ("table", "lights"): "lamp",
    ("number", "tile"): "number tile",
    ("sewing", "kit"): "sewing kit",
    ("kitchen", "scale"): "kitchen scales",
    ("oven", "mitt"): "oven glove",
    ("key", "fob"): "keyring",
    ("flying", "disc"): "flying disc",
}
# "Set" names the product only in these phrases ("Tea Set"); otherwise it is a quantity.
_SETS = {
    word: f"{word} set"
    for word in _lexicon(
        "tea stationery writing baking breakfast cooking tool paint colouring sewing needle bingo"
    )
} | {"making": "jam making set", "garden": "garden game"}
# How some single kinds read best to a shopper.
_DISPLAY = {
    "lights": "fairy lights",
    "wrap": "gift wrap",
    "match": "matches",
    "plaster": "plasters",
    "invite": "party invitations",
    "slide": "hair slide",
    "scale": "scales",
    "mitt": "oven glove",
    "fob": "keyring",
    "straw": "straws",
}
_SPELLINGS = {
    "cakestand": "cake stand",
    "candleholder": "candle holder",
    "tealight": "t-light",
    "tealights": "t-lights",
    "photoframe": "photo frame",
    "doorknob": "door knob",
    "neckl": "necklace",
    "necklac": "necklace",
    "t-lite": "t-light",
    "hldr": "holder",
    "hottie": "hot water bottle",
    "braclet": "bracelet",
    "dec": "decoration",
    "squarecushion": "cushion",
    "canvas": "canvas",
    "doorsign": "door sign",
    "drawerknob": "drawer knob",
    "p'weight": "paperweight",
    "chocolatecandle": "chocolate candle",
    "candlepot": "candle holder",
}
# Plural nouns whose singular a shopper would not say.
_PLURALIA = _lexicon(
    "earrings scissors chopsticks skittles dominoes headphones sunglasses tongs lights christmas "
    "canvas"
)
# Trailing parts of a title that qualify the product rather than name it ("… WITH LID").
_TAIL = re.compile(r"\s(with|w/?|in|for)\s.*$", re.IGNORECASE)
# "Light Blue", "Dark Green": shades, not lamps.
_SHADES = _lexicon("light dark pale bright dusty midnight")


# Words that never name the product when the lexicons find nothing.
_NOT_KINDS = (
    set(_COLOURS)
    | set(_MATERIALS)
    | set(_SIZES)
    | _SMALL_WORDS
    | _lexicon(
        """assorted asstd design set pack colour vintage antique classic printed engraved modern
        from you retro new painted hanging giant tall round square mum love"""
    )
)


def singular(word: str) -> str:
    """A simple English singular for the plural nouns of this catalog."""
    if word in _PLURALIA or len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("xes", "ches", "shes", "sses")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def _kind_words(title: str) -> list[str]:
    words: list[str] = []
    for word in _words(title):
        spelled = _SPELLINGS.get(word, word)
        words.extend(singular(part) for part in spelled.split())
    words = [w.strip("'-") for w in words if w.strip("'-")]
    return [
        w
        for i, w in enumerate(words)
        if not (w in _SHADES and i + 1 < len(words) and words[i + 1] in _COLOURS)
    ]


def _head(words: Sequence[str], known: frozenset[str]) -> str | None:
    """The kind named by the rightmost known noun of ``words``, or ``None``."""
    for index in range(len(words) - 1, -1, -1):
        word = words[index]
        before = words[index - 1] if index else ""
        if word == "set" and before in _SETS:
            return _SETS[before]
        if word in known:
            return _COMPOUNDS.get((before, word)) or _DISPLAY.get(word, word)
    return None


def category_of(title: str) -> str:
    """The kind of product a title names ("Red Retrospot Lunch Bag" -> "lunch bag")."""
    words = _kind_words(title)
    main = _kind_words(_TAIL.sub("", title))
    for candidate in (main, words):
        head = _head(candidate, _KINDS)
        if head:
            return head
    for candidate in (main, words):
        head = _head(candidate, _MOTIFS)
        if head:
            return head
    rest = [w for w in main if w not in _NOT_KINDS and len(w) > 2]
    return rest[-1] if rest else "gift"


# -- reading the invoices ------------------------------------------------------------------

_COLUMNS = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def _read(path: Path) -> pa.Table:
    if not path.is_file():
        raise ConfigError(f"online-retail source not found: {path}")
    table = pq.read_table(path, columns=_COLUMNS)
    return table.set_column(
        table.schema.get_field_index("Description"),
        "Description",
        pc.utf8_trim_whitespace(table["Description"]),
    )


def _encode(column: pa.ChunkedArray) -> tuple[IntArray, list[str]]:
    """Dictionary-encode a string column: per-row indices (-1 for null) and the values."""
    encoded = pc.dictionary_encode(column).combine_chunks()
    indices = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return indices, [str(v) for v in encoded.dictionary.to_pylist()]


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


def _sales(table: pa.Table) -> tuple[_Sales, dict[str, int]]:
    """Keep lines that sell goods (no cancellations, returns, fees or postage)."""
    raw_code, raw_names = _encode(table["StockCode"])
    code_map, names = _canonical_codes(raw_names)
    product = code_map[raw_code]
    desc, desc_names = _encode(table["Description"])
    quantity = table["Quantity"].to_numpy().astype(np.int64)
    price = table["UnitPrice"].to_numpy()
    day = pc.cast(table["InvoiceDate"], pa.date32()).to_numpy().astype(np.int64)
    cancelled = pc.starts_with(table["InvoiceNo"], "C").to_numpy()
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
    rows = np.flatnonzero(keep)
    stats = {
        "lines": table.num_rows,
        "cancellation_lines": int(cancelled.sum()),
        "cancellation_invoices": len(pc.unique(table["InvoiceNo"].filter(cancelled))),
        "non_goods_lines": int((valid & ~goods[product]).sum()),
        "non_goods_codes": int((~goods & np.isin(np.arange(len(names)), product[valid])).sum()),
        "merged_codes": len(raw_names) - len(names),
        "sale_lines": len(rows),
    }
    sales = _Sales(
        codes=[c for c, s in zip(names, sold, strict=True) if s],
        titles=[t for t, s in zip(titles, sold, strict=True) if s],
        line_product=renumber[product[rows]],
        line_rows=rows,
        quantity=quantity[rows],
        price=price[rows],
        day=day[rows],
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


def _products(s: _Sales) -> list[Product]:
    facts = _product_facts(s)
    products: list[Product] = []
    for i, (code, title) in enumerate(zip(s.codes, s.titles, strict=True)):
        first, last = _as_date(int(facts["first"][i])), _as_date(int(facts["last"][i]))
        units = int(facts["units"][i])
        products.append(
            Product(
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
        )
    return products


# -- users and orders ----------------------------------------------------------------------


def _customers(table: pa.Table) -> tuple[IntArray, IntArray, list[str]]:
    """Per row the customer id (-1 for guests) and country index, and the country names."""
    customer = table["CustomerID"].fill_null(-1).to_numpy().astype(np.int64)
    country, names = _encode(table["Country"])
    return customer, country, names


def _users(customer: IntArray, country: IntArray, countries: list[str]) -> dict[str, User]:
    """One user per customer id, living in the country most of their invoice lines name."""
    known = customer >= 0
    ids = np.unique(customer[known])
    home = _most_frequent(np.searchsorted(ids, customer[known]), country[known], len(ids))
    users: dict[str, User] = {}
    for cid, where in zip(ids.tolist(), home.tolist(), strict=True):
        user_id = str(cid)
        users[user_id] = User(
            user_id=user_id,
            name=Name(first_name="Customer", last_name=user_id),
            address=Address(country=countries[where] if where >= 0 else ""),
            email="",
        )
    return users


def _orders(
    table: pa.Table, s: _Sales, customer: IntArray, progress: Progress | None
) -> list[Order]:
    """One delivered order per invoice of a known customer, its items the goods sold."""
    line_customer = customer[s.line_rows]
    mine = np.flatnonzero(line_customer >= 0)
    invoice, invoice_names = _encode(table["InvoiceNo"])
    # Group lines by invoice (first-seen order, which is time order), keeping source order.
    order = mine[np.argsort(invoice[s.line_rows[mine]], kind="stable")]
    line_invoice = invoice[s.line_rows[order]]
    starts = np.flatnonzero(np.concatenate(([True], line_invoice[1:] != line_invoice[:-1])))
    ends = np.append(starts[1:], len(order))
    amounts = s.quantity[order] * s.price[order]
    totals: FloatArray = np.add.reduceat(amounts, starts) if len(order) else np.zeros(0)
    head_rows = pa.array(s.line_rows[order[starts]])
    created = table["InvoiceDate"].take(head_rows).to_pylist()
    where = table["Country"].take(head_rows).to_pylist()

    product = s.line_product[order].tolist()
    quantity = s.quantity[order].tolist()
    price = s.price[order].tolist()
    owners = line_customer[order[starts]].tolist()
    orders: list[Order] = []
    for n, (start, end) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        # One validation per order (items as plain dicts) is far cheaper than a model per line.
        items = [
            {
                "name": s.titles[product[k]],
                "product_id": s.codes[product[k]],
                "item_id": s.codes[product[k]],
                "price": price[k],
                "quantity": quantity[k],
            }
            for k in range(start, end)
        ]
        payment = {
            "transaction_type": "payment",
            "amount": round(float(totals[n]), 2),
            "payment_method_id": PAYMENT_METHOD,
        }
        orders.append(
            Order.model_validate(
                {
                    "order_id": invoice_names[int(line_invoice[start])],
                    "user_id": str(owners[n]),
                    "address": {"country": where[n] or ""},
                    "items": items,
                    "status": "delivered",
                    "payment_history": [payment],
                    "created_at": created[n],
                }
            )
        )
        if n % 5000 == 0:
            report(progress, "orders", n, len(starts))
    return orders


def _link(users: dict[str, User], orders: list[Order]) -> None:
    """List each user's orders on the user and give buyers the invoice payment method."""
    for order in orders:
        user = users[order.user_id]
        user.orders.append(order.order_id)
        if PAYMENT_METHOD not in user.payment_methods:
            user.payment_methods[PAYMENT_METHOD] = PaymentMethod(
                source=PAYMENT_METHOD, id=PAYMENT_METHOD
            )


# -- the loader ------------------------------------------------------------------------------


def load_online_retail(source_dir: Path, progress: Progress | None = None) -> LoadedDataset:
    """Read ``online_retail.parquet`` from ``source_dir`` and build the demo store."""
    report(progress, "read", 0, 1)
    table = _read(source_dir / SOURCE_FILE)
    report(progress, "read", 1, 1)
    with gc_paused():
        sales, stats = _sales(table)
        products = _products(sales)
        report(progress, "products", len(products), len(products))
        customer, country, countries = _customers(table)
        users = _users(customer, country, countries)
        report(progress, "users", len(users), len(users))
        orders = _orders(table, sales, customer, progress)
        report(progress, "orders", len(orders), len(orders))
        _link(users, orders)
    stats.update(products=len(products), users=len(users), orders=len(orders))
    log.info("online-retail loaded: %s", stats)
    info = StoreInfo(
        dataset=DATASET,
        currency=CURRENCY,
        loaded_at=datetime.now(UTC),
        products=len(products),
        users=len(users),
        orders=len(orders),
        attribution=ATTRIBUTION,
    )
    return LoadedDataset(info, products, list(users.values()), orders)
