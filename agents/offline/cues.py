"""The shopper's phrases the NLU listens for: sort orders, stock filters, intents, filler.

Each cue is a regular expression over normalised text. They are English, not catalog knowledge:
whether "red" or "mug" means something is the vocabulary's business.
"""

from __future__ import annotations

import re
from typing import Literal

Sort = Literal["relevance", "price_asc", "price_desc", "popularity"]


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# Comparatives ask to move away from what was shown; they are refinements, not sort orders.
CHEAPER = _re(
    r"\b(?:cheaper|less expensive|lower[- ]priced|lower prices?|more affordable|less pricey|"
    r"not so expensive|too expensive|too pricey|too much money|cost less|costs less)\b"
)
PRICIER = _re(
    r"\b(?:pricier|more expensive|higher[- ]end|higher[- ]priced|higher prices?|more premium|"
    r"fancier|too cheap|cost more|costs more)\b"
)

SORTS: list[tuple[Sort, re.Pattern[str]]] = [
    (
        "price_asc",
        _re(
            r"\b(?:not (?:too |very |so )?expensive|cheapest|cheap|cheaply|inexpensive|"
            r"affordable|least expensive|lowest[- ]price[ds]?|low[- ]price[ds]?|low[- ]cost|"
            r"bargains?|budget|price:? low to high|low to high|(?:sort|order)(?:ed)? by price|"
            r"by price|price ascending|ascending price|lowest(?: price)? first|"
            r"low(?:est)? to high(?:est)?)(?: first)?\b(?!:? (?:from )?high)"
        ),
    ),
    (
        "price_desc",
        _re(
            r"\b(?:most expensive|priciest|expensive|high[- ]end|premium|luxury|luxurious|"
            r"top[- ]end|highest[- ]price[ds]?|price:? high to low|high to low|"
            r"price descending|descending price|highest(?: price)? first|"
            r"high(?:est)? to low(?:est)?)(?: first)?\b"
        ),
    ),
    (
        "popularity",
        _re(
            r"\b(?:best[- ]?sell(?:ing|ers?)|top[- ]sell(?:ing|ers?)|most popular|popular|"
            r"bestsellers?|most bought|most sold|trending|top[- ]rated|favou?rites?|"
            r"(?:sell|sells|selling|sold) (?:the )?(?:most|best)|by popularity)(?: first)?\b"
        ),
    ),
    ("relevance", _re(r"\b(?:(?:sort(?:ed)? )?by relevance|most relevant|best match(?:es)?)\b")),
]

INCLUDE_OUT_OF_STOCK = _re(
    r"\b(?:includ(?:e|ing) (?:the )?(?:ones |items )?(?:that are )?out[- ]of[- ]stock|"
    r"even (?:if )?(?:it'?s |they'?re )?out[- ]of[- ]stock|(?:in stock )?or not)\b"
)
STOCK_PHRASE = _re(
    r"\b(?:in[- ]stock|available(?: now| today| to buy| right now)?|ready to ship|on hand|"
    r"not sold out|not out of stock|can (?:buy|order|get) (?:now|today|right now)|"
    # "only ones I can actually buy right now", "just the ones you can ship today"
    r"(?:ones|those|items|products|things|stuff) (?:that )?(?:i|we|you) can (?:actually |really )?"
    r"(?:buy|order|get|ship|have)"
    r"(?: (?:now|today|right now|at the moment))?(?=(?:\s+please)?\s*[?!.]*$))"
    r"|\b(?:can|could) (?:actually |really )?be (?:bought|ordered) (?:now|today|right now)\b"
    # held by the shop: "ones you actually have in", "what you've got in at the moment"; a
    # clause end follows, so "do you have in red" stays a colour
    r"|\b(?:you|u|ya|we)(?:'ve| have)? (?:actually |really |currently |still )?(?:have|got|carry) "
    r"in(?: (?:now|today|right now|at the moment|currently))?(?=\s*(?:[?!.,;]|$|please\b|"
    r"and\b|but\b|under\b|over\b|below\b|for\b))"
    # plenty of it held: "in numbers", "in good quantities", "on the shelves"
    r"|\bin (?:good |big |large |decent |real )?(?:numbers|quantity|quantities|volume)\b"
    r"|\bon (?:the |your )?shel(?:f|ves)\b"
)
STOCK_QUESTION = _re(
    r"\b(?:in[- ]stock|stock|available|availability|how many|any left|any remaining|left\b|"
    r"sold out|out of stock|inventory|can i (?:buy|get|order) (?:it|one|them|this|that)|"
    r"do you (?:still )?have (?:it|one|them|this|that|any)(?! (?:in|with)\b)|"
    r"do you (?:still )?(?:have|stock|sell) the\b)"
)
# The price asked beside the stock ("is the yellow one in stock and how much?"): the details
# answer gives both ("how much stock is left" asks the stock only).
PRICE_ASKED = _re(
    r"\bhow much\b(?! (?:stock|is left|are left|have you|do you have|do we have|left))"
    r"|\bprices?\b|\bcosts?\b|\bpriced\b"
)
# "do you sell the X": the product named, which may be asked about in an option ("in 4k").
SELL_THE = _re(r"\bdo you (?:still )?(?:have|stock|sell) the\b")

