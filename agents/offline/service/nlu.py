"""Reading one customer-service message: the request, the ids and details it gives.

Customer service is about the customer's own records, so the vocabulary is small and fixed:
what to do (status, cancel, return, exchange, change an address, a human agent), which order
(an id such as #W6067464, or "the second one"), which items and options (words matched later
against the order's items and the product's variants), how to pay or be refunded, why a
cancellation, a new address, and who the customer is (an e-mail, or a name and a zip code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from agents.offline.text import normalize, tokens

ServiceIntent = Literal[
    "status",
    "cancel",
    "return",
    "exchange",
    "address",
    "transfer",
    "payment",
    "methods",
    "paid",
    "refunded",
    "balance",
    "profile",
    "damaged",
]
PaymentKind = Literal["gift_card", "credit_card", "paypal", "original", "id"]


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Most specific first: "return it and get a refund" is a return, "exchange" beats "status".
INTENTS: tuple[tuple[ServiceIntent, re.Pattern[str]], ...] = (
    (
        "transfer",
        _re(
            r"\b(?:human|real person|(?:live|customer service|support) agent|"
            r"an agent|representative|supervisor|manager|operator|someone real|"
            # "talk to somebody at the company", "speak with a member of staff"
            r"(?:get hold of|reach|contact) (?:somebody|someone|a person) (?:at|from|in) "
            r"(?:your|the) (?:company|shop|store|team|office)|"
            r"(?:talk|speak|chat) (?:to|with) (?:somebody|someone|a person|a member of staff|"
            r"(?:a |your )?staff|(?:one of )?your (?:people|team|colleagues))|"
            # "I need someone to look into it": a person asked for by what they are to do
            # (not "what do you get someone who has everything?", a gift question)
            r"(?:need|want) (?:somebody|someone|a person) to (?:look|sort|check|fix|deal|call|"
            r"contact|ring|get back|help me with (?:my|this|the) (?:order|account|payment|bill))|"
            # a billing fault no tool here can put right: a person has to look into it
            r"(?:charged|billed) (?:me )?(?:twice|two times|double|three times)|"
            r"double[- ]?(?:charged|billed)|overcharged|"
            r"(?:unauthori[sz]ed|fraudulent|duplicate|double) (?:charge|payment|transaction)s?)\b"
        ),
    ),
    # "which payment methods do you have on file for me?": the account's own methods listed
    (
        "methods",
        _re(
            r"\b(?:payment (?:methods?|options?|cards?)|cards?|methods? of payment)\b[^.?!]*"
            r"\b(?:on file|saved|stored|on (?:my|the) account|registered|for me|i have|have i)\b"
            r"|\b(?:my|saved|stored) (?:payment (?:methods?|options?|details)|cards)\b"
        ),
    ),
    # Questions about the customer's own records, answered from them: what they paid ("how
    # much did I pay for the helmet?", "what was my order's total?"), what is left on a gift
    # card, where orders go by default.
    (
        "balance",
        _re(
            r"\bbalance\b|\bgift ?cards?\b[^.?!]*\b(?:left|remaining|worth)\b|"
            r"\b(?:left|remaining)\b[^.?!]*\bgift ?cards?\b|"
            # "how much is on the gift card?", "what's on my giftcard"
            r"\b(?:how much|what)(?:'?s| is| do i have)(?: still)? (?:left )?on "
            r"(?:the|my|that|this|our) gift ?cards?\b|"
            r"\b(?:how much|any|is there|what)\b[^.?!]{0,25}\b(?:money|credit|funds|value)\b"
            r"[^.?!]*\bgift ?cards?\b|\bgift ?cards?\b[^.?!]*\b(?:have|has|got)\b[^.?!]{0,20}"
            r"\b(?:money|credit|funds|on it|left)\b"
        ),
    ),
    (
        "paid",
        _re(
            r"\b(?:how much (?:(?:did|do|have|had) )?(?:i|we) (?:pay|paid|spend|spent)|"
            r"what (?:did )?(?:i|we) (?:pay|paid|spend|spent)\b(?! with)|"
            r"how much (?:was|were|did) (?:my|it|that|they|those)\b"
            r"(?! (?:cost|be)\b(?! me))|how much (?:it|that|they) cost me|"
            r"(?:what|how much) (?:was|is|were) (?:the|my|its|that|this) (?:\w+ )?(?:order'?s? )?"
            r"(?:total|cost|amount|charge)|(?:order|purchase)'?s? total|(?:charged|cost) me|"
            r"how much (?:was|were|did) (?:i|we) (?:get )?charged|"
            # "what did the skateboard order cost in total?": what a past order came to
            # (a lookahead: the order's words are left to name it)
            r"what did (?=(?:the|my|that|this|our) (?:[\w-]+ ){0,3}(?:order|purchase) cost\b))"
        ),
    ),
    (
        "profile",
        _re(
            r"\b(?:(?:what|which|where)(?:'?s| is)?|tell me|show me|confirm|check)\b[^.?!]{0,30}?"
            r"\b(?:default|home|saved|current|registered|usual|account'?s?) (?:shipping |delivery |"
            r"home |billing )?address|\bwhere (?:do|will|does|would|did) [^.?!]{0,40}?\b"
            r"(?:ship|send|deliver|go|mail|post)\w*\b[^.?!]{0,30}?\b(?:by default|normally|usually|"
            r"as standard|"
            r"default)\b|\baddress (?:do you have |have you got |is )?(?:on file|on (?:my|the) "
            r"account|on record|for me)\b|"
            # "is my default address still the one on Elm St?": a question about it
            r"\b(?:is|was) (?:my|the|our) (?:default|home|saved|registered|usual|account'?s?|"
            r"profile) (?:shipping |delivery |home |billing )?address (?:still|the same|set to|"
            r"correct|right|up to date)\b"
        ),
    ),
    # "switch the payment on my pending order to my mastercard": an order's payment changed
    (
        "payment",
        _re(
            r"\b(?:switch|change|swap|update|move|modify)\w* (?:the |its |my |our |this order's )?"
            r"(?:payment|method of payment)(?: method)?\b(?! methods? (?:on file|saved))|"
            # "can I pay for order #W… with paypal instead of my card?"
            # ("pay order W… with my visa": the "for" may go unsaid)
            r"\bpay(?:ing)? (?:for )?(?:(?:the|this|that|my) )?(?:pending )?order\s*"
            r"(?:with|by|using|via|through)\b(?![^.?!]*\bdifference\b)"
        ),
    ),
    (
        "exchange",
        _re(
            r"\b(?:exchange\w*|swap\w*|switch\w*|replac\w+|trade (?:it|them) in|"
            r"different|change (?:the |its )?(?:size|colou?r|option|model)|"
            # "it's too small, I want the XL instead": the wrong size, another one wanted
            r"(?:too (?:small|big|large|tight|loose|short|long)|(?:doesn'?t|don'?t|didn'?t) fit|"
            # (the wish may follow in the next sentence: "it's too big. can I get a medium?")
            r"wrong size)(?=[^?!]{0,80}?\b(?:instead|want|need|prefer|rather|bigger|smaller|"
            r"larger)\b)(?![^?!]{0,80}?\b(?:return|refund|money back|send (?:it|them) back)\w*)|"
            # "I'd prefer it in grey", "rather have them in a medium"
            r"(?:prefer|rather have|rather get|like|want|get)(?= (?:it|them|one|this|that|those|"
            r"(?:the|my) (?!money|refund)[\w-]+(?: [\w-]+)?)[^.?!]{0,30}? "
            r"in (?:an? )?(?!(?:the|my|time|stock|store|full|cash)\b)\w)|"
            # "change the keyboard to the RGB one", "the headphones changed to the in-ear ones"
            # (a lookahead: the item's words are left to name it)
            r"chang\w* (?!(?:(?:the|my|its|that|this) )?(?:(?:shipping |delivery |billing )?"
            r"address|payment|card|method|order|it\b|them\b))(?=(?:the |my |its |that |this )?"
            r"[\w-]+(?: [\w-]+)? (?:to|for|into) "
            r"(?:the|a|an)\b)|(?<!address )(?<!payment )changed (?:to|for|into) (?:the|a|an)\b|"
            # "change the running shoes in my pending order to the white ones": the item,
            # then where it is, then what it becomes
            r"chang\w* (?!(?:(?:the|my|that|this) )?(?:(?:shipping |delivery |billing )?address|"
            r"payment|card|method)\b)(?=(?:the |my |that |this )?[\w-]+(?: [\w-]+)? "
            r"(?:in|from|on|of) (?:my|the|this|that|our) (?:[\w-]+ )?order (?:to|for|into) "
            r"(?:the|a|an)\b)|"
            # "the bottle is green, I wanted black", "got the M but asked for the L"
            # "I received the wrong colour", "they sent me the wrong size"
            r"(?:received|got|sent (?:me|us)|came in|arrived in) (?:the |a |an )?wrong "
            r"(?:size|colou?r|model|version)|"
            # "change the items in my pending order"
            r"(?:chang|modif)\w* (?:the |some |an? |one of the )?items?\b|"
            r"(?:is|are|was|were|came|arrived|got|received)\b[^.?!]{0,30}?[,;]?\s*(?:but |and )?"
            r"(?:i|we) (?:wanted|asked for|ordered|chose|picked|selected)(?= (?!it\b|them\b|this\b|"
            r"that\b|for\b|one\b|(?:the |a )?wrong\b)(?:an? |the )?[\w-]+(?: [\w-]+)?\s*"
            r"(?:[.,;!]|$|instead|not\b)))"
        ),
    ),
    # "the speaker has to go back", "take the lamp back": an item the customer gives back
    (
        "return",
        _re(
            r"\b(?:return(?:ing|ed)?|(?:send|ship|mail|post|take|bring|give)\w*(?= (?:\w+ ){0,3}"
            r"back\b)|(?:has|have|needs?|wants?|is going|are going|got) to (?:go|be sent) back|"
            # "can I get my money back for the blender?"
            r"(?:get|want|have|need) (?:my |our |the )?money back)\b"
        ),
    ),
    (
        "cancel",
        _re(
            r"\bcancel(?:l?ed|l?ing|lation)?\b|"
            # "remove the lamp from my order": part of it cancelled (said to be whole-only)
            r"\b(?:remove|take|delete|drop)\b(?=[^.?!]{0,40}\b(?:from|off|out of) "
            r"(?:my |the |this |that )?(?:order|#?W\d))"
        ),
    ),
    (
        "address",
        _re(
            r"\baddress\b|\b(?:ship|send|deliver) (?:it |them |the order )?to\b|"
            r"\b(?:moved|relocated|moving house)\b|\b(?:sent|delivered|go|come|shipped) to "
            r"(?:my|the|our) new (?:place|flat|home|house|apartment|apt)\b|"
            # "change where my order is going", "send it somewhere else"
            r"\bchang\w* where (?:my|the|it|this|that)\b[^.?!]{0,25}?\b(?:is going|goes|ships|"
            r"is shipped|is being sent|gets delivered|is delivered)\b|\b(?:send|ship|deliver|go|"
            r"redirect)\w*\b[^.?!]{0,20}?\bsomewhere else\b"
        ),
    ),
    (
        "status",
        _re(
            r"\b(?:status|where(?:'?s| is) (?:my|the)|track(?:ing)?|shipped|arriv\w*|"
            # "has the parcel left the warehouse?", "is it out for delivery yet?"
            r"left (?:the |your )?(?:warehouse|depot|building)|out for delivery|been sent|"
            # "did my kettle order go through?", "has it been placed?": was it placed at all
            r"(?:go|gone|went|get|got|been) (?:through|placed|processed)|"
            r"deliver(?:ed|y)|when will|order details|check (?:on )?(?:my |an |the )?"
            r"(?:last |latest |recent |most recent |new )?orders?|look up|"
            r"what did i (?:order|buy|get|purchase)|my orders|an order|dispatch\w*|"
            # "when did that one ship?", "when will the tent get here?"
            # (the words between stay: they may name the item, "the tent")
            r"when (?:did|does|will|do|is|was|would) (?=[\w' -]{0,30}?\b(?:getting here|arriving|"
            r"ship|dispatch|arrive|"
            r"come|get here|be delivered|go out|turn up|show up))|"
            r"(?:what'?s|what is|what has|what) (?:happening|going on|happened) (?:with|to)|"
            r"what orders (?:have|do|did) (?:i|we)|orders? (?:have|do) i have|"
            r"(?:any )?(?:news|update) (?:on|about)|"
            # "when is my e-reader coming?", "is my kettle on its way?"
            # (a look-ahead where the words between name the item: they stay item words)
            r"when(?: is| are|'?s| will) (?:my|our)|(?:is|are)(?= (?:my|our) [^.?!]{1,40}? "
            r"(?:coming|due|on (?:its|their|the) way))|"
            # "did my lamp order ship yet", "did the headphones I bought get sent out", "how's my
            # laptop order doing", "wot happened to my kettle order", "I never got my skateboard"
            r"(?:did|has|have|was|were|is)(?= (?:my|our|the|it|they)\b[^.?!]{0,40}?\b(?:ship|"
            r"dispatch\w*|(?:get|got|been|be) (?:sent|posted|mailed)|sent out|go out|"
            r"gone out)\b)|how'?s(?= (?:my|our|the) [^.?!]{0,40}?\border)|"
            r"(?:wot|wat|what'?s?) (?:happened|happening|going on) (?:with|to)|"
            r"check(?: on)?(?= (?:my|our|the) [^.?!]{0,30}?\border)|"
            r"(?:never|still not|still haven'?t|haven'?t|didn'?t|did not) (?:got|get|received?|"
            r"arrived?|come)|(?:hasn'?t|has not|haven'?t|have not) (?:arrived|come|turned up|"
            r"shown up)|"
            r"what(?:'s| is| was) in (?:my|the|that) (?:\w+ )?order|"
            # "what's in it?", "which items are in that one": the order just discussed
            r"what(?:'s| is| was| were) in (?:it|there|that one|this one|the (?:first|second|"
            r"third|fourth|fifth|last|1st|2nd|3rd|4th|5th) (?:one|order))|"
            r"(?:what|which) (?:items|things|products) (?:are|were|was|is|did i (?:get|order)) "
            r"in (?:it|there|that one|this one))\b"
        ),
    ),
)
# "was my order cancelled?", "has the kettle been returned?": a question about what happened,
# not a request to do it.
DONE_QUESTION = _re(
    r"^\W*(?:\w+[,!]?\s+)?(?:was|were|is|has|have|did)\b[^?]*\b(?:cancell?ed|returned|"
    r"exchanged|refunded)\b"
)
# "what address is my skateboard order going to?": where an order ships, asked, not changed.
ADDRESS_QUESTION = _re(
    r"\b(?:what|which) address (?:is|was|will|does|did)\b(?![\s\S]*\b(?:change|update|switch|"
    r"instead)\b)|\bwhere (?:is|was|will|does) [^.?!]{0,30}?\b(?:going|being sent|being shipped|"
    r"ship(?:ping)?|sent|delivered) to\b(?![\s\S]*\b(?:change|update|switch|instead)\b)"
)
# "did I get my money back?", "have I been refunded yet?", "where's my refund?": whether a
# refund was made, answered from the order's payment history (not a request for one).
REFUNDED_QUESTION = _re(
    r"\b(?:did|have|has|had|was|were)\s+(?:i|we|you|it|they|that|this|order|(?:the|my|that|this)"
    r"\s+\w+(?:\s+\w+)?)\b[^.?!]{0,25}?\b(?:money back|refund(?:ed|s)?|reimburs\w*|credited|"
    r"paid back)\b|"
    # "when will I see my refund for it?" (not "when do I get a refund if I cancel?")
    r"\bwhen (?:will|do|does|would|should|can|am)\b(?![^.?!]*\bif\b)[^.?!]{0,25}?\b(?:refund|"
    r"money back)\b|"
    r"\bwhere(?:'?s| is| are)\b[^.?!]{0,15}?\b(?:refund|money)\b|"
    r"\b(?:refund|money)\b[^.?!]{0,40}?\b(?:gone|come|went|came|been) (?:through|back|in)\b|"
    r"\b(?:got|received|seen) (?:my|the|a|any) (?:money back|refund)\b[^.]*\?"
)
# "can that one be cancelled?", "is it too late to return it?": whether a change is possible,
# asked before (or instead of) asking for it; answered from the order's status, not proposed.
ASKS_POSSIBLE = _re(
    r"\b(?:can|could|may)\b(?! (?:i|we|you)\b)[^.?!]{0,30}?\bbe (?:still )?(?:cancell?ed|returned|"
    r"exchanged|changed|modified|swapped|re-?addressed|redirected|sent back|taken back)\b|"
    r"\b(?:is|would) (?:it|that|this) (?:still )?(?:possible|too late|allowed) (?:for me )?to "
    r"(?:still )?(?:cancel|return|exchange|change|modify|swap)\b|"
    r"\b(?:is|are)\s+(?:it|that|this|they|those|these|order|that one|this one|"
    r"(?:the|my|that|this)(?:\s+[\w-]+){1,4})\s+(?:still\s+)?(?:cancell?able|returnable|"
    r"exchangeable)\b|"
    r"\bam i (?:still )?(?:able|allowed) to (?:cancel|return|exchange)\b"
)
# "what do my two pending orders come to?", "across all my orders": several of the customer's
# orders at once, not one.
SEVERAL_ORDERS = _re(
    r"\b(?:all|both|each|every|two|three|four|these|those|the|my)\s+(?:of\s+)?(?:my\s+)?"
    r"(?:\w+\s+)?orders\b"
)
# "cancel just the sunglasses", "only the lamp", "remove the kettle from my order": part of an
# order, not all of it.
ONLY_SOME = _re(
    r"\b(?:just|only)\s+(?:the|my|that|this|one|those|these)\b(?!\s+order)|"
    r"\b(?:remove|take|delete|drop)\b[^.?!]{0,40}\b(?:from|off|out of)\b"
)
_POSSIBLE_VERBS: tuple[tuple[str, ServiceIntent], ...] = (
    ("cancel", "cancel"), ("return", "return"), ("exchange", "exchange"), ("swap", "exchange"),
    ("back", "return"),
)  # fmt: skip
# "what do they come to altogether?", "the total of both": a sum over several orders.
ASKS_TOTAL = _re(
    r"\b(?:altogether|all together|in total|combined|together|add up|adds up|added up|"
    r"come to|comes to|came to|sum|grand total|totals?|between them|both|worth|spent|spend|"
    r"how much)\b"
)
# A message pointing back at the order just discussed ("go ahead and cancel it", "that order").
# "then what can I do?", "what are my options": what can still be done with the order.
ASKS_OPTIONS = _re(
    r"\bwhat (?:else )?(?:can|could|should|do) (?:i|we) do\b"
    r"(?! (?:for|to) (?!it\b|that\b|this\b|them\b|the order\b))|"
    r"\bwhat (?:are )?(?:my|the|our) options\b|\bwhat are my choices\b"
)
ORDER_AGAIN = _re(r"\border(?:\s+(?:number\s+|no\.?\s+)?order)+\b")
REFERS_BACK = _re(
    r"\b(?:it|its|(?:that|this|the same|said) (?:one|order|purchase|parcel|package))\b"
)
# Requests that only ask about the customer's records.
QUESTION_INTENTS = frozenset({"status", "paid", "refunded", "balance", "profile", "methods"})
# A question in a sentence of its own after a refusal ("no, leave it. what did it cost?").
QUESTION_AFTER = _re(r"[.!,;-]\s+(?:and |but |so |then )?(?:what|how|when|where|which|is|did|"
                     r"does|do|can|could|has|have)\b[^.!]*\?")  # fmt: skip
# "what's on #W…?", "what was in that order": the order's items (its status shows them).
ITEMS_QUESTION = _re(
    r"\bwhat(?:'?s|\s+is|\s+was|\s+were|\s+are)?\s+(?:on|in|inside)\s+"
    r"(?:(?:my|the|that|this|the other)\s+)?(?:order|one|it)\b"
)
# "the speaker from my espresso machine order": words that say which order, not which item.
ORDER_DESCRIBED = _re(r"\b(?:from|in|of|on) (?:my|the|that|this) ((?:[\w-]+ ){1,3})order\b")
# "in my order with the lamp and the kettle - the kettle is ...": the items listed say which
# order; the item meant is named after them. A listed item is an article and up to three words.
_LISTED = (
    r"(?:the |my |a |an )(?:(?!(?:can|could|would|will|please|i|and|but|so|is|are|was)\b)"
    r"[a-z0-9][\w'-]*\b ?){1,3}"
)
ORDER_WITH = _re(
    rf"\b(?:from|in|of|on) (?:my|the|that|this) (?:pending |delivered |processed )?order "
    rf"(?:with|that has|that had|containing) "
    rf"({_LISTED}(?:\s*,\s*(?!and\b){_LISTED})*(?:\s*,?\s*(?:and|&)\s*{_LISTED})?)"
)
# "I want a refund" asks for a return; "refund the difference to my card" names a method.
REFUND = _re(r"\brefund\b")
# "it arrived with a cracked screen", "the blender stopped working": a delivered item at fault
DAMAGED = _re(
    r"\b(?:broken|broke|cracked|damaged|faulty|defective|smashed|shattered|dented|torn|"
    r"ripped|scratched|leak(?:s|ing|y)|dead on arrival|stopped working|not working|"
    r"(?:doesn'?t|does not|won'?t|will not|didn'?t|did not) (?:work|turn on|switch on|charge|"
    r"power on)|"
    # "you sent me the wrong item" (but "I ordered the wrong item" is the customer's mistake)
    r"(?:sent|received|got|delivered|came|arrived)\b[^.?!]{0,15}?\bwrong (?:item|product|thing|"
    r"one))\b"
)
ORDER_ID = _re(r"#?\bW(\d{7})\b")
# Words that make a request about the customer's own records, not about shopping.
SERVICE_WORDS = _re(
    r"\b(?:orders?|purchase[ds]?|bought|return\w*|refund\w*|cancel\w*|exchange\w*|track\w*|"
    r"deliver\w*|shipp\w*|parcels?|packages?|account|human|representative|agent|supervisor|"
    r"manager|operator|swap\w*|my (?:home |shipping |delivery )?address|i(?:'ve| have)? moved|"
    r"saved|on file|payment methods?|(?:did|have) (?:i|we) (?:pay|spend)|paid|spent|gift ?cards?|"
    r"balance|by default|"
    r"default address|charged me|cost me|ordered|(?:my|the|our) payment|money back|"
    r"left (?:the |your )?(?:warehouse|depot)|be (?:still )?(?:sent|taken) back|"
    # "I want give back the puzzle", "can I send the lamp back": an item handed back
    r"(?:give|send|bring|take|ship|mail|post)(?:s|ing)? (?:(?:it|them|the|my|this|that|these|"
    r"those|[\w-]+) ){0,3}back"
    r"(?! (?:pain|support|rest|pocket|cover|strap|panel|seat)s?\b| to school)|"
    # "where is my camera? has it arrived": one's own thing, asked after
    r"where(?:'?s| is| are) my|(?:has|have|did) (?:it|they|that|this) (?:arrived?|come|shipped|"
    r"been (?:delivered|shipped|sent)|turned up)|"
    # "when is the keyboard getting here?": something on its way to them
    r"when (?:is|are|will|does|do|'?s) [^.?!]{0,30}?\b(?:getting here|get here|arriv\w+|"
    r"be delivered|be here|coming)|"
    r"(?:get|got|was|were|been|(?:was|were) (?:i|we)) charged|"
    # "has my backpack arrived?", "is my tent on its way": something of theirs on its way
    r"(?:my|our)\b[^.?!]{0,40}\b(?:arrived?|arriving|coming|ship|shipped|dispatched|"
    r"delivered|on (?:its|their|the) way|sent out|go through|gone through|get here|"
    r"turn(?:ed)? up)|(?:never|still not|haven'?t|didn'?t|did not) (?:got|received?|arrived?)|"
    r"(?:hasn'?t|has not) (?:arrived|come|turned up|shown up))\b"
)
ORDINAL = _re(r"\b(?:the )?(first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th|last)"
              r"(?: one| order)?\b")  # fmt: skip
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "1st": 1, "2nd": 2,
             "3rd": 3, "4th": 4, "5th": 5, "last": -1}  # fmt: skip
# "my pending order", "the delivered ones": orders named by their state.
ORDER_STATE = _re(r"\b(pending|delivered|processed|cancell?ed)\s+(?:orders?|ones?|purchases?)\b")
# The customer's newest order: the last one their account lists (orders carry no dates).
LATEST_ORDER = _re(r"\b(?:last|latest|most recent|newest|recent) (?:order|purchase)\b")
# "everything", but not the "that's everything" that closes a list of details
ALL_ITEMS = _re(r"\b(?:all (?:of )?(?:the |my )?(?:items|of them|them|it)|"
                r"(?<!that's )(?<!thats )(?<!that is )(?<!and )everything(?! else)|"
                r"the whole (?:order|thing)|entire order|all items)\b")  # fmt: skip
ALSO = _re(r"\b(?:also|too|as well|and the|plus|while (?:you'?re|you are) at it|in addition)\b")
# What separates two things named in one breath ("the e-reader and the portable charger",
# "the lamp, the kettle"): each part names items on its own.
NAMED_APART = _re(r"\b(?:and|plus|also|as well as|along with|together with)\b|[,;&+]")
# "the cycling helmet, not the coffee maker": a part after these words names what is not meant.
NOT_MEANT = _re(r"\b(?:not|rather than|instead of|except(?: for)?|apart from|other than)\b")

PAYMENT_ID = _re(r"\b((?:gift_card|credit_card|paypal)_\d+)\b")
GIFT_CARD = _re(r"\bgift ?cards?\b")
PAYPAL = _re(r"\bpay ?pal\b")
# "card" alone is too loose ("the SD card" is a camera option): a credit card is named so.
CARD = _re(
    r"\b(?:(?:credit|debit|my|that|this) card|visa|mastercard|amex|american express|"
    r"discover)\b"
)
BRAND = _re(r"\b(visa|mastercard|amex|discover)\b")
LAST_FOUR = _re(r"\bending (?:in |with )?(\d{4})\b")
ORIGINAL = _re(r"\b(?:original|same (?:card|method|payment|way|account)|"
               r"(?:the )?way i paid|how i paid|what i paid with|paid with|"
               # "back where it came from", "to whatever I used to pay", "the card it was on"
               r"(?:back )?where (?:it|the money|the payment) came from|"
               r"(?:whatever|what|the (?:card|account|method)) (?:i|we) (?:used|bought it with)|"
               r"(?:card|account|method) (?:it|the order) was (?:paid|charged|bought) "
               r"(?:on|with))\b")  # fmt: skip

# "no longer needed" in many wordings, broken English included ("i not need anymore", "no
# need for it now", "need it no more").
NO_LONGER = _re(r"\b(?:no longer (?:need|want)(?:ed)?|(?:don'?t|do not|didn'?t|not|never) (?:need|"
                r"want)|not needed|changed my mind|no use for|no (?:more )?need (?:for|of) "
                r"(?:it|this|that|them)|(?:need|want) (?:it|this|that|them) no (?:more|longer)|"
                r"not (?:necessary|required|useful) any ?more|"
                # "found it cheaper elsewhere", "bought one somewhere else": not needed now
                r"(?:found|got|bought|seen) (?:it|one|them|some)(?: \w+)? (?:cheaper|elsewhere|"
                r"somewhere else)|no longer required)\b")  # fmt: skip
MISTAKE = _re(r"\b(?:mistake|mistaken|by accident|accident(?:al(?:ly)?)?|ordered (?:it )?twice|"
              r"wrong (?:item|order|one|thing))\b")  # fmt: skip

# "123 Main St, Apt 4, Austin, TX 78701[, USA]": street, optional second line, city, state, zip.
# The comma between the city and the state, and before the country, is often left out
# ("Fort Worth TX 76131 USA"): the state is then one of the US state codes before the zip code.
US_STATES = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "PR",
)  # fmt: skip
ADDRESS = _re(
    r"(?P<address1>\d+[A-Za-z]?\s+[^,\n]+?)\s*,\s*"
    r"(?:(?P<address2>(?:apt|apartment|suite|ste|unit|floor|fl|room|building|bldg|#)\.?\s*"
    r"[^,\n]*?)\s*,\s*)?"
    r"(?P<city>[A-Za-z][A-Za-z .'-]*?)(?:\s*,\s*(?P<state>[A-Za-z]{2})|\s+(?P<bare>"
    rf"{'|'.join(US_STATES)}))"
    r"\s*,?\s*(?P<zip>\d{5})(?:-\d{4})?"
    r"(?:\s*,?\s*(?P<country>USA|US|United States(?: of America)?))?\b"
)
# "12 Oak Street Apt 4 Fort Worth TX 76131": no commas at all, so a street word ends the street.
_UNIT = r"(?:apt|apartment|suite|ste|unit|floor|fl|room|bldg|#)\.?\s*[\w-]+"
LOOSE_ADDRESS = _re(
    r"(?P<address1>\d+[A-Za-z]?\s+(?:[\w.'-]+\s+){0,4}?(?:street|st|avenue|ave|road|rd|lane|"
    r"ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|terrace|circle|cir|parkway|pkwy|highway|"
    rf"hwy|square|sq|trail|row)\.?)\s*,?\s*(?:(?P<address2>{_UNIT})\s*,?\s*)?"
    r"(?P<city>[A-Za-z][A-Za-z .'-]*?)\s*,?\s*(?P<bare>"
    rf"{'|'.join(US_STATES)})(?P<state>)\s*,?\s*(?P<zip>\d{{5}})(?:-\d{{4}})?"
    r"(?:\s*,?\s*(?P<country>USA|US|United States(?: of America)?))?\b"
)
UNIT_AT_END = _re(rf"\s{_UNIT}$")
# The states written out, with their codes ("new_york:NY": an underscore between words).
_STATE_PAIRS = """alabama:AL alaska:AK arizona:AZ arkansas:AR california:CA colorado:CO
    connecticut:CT delaware:DE florida:FL georgia:GA hawaii:HI idaho:ID illinois:IL indiana:IN
    iowa:IA kansas:KS kentucky:KY louisiana:LA maine:ME maryland:MD massachusetts:MA
    michigan:MI minnesota:MN mississippi:MS missouri:MO montana:MT nebraska:NE nevada:NV
    new_hampshire:NH new_jersey:NJ new_mexico:NM new_york:NY north_carolina:NC north_dakota:ND
    ohio:OH oklahoma:OK oregon:OR pennsylvania:PA rhode_island:RI south_carolina:SC
    south_dakota:SD tennessee:TN texas:TX utah:UT vermont:VT virginia:VA washington:WA
    west_virginia:WV wisconsin:WI wyoming:WY""".split()  # noqa: SIM905
STATE_CODES = {
    name.replace("_", " "): code for name, code in (pair.split(":") for pair in _STATE_PAIRS)
}
# A state written out before the zip code ("Austin, Texas 78701").
STATE_NAME = _re(
    r"\b("
    + "|".join(n.replace(" ", r"\s+") for n in sorted(STATE_CODES, key=len, reverse=True))
    + r")\b(?=\s*,?\s*\d{5}\b)"
)
# What says an address change is about the account's own address, not an order's.
DEFAULT_ADDRESS = _re(
    r"\b(?:default|home|profile|account|my (?:\w+ )?address|(?:i'?ve|i|we) (?:have )?moved|"
    r"relocat\w*|moving house)\b"
)
# "send it to my address on file", "ship the order to my home address instead": an order
# sent to the account's own default address (no address written out).
TO_DEFAULT = _re(
    r"\b(?:send|ship|deliver|redirect|route|post|mail|go|goes|going|come|change|switch|update|"
    r"move)\w*\b[^.?!]{0,40}?\b(?:back )?to (?:my|the|our) (?:address (?:on (?:file|record|"
    r"(?:my|the) account))|(?:default|home|usual|normal|saved|registered|profile|account'?s?)"
    r"(?: shipping| delivery| home)? address)\b"
)
# "make that my default address too", "use the same one on my account": the address said
# before becomes the account's default.
SAME_TO_PROFILE = _re(
    r"\b(?:make|set|use|save|put|update|change)\b[^.?!]{0,20}?\b(?:that|it|this|the same"
    r"(?: one| address)?|the new (?:one|address))\b[^.?!]{0,12}?\b(?:as |to |for |on )?(?:my|the"
    r"|our) (?:default|profile|account'?s?|home|saved)(?: shipping| delivery)? address\b|"
    r"\b(?:make|set|use|save|put|update|change)\b[^.?!]{0,20}?\b(?:that|it|this|the same"
    r"(?: one| address)?|the new (?:one|address))\b[^.?!]{0,25}?\b(?:on|for|in) (?:my|the|our) "
    r"(?:account|profile)\b"
)
# "ok, send #W… there instead" after the default address was shown: an order sent there.
SEND_THERE = _re(r"\b(?:send|ship|deliver|redirect|post|mail)\w*\b[^.?!]{0,30}?\bthere\b")
# What says a request is about an order: its words, or an item "I ordered" / "I bought".
ORDER_WORD = _re(
    r"\b(?:order|shipping|shipment|delivery|package|parcel|i (?:ordered|bought|purchased))\b"
)
NOT_ORDER = _re(
    r"\b(?:not|rather than|instead of)\s+(?:for |on |about |to )?(?:an?|the|my|any|one of my) "
    r"(?:orders?|shipments?|deliver(?:y|ies)|packages?|parcels?)\b"
)
# "I'd like to pay with my gift card instead of paypal" about an order: its payment changed;
# so is an order put on, billed to or charged to a method ("put order #W… on my paypal").
PAY_INSTEAD = _re(
    r"\bpay(?:ing)? (?:with|by|using|via|through|on) [^.?!]{0,40}\binstead\b"
    r"(?![^.?!]*\bdifference\b)|"
    r"\b(?:put|bill|charge|use)\b(?![^.?!]*\b(?:difference|refund\w*|back)\b)[^.?!]{0,40}?"
    r"\b(?:on|to|onto|my|for)\b[^.?!]{0,25}?\b(?:gift ?card|pay ?pal|visa|mastercard|amex|"
    r"discover|(?:credit|debit) card)\b"
)

EMAIL_TOKEN = "[EMAIL]"
ZIP = _re(r"\b(\d{5})\b")
# "zip 28268", "the zip should be 28268", "postal code, it's actually 28268": a few linking words
# may stand between the word and the number.
ZIP_WORD = _re(
    r"\b(?:zip|postal)(?: ?code)?(?:'s)?\b(?:[\s,:=-]+(?:is|was|should|must|be|been|have|it|"
    r"it's|its|actually|really|now|meant|to|the|right|correct|number|one|wrong))*[\s,:=-]*"
    r"(\d{5})\b"
)
NAME_INTRO = _re(r"\b(?:my name is|name's|name is|i am|i'm|im|this is|it's)\s+"
                 r"([A-Za-z][A-Za-z'-]+)\s+([A-Za-z][A-Za-z'-]+)")  # fmt: skip
NAME_BEFORE_ZIP = _re(r"([A-Za-z][A-Za-z'-]+)\s+([A-Za-z][A-Za-z'-]+)\s*[,;]?\s*(?:(?:and )?"
                      r"(?:my )?(?:zip|postal)(?: code)?(?: is)?[:\s]*)?\d{5}\b")  # fmt: skip
NAME_ZIP_ALONE = _re(r"^([A-Za-z][A-Za-z'-]+)\s+([A-Za-z][A-Za-z'-]+)\s*[,;:-]?\s*(\d{5})[.!]?$")
# "Emma Smith here, zip code 10192": two capitalised words, when the zip code is said as one.
NAME_CAPITALISED = re.compile(r"\b([A-Z][a-z'-]+)\s+([A-Z][a-z'-]+)\b")  # case matters here
# Discourse words: interjections, apologies, hesitations and corrections ("oops sorry, zip is
# 28268", "ugh typo"). They frame what is said and are never a name, an item or an option.
DISCOURSE = frozenset(
    {"oops", "oopsie", "whoops", "woops", "sorry", "soz", "sry", "apologies", "apologise"}
    | {"apologize", "pardon", "excuse", "ugh", "argh", "urgh", "meh", "hmm", "hm", "hmmm", "um"}
    | {"umm", "uh", "uhh", "er", "erm", "ah", "ahh", "aha", "oh", "ohh", "eh", "whoa", "wow"}
    | {"gosh", "jeez", "geez", "dang", "darn", "damn", "drat", "lol", "haha", "heh", "doh"}
    | {"well", "so", "ok", "okay", "k", "alright", "actually", "anyway", "anyways", "basically"}
    | {"typo", "typos", "mistyped", "misspelt", "misspelled", "correction", "corrected", "bad"}
    | {"mb", "silly", "sorted", "again", "meant", "mean", "instead", "rather", "oh-no", "yikes"}
    | {"please", "pls", "plz", "ta", "cheers", "hiya", "yo", "hey", "hi", "hello", "sure", "yes"}
    | {"yeah", "yep", "no", "nope", "nah", "wait", "hold", "hang", "honestly", "really", "just"}
    | {"think", "guess", "suppose", "reckon", "feel", "thought", "thoughts", "second", "after"}
)
_NOT_NAMES = (
    frozenset(
        {"zip", "code", "is", "my", "and", "the", "postal", "name", "i", "am", "im", "number"}
        | {"of", "in", "at", "from", "order", "it's", "this", "here", "hi", "hello", "hey"}
        | {"it", "its", "was", "should", "be", "wrong", "right", "correct", "new", "real"}
    )
    | DISCOURSE
)

YES = frozenset({"yes", "yeah", "yep", "yup", "y", "confirm", "confirmed", "proceed"})
# "go ahead now", "ok, do it", "ready, carry on": a yes said as a go-ahead.
GO_AHEAD = _re(
    r"\b(?:go ahead|go on|go for it|do it|carry on|please do|i'?m ready|ready now|make it so|"
    r"let'?s do (?:it|this)|(?:you )?can go ahead|proceed|confirmed?)\b"
)
_GO_WORDS = frozenset({"go", "ahead", "on", "for", "do", "carry", "ready", "now", "then", "let's"})
_GO_WORDS |= frozenset({"lets", "make", "so", "can", "you", "please", "it", "this"})
_NEGATIVE = frozenset({"no", "nope", "nah", "not", "don't", "dont", "never", "stop", "wait"})
_COURTESY = frozenset(
    {"go", "ahead", "sure", "ok", "okay", "alright", "thank", "thanks", "great", "fine", "right"}
    | {"correct"}
    | {"no", "nope", "nah", "never", "mind", "forget", "not", "don't", "dont", "stop", "bye"}
)
NO_START = _re(
    r"^\s*(?:(?:ok(?:ay)?|actually|hmm+|um+|oh|well|sorry|wait|erm|ah|on second thoughts?|"
    r"on reflection|thinking about it)[,.!]*\s+)*"
    r"(?:no|nope|nah|never ?mind|forget (?:it|that)|don'?t|do not|stop)\b"
)
# "don't cancel it after all", "I'd rather not return them": the action named is called off
# (what it names stays: "it" is still the order just discussed).
NEGATED_ACTION = _re(
    r"\b(?:don'?t|dont|do not|no need to|(?:i'?d |i would )?rather not|decided not to|"
    r"not going to)\s+(?:(?:want|need|wish) to\s+|wanna\s+|bother(?: to)?\s+|go ahead and\s+)?"
    r"(?:cancel|return|exchange|change|modify|swap|replace|refund|send)\w*\b"
)
# "what would I get back for them?", "how much is the refund": the refund asked before deciding.
REFUND_AMOUNT = _re(
    r"\b(?:how much|what)\b[^.?!]{0,20}?\b(?:would|will|do|could|should|'?d)\s+(?:i|we)\s+"
    r"(?:get|be)\s+(?:back|refunded)|\bhow much (?:is|would be|will be|'?s) (?:the|my) refund|"
    r"\b(?:refund|money back) (?:amount|total)\b|\bhow much (?:money )?(?:back|refund)\b"
)
# "I'll keep them", "leave it as it is", "keep the order": the customer keeps what they have.
_KEPT = (
    r"(?:it|them|this|that|those|these|everything|all of it|(?:the|my) (?:old |current |"
    r"existing |original |same )?(?:order|items?|lot|address|card|payment(?: method)?|ones?))"
)
KEEP = _re(
    r"\b(?:(?:(?:i'?ll|i will|i'?d rather|i'?d like to|i want to|i wanna|i'?m going to|gonna|"
    rf"let me|let's|lets|just|actually|better) (?:just )?keep(?: {_KEPT})?|keep {_KEPT})"
    r"(?: as (?:it is|they are|is))?\b(?! (?:but|and|in)\b)|"
    r"leave (?:it|them|things|everything|the order)(?: (?:as (?:it is|they are|is)|alone|be|"
    r"there))?\b(?! (?:but|and)\b))"
)
THANKS = _re(r"^\s*(?:(?:ok(?:ay)?|great|perfect|cool|good)[,!. ]*)?(?:thanks?|thank you|cheers)"
             r"\b[\w\s,!.']*$")  # fmt: skip
BYE = _re(r"^\s*(?:bye|goodbye|see you|that'?s all|that is all|nothing else)\b")
# "hmm, hold on, not yet": the customer needs a moment; nothing is decided.
WAIT = _re(
    r"\b(?:hold on|hang on|wait|not yet|one (?:sec|second|moment|minute)|"
    r"give me a (?:sec|second|minute|moment)|let me (?:think|check)|i'?ll get back|"
    r"(?:i'?ll|i will) come back|come back (?:later|to (?:it|this))|not (?:right )?now)\b"
)
_FILLER = frozenset(
    """a an the i i'd i'm me my mine to for of and or with please can could would like want
    it its this that one ones them these those is are was be do does did have has had
    you your we us our on in at from by about also too just so now then instead new other
    order orders item items product products get make want need help hi hello hey thanks
    email e-mail mail ordered change changed ship send talk speak payment method pay paid
    address account know tell show see check some something thing things there here it's i'm
    am my name""".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class PaymentRef:
    """How the customer named a payment method."""

    kind: PaymentKind
    method_id: str = ""
    brand: str = ""
    last_four: str = ""


@dataclass
class Request:
    """One message, understood."""

    text: str
    intent: ServiceIntent | None = None
    order_ids: list[str] = field(default_factory=list)
    ordinal: int | None = None
    words: list[str] = field(default_factory=list)
    # The words in the parts the message names things in, one list a part ("the lamp and the
    # kettle": [["lamp"], ["kettle"]]).
    item_groups: list[list[str]] = field(default_factory=list)
    # The parts naming what is not meant ("not the coffee maker"), one list a part.
    not_groups: list[list[str]] = field(default_factory=list)
    all_items: bool = False
    also: bool = False
    payment: PaymentRef | None = None
    reason: str | None = None
    address: dict[str, str] | None = None
    to_default: bool = False  # "send it to my address on file": the account's address
    to_there: bool = False  # "send it there": the address the answer before showed
    # "make that my default address too": the address said before, on the account
    same_to_profile: bool = False
    about_order: bool = False  # names an order ("my order", "the shipping", an id)
    order_words: list[str] = field(default_factory=list)  # "from my espresso machine order"
    refers_back: bool = False  # "it", "that order": the order just discussed
    latest_order: bool = False  # "my last order", "the most recent one I placed"
    order_state: str = ""  # "my pending order": the state of the orders meant
    email: bool = False
    name_zip: tuple[str, str, str] | None = None
    zip_code: str = ""  # a zip code said alone ("sorry, the zip is 76165"): a correction
    yes: bool = False
    no: bool = False
    thanks: bool = False
    bye: bool = False
    wait: bool = False
    asks_refund: bool = False  # "what would I get back?": how much a refund would be
    asks_possible: bool = False  # "can that one be cancelled?": whether, not a request
    asks_options: bool = False  # "then what can I do?": what the order still allows
    only_some: bool = False  # "just the sunglasses", "remove the lamp from my order"
    only_words: list[str] = field(default_factory=list)  # the words of that part
    asks_total: bool = False  # "what do they come to altogether?": a sum over orders
    several_orders: bool = False  # "my two pending orders", "all my orders"
    called_off: bool = False  # "don't cancel it after all": a no that names the action

    @property
    def identifies(self) -> bool:
        return self.email or self.name_zip is not None or bool(self.zip_code)

    @property
    def has_cue(self) -> bool:
        """Whether the message is plainly about customer service ("a different colour" may be
        shopping, "exchange my order" is not; "I'm Jane, jane@x.com: red lanterns" shops)."""
        return bool(
            (self.intent and SERVICE_WORDS.search(self.text))
            or self.order_ids
            or (self.identifies and not self.words)
            # "I want a real person": asking for a human is service whatever the words, unless
            # it asks for help with a task ("can a real person help me pick a present?")
            or (self.intent == "transfer" and not HELP_WITH.search(self.text))
            # "Jane Doe, zip code 32184, I forgot my e-mail": who they are, said as such
            or (self.name_zip is not None and bool(ZIP_WORD.search(self.text)))
            or (self.identifies and self.intent is not None)  # "x@y.com. has my kettle arrived?"
            # "x@y.com, the boots I got are too small": a problem with what they received
            or (self.identifies and bool(ITEM_PROBLEM.search(self.text)))
            # "the mug arrived chipped, can I send it back?": their item, to return or swap
            or (self.intent in ("return", "exchange") and bool(ITEM_PROBLEM.search(self.text)))
            or self.address
            or self.called_off
        )

    @property
    def details(self) -> bool:
        """Whether it gives anything a pending request could use."""
        return bool(
            self.order_ids
            or self.ordinal
            or self.words
            or self.all_items
            or self.payment
            or self.reason
            or self.address
        )


# "help me choose a gift", "help with finding a lamp": a task the assistant may do itself.
HELP_WITH = _re(r"\bhelp(?: me| us)?(?: to)? (?:with |in )?(?:\w+ing\b|pick|choose|find|select|buy|"
                r"decide|shop|get|look)")  # fmt: skip
# Something wrong with an item the customer received: their order, not a search.
ITEM_PROBLEM = _re(
    r"\b(?:too (?:small|big|large|tight|loose|short|long|narrow|wide)|"
    r"(?:doesn'?t|don'?t|didn'?t|does not|do not|did not|won'?t) (?:fit|work|turn on|charge)|"
    r"broken|damaged|faulty|defective|cracked|chipped|scratched|dented|torn|ripped|leak(?:s|ing)|"
    r"stopped working|wrong (?:size|colou?r|item|model))\b"
)
# "my visa instead of the gift card": the method named after it is the one being replaced.
REPLACED_METHOD = _re(
    r"\b(?:instead of|rather than|in place of|not (?:on |with |by |to )?(?:the|my))\s+"
    r"(?:(?:the|my|a|an|that|this|current|old|existing)\s+)*(?:[\w-]+\s*){1,4}"
)

# "I paid using a gift card", "it was charged to my paypal": how the order was paid before.
PAID_BEFORE = _re(
    r"\b(?:(?:i|we)\s+(?:originally\s+|first\s+|initially\s+)?(?:paid|bought\s+it|"
    r"ordered\s+it|checked\s+out)|(?:it|(?:(?:the|my|this|that)\s+)?order|this|that)\s+was\s+"
    r"(?:originally\s+|first\s+)?(?:paid|charged|bought))"
    r"(?:\s+for)?(?:\s+(?:it|them|(?:(?:the|my|this|that)\s+)?order|that|this))?\s+"
    r"(?:using|with|by|on|via|through|to|from)\s+(?:(?:a|an|the|my|our)\s+)?"
    r"(?:gift ?card|pay ?pal|(?:credit |debit )?card|visa|mastercard|amex|discover)\b"
)


def _payment(text: str) -> PaymentRef | None:
    text = REPLACED_METHOD.sub(" ", text)
    # "I paid with a gift card ... please put it on my visa": the method paid with is the old
    # one when another is named too
    if (without := PAID_BEFORE.sub(" ", text)) != text and _names_method(without):
        text = without
    if match := PAYMENT_ID.search(text):
        return PaymentRef("id", method_id=match.group(1).lower())
    if GIFT_CARD.search(text):
        return PaymentRef("gift_card")
    if PAYPAL.search(text):
        return PaymentRef("paypal")
    if ORIGINAL.search(text):
        return PaymentRef("original")
    if CARD.search(text) or LAST_FOUR.search(text):
        brand = BRAND.search(text)
        last_four = LAST_FOUR.search(text)
        return PaymentRef(
            "credit_card",
            brand=brand.group(1).lower() if brand else "",
            last_four=last_four.group(1) if last_four else "",
        )
    return None


def _names_method(text: str) -> bool:
    return any(p.search(text) for p in (PAYMENT_ID, GIFT_CARD, PAYPAL, CARD, LAST_FOUR))


def _address(text: str) -> tuple[dict[str, str] | None, str]:
    """The address ``text`` gives, and ``text`` without it. A state written out ("Austin,
    Texas 78701") reads as its code; an address with no commas at all needs a street word
    ("12 Oak Street Apt 4 Fort Worth TX 76131")."""
    coded = STATE_NAME.sub(lambda m: f"{STATE_CODES[' '.join(m[1].lower().split())]} ", text)
    match = ADDRESS.search(coded) or LOOSE_ADDRESS.search(coded)
    if match is None:
        return None, text
    address1, address2 = match["address1"].strip(), (match["address2"] or "").strip()
    if not address2 and (unit := UNIT_AT_END.search(address1)):  # "12 Oak St Apt 4, Austin"
        address1, address2 = address1[: unit.start()].strip(), unit[0].strip()
    address = {
        "address1": address1,
        "address2": address2,
        "city": match["city"].strip(),
        "state": (match["state"] or match["bare"]).upper(),
        "country": "USA",
        "zip": match["zip"],
    }
    return address, f"{coded[: match.start()]} {coded[match.end() :]}"


def _name_zip(text: str) -> tuple[str, str, str] | None:
    """A name and a zip code, when the message says it is a zip code or the name is written
    as one ("Omar Anderson, 19031"): a bare number is more often a product id."""
    keyed = ZIP_WORD.search(text)
    bare = ZIP.search(text)
    zip_code = keyed.group(1) if keyed else bare.group(1) if bare else None
    if zip_code is None:
        return None
    patterns = (NAME_INTRO, NAME_BEFORE_ZIP, *((NAME_CAPITALISED,) if keyed else ()))
    candidates = [
        (match.group(1), match.group(2))
        for pattern in patterns
        for match in pattern.finditer(text)
        if match.group(1).lower() not in _NOT_NAMES and match.group(2).lower() not in _NOT_NAMES
    ]
    # A name written as one ("Emma Smith") beats two lower-case words before the zip code.
    capitalised = [(f, last) for f, last in candidates if f[0].isupper() and last[0].isupper()]
    if capitalised:
        return capitalised[0][0], capitalised[0][1], zip_code
    if keyed and candidates:
        return candidates[0][0], candidates[0][1], zip_code
    # Nothing but two words and five digits ("aarav santos, 76134"): who they are, said tersely.
    if (alone := NAME_ZIP_ALONE.match(text.strip())) is not None:
        first, last = alone.group(1), alone.group(2)
        if first.lower() not in _NOT_NAMES and last.lower() not in _NOT_NAMES:
            return first, last, alone.group(3)
    return None


_NOT_ITEM_WORDS = (
    _FILLER
    | _COURTESY
    | YES
    | DISCOURSE
    | {"carry", "ready", "ahead", "go", "how", "much", "what", "whats", "what's", "which"}
    | {"when", "where", "total", "left", "cost", "back"}
)


def _item_words(text: str) -> list[str]:
    """The words of normalised ``text`` that may name an item or an option."""
    return [w for w in tokens(text) if w not in _NOT_ITEM_WORDS]


def _without(text: str, patterns: tuple[re.Pattern[str], ...]) -> str:
    for pattern in patterns:
        text = pattern.sub(" ", text)
    return text


# Cues whose words are not item or option words.
_CUES = (
    *(cue for _, cue in INTENTS),
    REFUND, PAYMENT_ID, GIFT_CARD, PAYPAL, CARD, LAST_FOUR, ORIGINAL, NO_LONGER, MISTAKE, ORDINAL,
    ALL_ITEMS, NO_START, ORDER_WORD, ZIP_WORD, ZIP,
)  # fmt: skip


@lru_cache(maxsize=4096)
def understand_request(text: str) -> Request:
    """What one customer message asks and gives (cached and shared: never change the result)."""
    request = Request(text=text)
    request.order_ids = list(dict.fromkeys(f"#W{m}" for m in ORDER_ID.findall(text)))
    # "pay for W7032009 with ...": an id stands for the word "order" (said once)
    rest = ORDER_AGAIN.sub("order", ORDER_ID.sub(" order ", text))
    request.address, rest = _address(rest)
    request.email = EMAIL_TOKEN in text
    request.name_zip = None if request.address else _name_zip(rest)
    if request.name_zip:
        rest = _without(rest, (NAME_INTRO, NAME_BEFORE_ZIP))
        first, last, _ = request.name_zip
        rest = re.sub(rf"\b(?:{re.escape(first)}|{re.escape(last)})\b", " ", rest, flags=re.I)
    elif not request.address and (keyed_zip := ZIP_WORD.search(rest)):
        request.zip_code = keyed_zip.group(1)
    keeps = bool(KEEP.search(rest))  # "I'll keep them": nothing to act on in those words
    rest = KEEP.sub(" ", rest)
    called_off = bool(NEGATED_ACTION.search(rest))  # "no, don't cancel it after all"
    rest = NEGATED_ACTION.sub(" ", rest)
    # "the hose from my delivered order": the order's state says which order, not "status"
    stateless = " ".join(ORDER_STATE.sub(lambda m: m[0][len(m[1]) :], rest).split())
    request.intent = next((name for name, cue in INTENTS if cue.search(stateless)), None)
    if DONE_QUESTION.search(rest) or ADDRESS_QUESTION.search(rest):
        request.intent = "status"  # the order's status shows where it ships to
    if ITEMS_QUESTION.search(rest) and request.intent in (None, "paid"):
        request.intent = "status"  # "and what's on #W…?": the order's items, with its status
    if REFUNDED_QUESTION.search(rest):
        request.intent = "refunded"
    request.asks_possible = bool(possible := ASKS_POSSIBLE.search(rest))
    if possible and request.intent is None:  # "is that order still cancellable?"
        verb = possible[0].lower()
        request.intent = next((i for s, i in _POSSIBLE_VERBS if s in verb), None)
    request.asks_options = bool(ASKS_OPTIONS.search(rest))
    if request.asks_options and request.intent is None:
        request.intent = "status"  # the order's status says what can be done with it
    request.asks_total = bool(ASKS_TOTAL.search(rest))
    if some := ONLY_SOME.search(rest):  # the part named, up to the end of its clause
        request.only_some = True
        clause = re.split(r"[.?!;]", rest[some.start() :], maxsplit=1)[0]
        words = _item_words(normalize(_without(clause, _CUES)))
        request.only_words = [w for w in words if w not in ("just", "only")]
    request.several_orders = bool(SEVERAL_ORDERS.search(rest)) and not request.order_ids
    if request.several_orders and request.asks_total and request.intent in (None, "status"):
        request.intent = "paid"  # "what do all my orders come to?"
    request.payment = _payment(rest)
    # "what's the refund amount?" asks about a refund; "I want a refund" asks for a return
    request.asks_refund = bool(REFUND_AMOUNT.search(text))
    if request.intent == "status" and "?" not in text and request.only_some and request.payment:
        # "it hasn't arrived yet. fine, just the kettle then, refund to my card": said, not
        # asked: a return when a refund is named, else details for the request open
        request.intent = "return" if REFUND.search(rest) else None
    if request.intent is None and REFUND.search(rest) and request.payment is None:
        request.intent = None if request.asks_refund else "return"
    if request.intent in (None, "status") and DAMAGED.search(rest) and not REFUND.search(rest):
        request.intent = "damaged"  # what can be done about it: the options are explained
    if request.address and request.intent in (None, "profile"):
        request.intent = "address"
    elif request.address is None and SAME_TO_PROFILE.search(rest):
        request.same_to_profile, request.intent = True, "address"
    elif request.address is None and TO_DEFAULT.search(rest):
        request.to_default, request.intent = True, "address"
    elif request.address is None and request.intent is None and SEND_THERE.search(rest):
        request.to_there, request.intent = True, "address"
    if MISTAKE.search(rest):
        request.reason = "ordered by mistake"
    elif NO_LONGER.search(rest):
        request.reason = "no longer needed"
    # "my profile, not an order": an order said not to be meant names no order
    request.about_order = bool(request.order_ids or ORDER_WORD.search(NOT_ORDER.sub(" ", rest)))
    if request.intent is None and request.about_order and PAY_INSTEAD.search(rest):
        request.intent = "payment"
    if ordinal := ORDINAL.search(rest):
        request.ordinal = _ORDINALS[ordinal.group(1).lower()]
    request.latest_order = bool(LATEST_ORDER.search(rest))
    if state := ORDER_STATE.search(rest):
        request.order_state = state.group(1).lower().replace("canceled", "cancelled")
    if request.intent is None and request.latest_order:
        request.intent = "status"  # "what's in my last order?"
    request.refers_back = bool(REFERS_BACK.search(rest))
    described = ORDER_DESCRIBED.search(rest)
    listed = ORDER_WITH.search(rest)
    if listed and _item_words(
        normalize(_without(f"{rest[: listed.start()]} {rest[listed.end() :]}", _CUES))
    ):
        # "on my order with the dumbbells, change the water bottle to ...": only when the
        # message names an item after the list (else the listed items are the ones meant)
        request.order_words = [w for w in tokens(normalize(listed[1])) if w not in _FILLER]
        rest = f"{rest[: listed.start()]} order {rest[listed.end() :]}"
    elif described and not (ORDINAL.search(described[0]) or LATEST_ORDER.search(described[0])):
        request.order_words = [w for w in tokens(normalize(described[1])) if w not in _FILLER]
        rest = f"{rest[: described.start()]} order {rest[described.end() :]}"
    request.all_items = bool(ALL_ITEMS.search(rest))
    request.also = bool(ALSO.search(rest))
    said = set(tokens(normalize(text)))
    request.yes = (
        bool(said & YES or GO_AHEAD.search(text))
        and said <= YES | _FILLER | _COURTESY | _GO_WORDS | DISCOURSE
        and not said & _NEGATIVE
    )
    stripped = normalize(_without(rest, _CUES))
    request.words = _item_words(stripped)
    for part in NAMED_APART.split(stripped):
        meant, *not_meant = NOT_MEANT.split(part)
        request.item_groups += [words] if (words := _item_words(meant)) else []
        request.not_groups += [words for p in not_meant if (words := _item_words(p))]
    request.thanks = bool(THANKS.search(text))
    request.bye = bool(BYE.search(text))
    given = request.order_ids or request.ordinal or request.payment or request.reason
    given = given or request.zip_code
    # "no wait, keep it" decides; "hold on, not yet" pauses
    paused = bool(WAIT.search(text)) and not keeps
    asked = request.address or request.intent or request.asks_refund
    # ("wait, only the keyboard" narrows what was proposed: no pause)
    request.wait = paused and not (given or asked or request.only_some)
    if (
        (NO_START.search(text) or keeps)
        and request.intent in QUESTION_INTENTS
        and QUESTION_AFTER.search(text)
    ):
        pass  # "no wait, leave it. what was the total of the tablet order?": the question
    elif (NO_START.search(text) or keeps) and not request.details:
        request.no = True
        request.intent = None  # "no, cancel that" stops a request, it does not start one
    elif called_off and request.intent is None and not request.address:
        # nothing else asked: the words left ("ok cool", "after all") name nothing
        request.no, request.words, request.item_groups = True, [], []
        request.called_off = True
    return request
