"""Text rules for the titles of UCI Online Retail: casing, attributes and the kind of product.

The source describes each product in one all-caps line ("WHITE HANGING HEART T-LIGHT HOLDER").
These rules turn it into a readable title, find the colour, material and size words it names,
and pick the noun a shopper would use for the kind of product. The word lists were chosen by
reading the catalog's titles; nothing here knows about invoices or stock codes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence


def _lexicon(words: str) -> frozenset[str]:
    """A word list written as one whitespace-separated string."""
    return frozenset(words.split())


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