GREETING = _re(
    r"(?:^(?:yo|hiya|howdy|morning|evening|afternoon)\b|\b(?:hi|hello|hey|hullo|greetings|"
    r"good (?:morning|afternoon|evening|day)|how are you(?: doing)?(?: today)?|how's it going|"
    r"nice to meet you)\b)"
)
THANKS = _re(
    r"\b(?:thanks?(?: (?:a lot|so much|very much))?|thank you(?: (?:so|very) much)?|thx|ty|"
    r"cheers|ta|much appreciated|appreciate it)\b"
    # praise addressed to the assistant is thanks too ("cheers, you've been a star"): what it
    # is praised as is never a product wanted
    r"|\byou(?:'re| are|'ve been| have been)(?: (?:a|an|the|so|very|really|such a|an absolute|"
    r"absolute|a real|truly))* (?:star|superstar|gem|legend|lifesaver|life saver|angel|hero|"
    r"champ|best|great|brilliant|amazing|awesome|helpful|wonderful|fab|fabulous|diamond)\b"
    # or said of what it did ("that's really helped", "very helpful")
    r"|\b(?:that(?:'s| has| was)?|this(?:'s| has| was)?|it(?:'s| has| was)?) (?:really |so |very )?"
    r"(?:helped|helpful|useful)\b|\b(?:very|really|super|so) helpful\b"
)
BYE = _re(
    r"\b(?:bye|goodbye|good bye|bye bye|see you|see ya|farewell|that'?s all|that is all|"
    r"i'?m done|all done|nothing else|no thanks|no thank you|have a (?:good|nice|great) day|"
    r"take care|talk later|later|laters|cya|see ya|ttyl|ta[- ]?ra|ciao|toodles|speak soon|"
    r"catch you later|that'?s everything|that'?ll be all|that'?s (?:me|all) (?:sorted|done))\b"
)
# Acknowledgements end a turn only when nothing else is said ("great, thanks").
ACK_WORDS = frozenset(
    """ok okay k great perfect awesome nice cool lovely brilliant wonderful fantastic excellent
    good fine sure alright right yes yeah yep no nope gotcha understood noted super amazing
    helpful wow sounds""".split()  # noqa: SIM905 (a word list reads better as text)
)
HELP = _re(
    r"\b(?:help|what can you do|what do you do|how does (?:this|it) work|how do (?:i|you) use|"
    r"what can i (?:ask|say|do)|what (?:else |things |products |stuff |items |exactly )?"
    r"(?:do|can) you (?:sell|offer|stock|have|carry|"
    r"help with)|"
    r"what (?:kind|sort|type)s? of (?:things|products|stuff|items) (?:do|can)|"
    r"who are you|what are you|how can you help|what are my options|your capabilities|"
    r"what is this|menu)\b"
)
DETAILS = _re(
    r"\b(?:tell me (?:more|about|everything)|more (?:about|info|information|details)|"
    r"details?|describe|description|what'?s (?:it|that|this) like|what (?:is|are) (?:it|they) "
    r"like|made (?:of|from|out of)|what is it|what'?s it|specs?|specifications?|features|"
    r"dimensions|how big|measurements|what options|which options|any options|options|"
    r"variants|versions|come in|comes in|available in|"
    r"look at|let me see|show me (?:it|that|this)|i like|interested in|how much (?:is|does|are|"
    r"for)|what'?s the price|price of|cost of|info|information|about (?:it|that|this)|"
    # a bare "how much?" or "what do they cost?" asks the price of what is in view
    r"how much(?=\s*[?!.]*$)|what (?:do|does|did|would) (?:it|they|that|this|these|those|each) "
    # a price asked after the product named: "jumbo bag 50s christmas - price please"
    r"cost|(?:price|cost)(?=(?:\s+(?:please|thanks|then))?\s*[?!.]*$)|what'?s the cost|"
    # its product code: "what's the code for it", "item number of that one", "sku?"
    r"(?:product |item |stock |article )?(?:code|sku|item number|product number|ref(?:erence)?"
    r"(?: number)?)(?= (?:for|of|on) (?:it|that|this|the|them|those)\b|"
    r"(?:\s+please)?\s*[?!.]*$))\b"
)
# Which options a product is offered in ("which colours can I get it in?", "what sizes
# does it come in"): a question about its options, not its stock.
OPTION_QUESTION = _re(
    r"\b(?:which|what)\b.*\b(?:can (?:i|you|we) (?:get|buy|order|have)|comes? in|"
    r"available in|do you do|(?:is|are) (?:it|they|there) (?:made|offered|sold) in)\b"
)
# A design on the products just listed ("one with a dog on it?", "any with stars on them",
# "ones with lids"): it narrows that search, whatever category its words also name.
MOTIF = _re(
    r"\bwith (?:an? |some |the )?(?:[a-z'-]+ ){1,2}on (?:it|them|the front|top)\b"
    r"|\b(?:ones?|any) with\b"
)
# A price question ("how much are they?", "what do those cost?", "prices?").
PRICE_QUESTION = _re(r"\bhow much\b|\bprices?\b|\bcosts?\b|\bcosting\b|\bpriced\b")
SIMILAR = _re(
    r"\b(?:similar|more like|something like|anything like|things like|others like|"
    r"alternatives?|same kind|like (?:it|this|that|this one|that one))\b"
)
# "what goes with it", "what sells alongside the Party Bunting": bought-together questions.
TOGETHER = _re(
    r"\b(?:goes? (?:(?:well|nicely|really|very|so|great|best|lovely|perfectly) ){0,2}with|"
    r"go(?:es)? together|pairs? (?:(?:well|nicely|really|great|best|perfectly) ){0,2}with|"
    r"to go with|would go (?:\w+ ){0,2}with|"
    # "anything that matches it?", "something to match" (not "does it match the photo")
    r"(?:that|which|to) match(?:es)?(?: (?:it|this|that|them|this one|that one))?(?=\s*[?.!,]|$)|"
    # "whats it go with", "what do they go well with" (not "I'll go with the red one")
    r"(?:it|they|this|that|these|those|this one|that one) go (?:(?:well|nicely|best) )?with|"
    r"(?:bought|buy|buys|sold|sells?|go|goes|used) (?:\w+ )?(?:together|alongside)|alongside|"
    r"also bought|also buy|complete the (?:set|look)|matching|"
    r"what else (?:do|did|would) (?:people|customers|shoppers|they|folks) (?:\w+ )?(?:buy|get|"
    r"order|purchase|pick up|add)|"
    r"(?:people|customers|shoppers|folks|those|anyone|everyone) (?:who|that) (?:\w+ )?"
    r"(?:bought|ordered|purchased|got|buy|order)\b(?=.*\b(?:else|also|too|as well)\b)|"
    r"(?:people|customers|shoppers|folks|others|everyone) (?:\w+ ){0,3}(?:buy|get|order|pick up|"
    r"pair) (?:along |together )?with|bought (?:along )?with|"
    # "what sells with X", "what's selling well with it", "what sold best with the bunting"
    # (not "is it sold with a lid", which asks what comes in the box)
    r"(?:sells?|selling|moves?|moving) (?:(?:well|best|most|nicely|together) )?with|"
    r"sold (?:well|best|most|together) with)\b"
)
# "add it to my basket", "my cart": the shopping cart; "a wicker basket" alone is a product.
ORDER = _re(
    r"\b(?:add (?:it |this |that |them |one |the \w+ (?:one )?)?to (?:my |the )?(?:cart|basket|"
    r"bag|trolley|order)|(?:shopping|my|your|our) (?:cart|basket)|"
    r"(?:view|empty|clear|open|see|check) (?:the |my )?(?:cart|basket)|checkout|check out|"
    r"(?:buy|purchase) (?:it|this|that|them|one|this one|that one|the)|"
    r"order (?:it|this|that|them|one|this one|that one|the)(?! by\b)(?! [\w-]+ by\b)|"
    r"i'?ll take|i will take|place (?:an|the|my) order|pay for)\b"
)
MORE = _re(
    r"\b(?:more|next|the rest|others|other ones|what else|anything else|any others|additional|"
    r"another page|keep going|continue|further|something (?:else|different)|"
    r"other (?:ideas|suggestions)|(?:some )?different (?:ones|items|things|products|options|"
    r"designs|styles|picks)|"
    r"not (?:those|these|them|the (?:ones?|items|things|products) (?:(?:you|u) )?(?:(?:just|"
    r"already) )?(?:showed|listed|shown|suggested|sent|gave)))\b"
)
# "what kinds of products do you sell?", "what does the shop stock?": the catalog's main
# kinds, not the assistant's help text (HELP reads these too, so this is asked first).
CATALOG_OVERVIEW = _re(
    r"\bwhat (?:else |things |products |stuff |items |goods |exactly )?(?:do|can) (?:you|u) "
    r"(?:sell|stock|carry|have in stock)\b"
    r"|\bwhat (?:kind|sort|type|range)s? of (?:things|products|stuff|items|goods|lines) "
    r"(?:(?:do|does|can) (?:you|u|the shop|the store|your shop|your store) (?:\w+ )?"
    r"(?:sell|stock|carry|have|do)|(?:are|is) (?:sold|for sale|in stock|available))\b"
    r"|\bwhat (?:does|do) (?:the|this|your) (?:shop|store|site) (?:sell|stock|carry|have)\b"
    r"|\bwhat(?:'s| is) in (?:the|your) (?:catalog|catalogue|range)\b"
    r"|\bwhat (?:product )?(?:categories|ranges|departments) (?:do you|are there|have you)\b"
)
# "something else, not those": other things than the ones listed, not more of them.
SOMETHING_ELSE = _re(
    r"\b(?:(?:something|anything) (?:else|different)|other (?:ideas|suggestions)|"
    r"not (?:those|these|them))\b"
)
# "forget the budget", "ignore my price limit": the price filter dropped, said before the
# price reader takes "budget" for a cheap sort.
PRICE_CLEAR = _re(
    r"\b(?:forget|ignore|drop|scrap|remove|never ?mind|don'?t (?:care about|worry about)|no)"
    r" (?:about )?(?:the |my |that |a |any )?(?:budget|price(?: limit| cap| range)?|"
    r"spending limit|max(?:imum)? price)\b"
)
# "a bigger one", "anything smaller?": another size of the kind shown.
SIZE_UP = _re(r"\b(?:bigger|larger|a size up|biggest|largest)\b")
SIZE_DOWN = _re(r"\b(?:smaller|tinier|a size down|smallest|more compact)\b")
# Markers that new words narrow the last search ("only the 3 tier ones") or replace part of it
# ("anything with pink polkadots instead?") rather than start a new one.
NARROWING = _re(r"\b(?:only|just|of (?:those|them|these)|those|these|them|ones|one|any of)\b")
# Discourse markers: how a message sets out (a change of mind, an aside, an apology), never
# part of what is asked for ("never mind, show me doorstops instead").
DISCOURSE = _re(
    r"\b(?:never ?mind|forget (?:it|that|about (?:it|that))|scratch that|on second thoughts?|"
    r"no wait|by the way|btw|tho|though|sorry|my bad|oops)\b"
)
# Interjections: a sound of feeling, never a product ("ugh not pink ones", "meh, blue?",
# "hmmm", "argh"). Letters a writer stretches ("ughhh", "mehhh") are allowed for; a word the
# catalog itself uses ("ooh" in a title) is kept by the reader, which checks the vocabulary.
INTERJECTION = _re(
    r"(?<![\w'-])(?:u+g+h+|u+r+g+h+|a+r+g+h+|g+r+r+|m+e+h+|h+m+|e+r+m+|u+m+|u+h+|o+h+|a+h+|"
    r"o+o+h+|a+w+|e+w+|e+e+k+|y+u+c+k+|y+i+k+e+s+|b+l+e+u*r*g+h+|b+l+a+h+|p+h+e+w+|w+h+o+o*p+s+|"
    r"o+o+p+s+|d+a+r+n+|d+a+n+g+|g+a+h+|b+a+h+|p+f+t+|p+f+f+t*|p+s+h+a*w*|t+s+k+|n+a+h+|w+o+w+|"
    r"j+e+e+z+|g+e+e+z+|g+o+s+h+|g+o+l+l+y+|c+r+i+k+e+y+|b+l+i+m+e+y+|y+a+y+|w+o+o+h+o+o+|"
    r"h+u+r+r+a+y+|a+l+a+s+|a+h+e+m+|s+i+g+h+|o+m+g+|l+o+l+|l+m+a+o+|r+o+f+l+|(?:h+a+){2,}h*|"
    r"(?:h+e+){2,}h*|d+u+h+|h+u+h+|e+h+|b+o+o+|w+h+e+w+)(?![\w'-])"
)
REPLACING = _re(r"\b(?:instead|rather|what about|how about|anything with|any with)\b")
# "what is it made of" asks for the material.
MADE_OF = _re(r"\bmade (?:of|from|out of)\b|\bwhat(?:'s| is) it made\b")
# "a water bottle made of glass", "any yoga mats in stock": a kind of product, not one product.
# "got any left?", "any more in stock?": how many of the product named, not any product.
ANY_LEFT = _re(r"\bany (?:more )?(?=left\b|remaining\b|in stock\b)")
INDEFINITE = _re(r"\b(?:a|an|any|some)\b")
# Why a question about a product is asked, after it: "what's its price, so I can put it in the
# copy", "how many are left? need it for the report". Its words name no product wanted.
PURPOSE = _re(
    r"[,;.!?]?\s*\b(?:so(?: that)?|in order (?:to|that)|because|cos|as|since) (?:i|we|i'?ll|"
    r"we'?ll|i'?m|we'?re)\b.*$|[,;.!?]\s*(?:i |we )?(?:need|want) (?:it|this|that|them) "
    r"(?:for|to)\b.*$"
)
# A pointer to one product already in play: "it", "its", "this one", "that".
POINTER = _re(r"\b(?:it|its|it'?s|this|that|them|they|their|these|those)\b")
DEFINITE_ONE = _re(
    r"(?:\bthe |^(?!(?:any|a|an|some|which|what|another|other|no) ))(?:[a-z0-9'-]+ ){1,4}one\b"
)  # "the skull one", "skull one?"
# "the cheapest thing you sell": the whole catalog, not the last search.
WHOLE_CATALOG = _re(
    r"\b(?:(?:thing|things|item|items|product|products|anything|everything|stuff)"
    r"(?: (?:that |which )?(?:you|u) (?:sell|have|stock|carry|offer)| in (?:the|your) "
    r"(?:shop|store|catalog|catalogue))|of everything|overall|in the whole (?:shop|store))\b"
)
FIRST_N = _re(r"\b(?:the )?(?P<end>first|last|top) (?P<n>two|three|four|five|2|3|4|5)\b")
# Moving between topics already seen ("ok go back to the mugs", "switch to candles"): the
# products named after it are the request.
BACK_TO = _re(
    r"\b(?:(?:let'?s |can we |could we |ok(?:ay)? )?(?:go|going|get|come|head|switch|jump|swap)"
    r" (?:back )?to|back to|return to)\b(?= (?:the |those |them |some |any )?[a-z])"
)
RESET = _re(r"\b(?:start (?:over|again)|new search|reset|clear (?:the )?filters)\b")
# "any colour", "forget the price", "without the size filter": the words after it name what to drop.
CLEAR = _re(
    r"\b(?:any |whatever |forget (?:about )?(?:the )?|don'?t care about (?:the )?|ignore (?:the )?|"
    r"without (?:the |a |any )?|drop (?:the )?|remove (?:the )?|no )(?=[a-z])"
)
# After "any" / "whatever" a name only drops its filter at the end of a clause ("any colour is
# fine"); "any waterproof ones" asks for the option instead.
CLEAR_TAIL = frozenset(
    {"", "is", "fine", "ok", "okay", "will", "would", "works", "please", "really"}
)
CLEARABLE_WORDS = frozenset({"price", "prices", "budget", "filters", "filter", "category", "brand"})

