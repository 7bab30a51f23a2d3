"""Questions about the shop as a business rather than its products: a shop to visit ("is there
a store near Leeds I can go to?", "what are your opening hours?"), the terms a trade buyer is
offered ("what's the minimum order for trade?", "can we pay on 60-day terms?", "do you issue VAT
invoices?") and its practices ("do you price match?").

No tool answers them, and their words name places and amounts the catalog also holds ("I Love
London" doormats, "60" tealights), so the shopping rules would search for them. They are told
apart by what they ask about (a place to go, hours, an account's terms), and answered from the
store's policy when it says something, else honestly not at all.
"""

from __future__ import annotations

import re

from agents.offline.text import normalize

# A shop, showroom or warehouse the customer could go to.
_PREMISES = r"(?:shops?|stores?|showrooms?|branch(?:es)?|premises|warehouse)"
_VISIT = re.compile(
    rf"\b{_PREMISES}\b[^?.!]{{0,40}}\b(?:visit|in person|pop (?:in|into|by|round)|drop (?:in|by)|"
    r"come (?:to|and see)|walk[- ]?in|go to|located|location|address|near|nearby|nearest|"
    r"opening (?:hours|times)|open (?:on|at|until|till))\b"
    r"|\b(?:visit|come to|pop into|drop into|go to|find) (?:your|the|a) (?:physical )?"
    rf"{_PREMISES}\b"
    rf"|\bwhere(?:'s|s| is| are) (?:your|the) (?:nearest |closest )?{_PREMISES}\b"
    rf"|\b(?:nearest|closest) {_PREMISES}\b"
    rf"|\b(?:physical|real|actual|bricks and mortar|high street|local) {_PREMISES}\b"
    r"|\b(?:opening (?:hours|times)|what time do you (?:open|close)|when are you open)\b"
    # "do u have a shop in london or just online": a shop in a place, or a web shop only
    rf"|\b(?:do you have|have you got|you got|is there|are there|got) (?:a |any )?{_PREMISES} "
    r"(?:in|at|near|around)\b"
    r"|\b(?:just|only|purely) (?:an? )?online(?: shop| store| business)?\b|\bonline[- ]only\b"
)
# The terms of a trade or wholesale account: minimum orders, credit, paying on invoice.
_TRADE_TERMS = re.compile(
    r"\bminimum (?:order|spend|quantity|purchase)|\bmin(?:imum)? order (?:value|quantity|qty)\b"
    r"|\bmoq\b|\b(?:trade|wholesale|business|b2b) (?:customers?|accounts?|prices?|pricing|"
    r"discounts?|terms|rates?)\b"
    r"|\b(?:\d{2}|thirty|sixty|ninety)[- ]?days? (?:payment )?(?:terms|credit|invoices?|account)\b"
    r"|\bnet ?(?:\d{2})\b|\bpayment terms\b|\bcredit (?:account|terms|facility)\b"
    r"|\bpay (?:on|by|via) (?:account|invoice)\b|\b(?:invoice us|pay later|pay in arrears)\b"
    r"|\bvat (?:invoices?|receipts?|number|registered)\b"
    r"|\binvoices? (?:\w+ ){0,2}(?:for|to) (?:our|my|the|a) (?:business|company|accounts?|firm)\b"
)
# What the shop does as a practice: matching a rival's price.
_PRACTICE = re.compile(
    r"\bprice[- ]?match\w*|\bmatch (?:a|the|their|another|any) (?:[\w']+ )?price\b"
)


# "I need to speak with someone about a wholesale account": a person asked for, not a fact.
_PERSON = re.compile(
    r"\b(?:speak|talk|chat) (?:to|with)\b|\b(?:someone|somebody|a person|a human|an agent|"
    r"a representative|your team|a manager)\b"
)


def asks_about_the_business(text: str) -> bool:
    """``text`` asks about a shop to visit or the terms of a trade account (not for a person
    to talk them over with)."""
    norm = normalize(text)
    if _PERSON.search(norm):
        return False
    return bool(_VISIT.search(norm) or _TRADE_TERMS.search(norm) or _PRACTICE.search(norm))