OUT_OF_SCOPE: list[tuple[str, re.Pattern[str]]] = [
    ("changing how I work", _re(r"\b(?:(?:ignore|disregard|forget) (?:all |any )?"
                                r"(?:the |your |my )?(?:previous |prior |above |earlier )?"
                                r"(?:instructions|rules|prompt)|system prompt|your prompt|"
                                r"jailbreak|developer mode|you are now|"
                                r"pretend (?:to be|you are))\b")),
    ("the weather", _re(r"\b(?:weather (?:in|like|today|tomorrow|forecast|be)|(?:what|how)'?s "
                        r"the weather|(?:what|how) is the weather|forecast for|temperature "
                        r"outside|is it (?:going to )?rain(?:ing)?|will it (?:rain|snow)|"
                        r"sunny today)\b")),
    ("jokes", _re(r"\b(?:jokes?|make me laugh|riddles?|something funny)\b")),
    ("politics", _re(r"\b(?:politics?|political|elections?|vote|voting|president|prime minister|"
                     r"government|parliament|democrats?|republicans?|brexit|politicians?)\b")),
    # ("what's the code for it" asks for a product's code: a details question)
    ("programming", _re(r"\b(?:code(?! (?:for|of|on) (?:it|that|this|the|them|those)\b)"
                        r"(?!(?:\s+please)?\s*[?!.]*$)|coding|program(?:ming)?|python|javascript|java|sql|html|"
                        r"css|algorithm|debug|compiler?|software|script|api)\b")),
    ("medical questions", _re(r"\b(?:medical|medicine|doctor|symptoms?|diagnos\w*|disease|"
                              r"illness|prescription|headache|treatment|dosage|pregnan\w*|"
                              r"covid|virus|fever|sick|injury)\b")),
    ("legal or financial advice", _re(r"\b(?:lawyer|legal advice|lawsuit|sue|invest(?:ing|ment)?"
                                      r"|stock market|shares|crypto\w*|bitcoin|taxes|mortgage|"
                                      r"loan)\b")),
    ("delivery, returns or your orders", _re(r"\b(?:deliver|delivery|shipping|ship to|postage|"
                                              r"returns?|refunds?|track(?:ing)? my|my order|"
                                              r"exchange)\b")),
    ("general knowledge", _re(r"\b(?:news|football|soccer|cricket|who won|capital of|history of|"
                              r"homework|essay|poem|translate|recipe|meaning of life|"
                              r"population of|equation|solve|your opinion|what time is it|"
                              r"what day is it)\b")),
]  # fmt: skip

# Plain shopping requests: with one of these, a product kind outweighs an off-topic word.
SHOPPING = _re(
    r"\b(?:do you (?:have|sell|stock|carry)|have you got|got any|looking for|look for|show me|"
    r"find|search|want|need|buy|shopping for|i'?d like|i would like|any)\b"
)

# Nouns that say why, not what: a gift can be any product, so they never become a category.
GENERIC_KINDS = frozenset({"gift", "gifts", "present", "presents", "idea", "ideas", "treat"})

ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5,
    "6th": 6, "7th": 7, "8th": 8, "9th": 9, "10th": 10, "one": 1, "two": 2, "three": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
ORDINAL = _re(
    # "my mum's 60th", "their 7th birthday": an age or an anniversary, not a list position
    # "their first house", "for the first time", "her first term": a first in someone's life
    r"\b(?<!'s )(?<!my )(?<!our )(?<!her )(?<!his )(?<!their )(?<!your )"
    r"(?:(?:the )?(?P<w>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|"
    r"tenth|\d{1,2}(?:st|nd|rd|th))(?! (?:show|tell|let|give|can|could|i|we|please|birthday|"
    r"anniversary|party|wedding|time|times|home|house|flat|apartment|job|baby|child|term|"
    r"year|week|day|date|christmas|holiday|car|grandchild)\b)"
    r"(?: (?:one|item|product|result|option|choice))?"
    r"|(?:the )?(?P<last>last|final|bottom) (?:one|item|product|result|option)"
    r"|the (?P<last2>last)\b"
    r"|(?:the )?(?P<top>top) (?:one|item|product|result|option|choice)"
    r"|(?:number|no\.?|num|item|option|result|product|choice)\s*#?\s*(?P<n>\d{1,3}|one|two|"
    r"three|four|five|six|seven|eight|nine|ten))\b"
    r"|#\s?(?P<h>\d{1,3})\b"
)
# "1 and 3", "2 & 4": bare numbers, only after a comparing or details cue.
NUMBER_LIST = _re(r"\b(?P<a>\d{1,2})(?:\s*(?:,|and|&|vs\.?|versus)\s*(?P<b>\d{1,2}))+\b")
COMPARE = _re(
    r"\b(?:compare|comparison|difference between|vs\.?|versus|which is better|torn between|"
    r"(?:choose|choosing|decide|deciding|pick|picking|stuck) between|can'?t decide between|"
    r"which (?:one )?(?:should i|would you|do i) (?:get|buy|pick|choose|go for))\b"
)
PRODUCT_ID = _re(r"^\d{5,}[a-z]{0,2}$")

# Words that carry no product need. Kept apart from the cues so the free text stays clean.
STOPWORDS = frozenset(
    """a an the some any of for with without in on at to from by about into onto and or but nor
    not no so very too also just only really quite pretty maybe perhaps please pls plz kindly
    i i'm im i'd i'll i've me my mine myself we us our you your yours it its it's they them
    their this that these those there here what which who whom whose where when why how
    is are was were be been being am do does did doing have has had having can could would
    should will shall may might must want wanted wants need needs needed like would'd
    looking look looks find finding search searching show showing see seeing get getting got
    give gimme let lets let's know tell bring buy buying purchase order ordering
    something anything everything stuff thing things item items product products one ones
    kind kinds sort sorts type types instead rather actually again else other another different
    same all both either each every few many much more most less least lot lots
    today tonight now currently right still already ever good nice great ok okay hi hello hey
    thanks thank cheers yes yeah yep nope sure well oh ah um uh hmm hm then than
    available stock price prices priced cost costs costing pound pounds quid dollars bucks
    around over under between above below up down off out per each
    got gotta gonna wanna recommend recommendation recommendations suggest suggestion
    suggestions option options choice choices result results range selection
    sell sells selling offer offers carry carries stocked shop store catalog catalogue
    list page next rest others else further continue additional choose chose pick select
    what's whats that's thats there's theres here's it's let's who's how's where's i'll
    you've you're we're they're isn't aren't don't doesn't didn't can't won't wouldn't
    after keep keeps she he her him his hers likes loves liked wants email e-mail contact
    address works work working bit little tad hmm hmmm erm er kinda sorta
    demand sales forecast forecasts forecasting reorder restock blurb seo copywriting
    u ur ya yall we've as well say ideally preferably hopefully basically asap
    if possible possibly normal ordinary idea ideas she's he's
    even slightly somewhat considerably marginally fractionally noticeably""".split()  # noqa: SIM905 (a word list reads better as text)
)
