"""The customer-service planner's templated answers; every fact comes from a tool's record."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Record = Mapping[str, Any]

ACTIONS = {
    "status": "check an order",
    "cancel": "cancel an order",
    "return": "return items",
    "exchange": "exchange items",
    "address": "change an address",
    "payment": "change how an order is paid",
    "methods": "list your saved payment methods",
    "paid": "check what you paid",
    "refunded": "check a refund",
    "balance": "check your gift card balance",
    "profile": "check your default address",
    "damaged": "help with",
}
# The questions a later "the second one" may answer.
ORDER_QUESTION = "Which order"
ITEMS_QUESTION = "Which items"
DONE = {
    "cancel_pending_order": "cancelled",
    "modify_pending_order_address": "set to ship to the new address",
    "modify_pending_order_items": "changed",
    "modify_pending_order_payment": "switched to the new payment method",
    "return_delivered_order_items": "set up for a return",
    "exchange_delivered_order_items": "set up for an exchange",
}


def money(amount: Any) -> str:
    return f"{float(amount):,.2f}"


def options(item: Record) -> str:
    values: Mapping[str, str] = item.get("options", {})
    return ", ".join(f"{k} {v}" for k, v in values.items())


def item_line(number: int, item: Record) -> str:
    extra = f" ({options(item)})" if item.get("options") else ""
    return f"{number}. {item.get('name', '')}{extra}, {money(item.get('price', 0))}"


def item_names(order: Record) -> str:
    names = [str(i.get("name", "")) for i in order.get("items", [])]
    return ", ".join(names) or "no items"


def method_name(method_id: str, user: Record | None) -> str:
    method: Record = (user or {}).get("payment_methods", {}).get(method_id, {})
    source = method.get("source")
    if source == "gift_card":
        balance = method.get("balance")
        shown = f" (balance {money(balance)})" if isinstance(balance, int | float) else ""
        return f"gift card {method_id}{shown}"
    if source == "credit_card":
        brand = str(method.get("brand", "")).title()
        ending = f" ending {method['last_four']}" if method.get("last_four") else ""
        return f"{brand} credit card{ending} ({method_id})".strip()
    if source == "paypal":
        return f"PayPal ({method_id})"
    return method_id


def help_text() -> str:
    return (
        "I can look up your orders and their status, cancel a pending order or change its "
        "shipping address, return or exchange items of a delivered order, update your default "
        "address, or pass you to a human agent. What would you like to do?"
    )


def ask_identity(intent: str | None) -> str:
    why = f"I can help you {ACTIONS[intent]}. " if intent in ACTIONS else ""
    return (
        f"{why}First I need to confirm who you are: please tell me the e-mail address on your "
        "account, or your first and last name and your zip code."
    )


def not_identified(error: str) -> str:
    return (
        f"I could not find your account ({error}). Please check the e-mail address, or give me "
        "your first and last name and your zip code instead."
    )


def identified(user: Record | None) -> str:
    first = str((user or {}).get("name", {}).get("first_name", ""))
    return f"Thank you{', ' + first if first else ''}, I have found your account."


def refused(error: str) -> str:
    return f"I can't do that: {error}."


def order_summary(order: Record) -> str:
    return f"{order.get('order_id')} ({order.get('status')}: {item_names(order)})"


def ask_order(orders: Sequence[Record], intent: str | None) -> str:
    what = ACTIONS.get(intent or "", "help with")
    lines = [f"- {order_summary(order)}" for order in orders]
    verb = what.split(" ", 1)[0]
    return f"{ORDER_QUESTION} would you like to {verb}? Your orders:\n" + "\n".join(lines)


def payment_methods(user: Record) -> str:
    """The payment methods saved on the account, as its owner knows them: a card by its brand
    and last four digits, a gift card with its balance (never a full card number)."""
    methods = list(user.get("payment_methods", {}))
    if not methods:
        return "There are no payment methods saved on your account."
    return "Saved on your account: " + "; ".join(_method_kind(m, user) for m in methods) + "."


def _method_kind(method_id: str, user: Record) -> str:
    """A saved method named by its kind: brand and last four digits of a card, a gift card's
    balance."""
    method: Record = user.get("payment_methods", {}).get(method_id, {})
    source = str(method.get("source", ""))
    if source == "credit_card":
        ending = f" ending {method['last_four']}" if method.get("last_four") else ""
        return f"{str(method.get('brand', '')).title()} credit card{ending}".strip()
    if source == "gift_card" and isinstance(method.get("balance"), int | float):
        return f"gift card (balance {money(method['balance'])})"
    return {"paypal": "PayPal", "gift_card": "gift card"}.get(source, source or method_id)


def gift_card_balances(user: Record) -> str:
    """What is left on each gift card of the account."""
    methods: Mapping[str, Record] = user.get("payment_methods", {})
    cards = [(m, v) for m, v in methods.items() if v.get("source") == "gift_card"]
    if not cards:
        return "There is no gift card on your account."
    lines = [
        f"Your gift card {method_id} has {money(card.get('balance', 0))} left."
        for method_id, card in cards
    ]
    return "\n".join(lines)


DEFAULT_SHOWN = "Your default shipping address is"


def default_address(user: Record) -> str:
    """The account's default address, where new orders are shipped unless told otherwise."""
    address: Record = user.get("address", {})
    parts = [address.get(k, "") for k in ("address1", "address2", "city", "state", "zip")]
    shown = ", ".join(str(p) for p in parts if p)
    if not shown:
        return "There is no default address on your account."
    country = f", {address['country']}" if address.get("country") else ""
    return f"{DEFAULT_SHOWN} {shown}{country}."


def paid(order: Record, items: Sequence[Record], user: Record) -> str:
    """What the customer paid: for the items named, each item's price; else the order's
    total, with the payments and refunds its history records."""
    order_id = order.get("order_id")
    if items:
        lines = [
            f"You paid {money(item.get('price', 0))} for the {item.get('name')}"
            f"{f' ({options(item)})' if item.get('options') else ''} in order {order_id}."
            for item in items
        ]
        return "\n".join(lines)
    history: Sequence[Record] = order.get("payment_history", [])
    payments = [h for h in history if h.get("transaction_type", "payment") == "payment"]
    refunds = [h for h in history if h.get("transaction_type") == "refund"]
    total = (
        sum(float(h.get("amount", 0)) for h in payments)
        if payments
        else sum(float(i.get("price", 0)) for i in order.get("items", []))
    )
    methods = [_method_kind(str(h.get("payment_method_id")), user) for h in payments]
    how = "; ".join(
        f"{money(h.get('amount', 0))} with your {method}"
        for h, method in zip(payments, methods, strict=True)
    )
    line = f"Order {order_id} came to {money(total)} in total" + (f": {how}." if how else ".")
    if refunds:
        back = sum(float(h.get("amount", 0)) for h in refunds)
        line += f" {money(back)} of it has been refunded."
    return line


def no_orders() -> str:
    return "I can't find any orders on your account."


def status(order: Record) -> str:
    lines = [f"Order {order.get('order_id')} is {order.get('status')}."]
    lines += [item_line(n, item) for n, item in enumerate(order.get("items", []), 1)]
    tracking = [t for f in order.get("fulfillments", []) for t in f.get("tracking_id", [])]
    if tracking:
        lines.append(f"Tracking number: {', '.join(tracking)}.")
    address = order.get("address", {})
    if address:
        parts = [address.get(k, "") for k in ("address1", "address2", "city", "state", "zip")]
        lines.append(f"Shipping address: {', '.join(p for p in parts if p)}.")
    return "\n".join(lines)


def refunded(order: Record, user: Record) -> str:
    """Whether the order's money came back, from its payment history: each refund made and
    where it went, or that none is recorded (with why, when the status says)."""
    order_id, state = order.get("order_id"), order.get("status")
    history: Sequence[Record] = order.get("payment_history", [])
    refunds = [h for h in history if h.get("transaction_type") == "refund"]
    if not refunds:
        why = {
            "pending": "it is still pending, so nothing has been taken back",
            "processed": "it has been processed and is on its way",
            "delivered": "it was delivered and nothing in it has been returned",
        }.get(str(state), f"its status is {state}")
        return f"No refund is recorded for order {order_id}: {why}."
    lines = [
        f"{money(h.get('amount', 0))} to your {_method_kind(str(h.get('payment_method_id')), user)}"
        for h in refunds
    ]
    total = sum(float(h.get("amount", 0)) for h in refunds)
    head = f"Order {order_id} is {state}, and {money(total)} has been refunded"
    tail = (
        "A refund to a gift card is there at once; to a card or PayPal it takes 5-7 business days."
    )
    if len(lines) == 1:
        return f"{head} ({lines[0]}). {tail}"
    return "\n".join([f"{head}:", *(f"- {line}" for line in lines), tail])


def order_total(order: Record) -> float:
    """What an order comes to: the prices of the items it holds."""
    return sum(float(item.get("price", 0)) for item in order.get("items", []))


def several(orders: Sequence[Record], total: bool) -> str:
    """Several orders at once: each one's status, items and total; with ``total``, their sum
    stated with its parts."""
    lines = [
        f"- {o.get('order_id')} ({o.get('status')}: {item_names(o)}): {money(order_total(o))}"
        + (" (cancelled and refunded: not counted)" if o.get("status") == "cancelled" else "")
        for o in orders
    ]
    if not total:
        return "\n".join(["Your orders:", *lines])
    counted = [o for o in orders if o.get("status") != "cancelled"] or list(orders)
    parts = " + ".join(money(order_total(o)) for o in counted)
    whole = sum(order_total(o) for o in counted)
    return "\n".join([f"Together they come to {money(whole)} ({parts}):", *lines])


POSSIBLE = {
    "cancel": ("cancelled", "cancel it", "tell me why: is it no longer needed, or was it "
               "ordered by mistake?"),
    "return": ("returned", "return items from it", "tell me which items, and where the refund "
               "should go."),
    "exchange": ("exchanged", "exchange items in it", "tell me which items, and what you "
                 "would like instead."),
    "address": ("sent to another address", "change its address", "tell me the new address."),
    "payment": ("paid another way", "change how it is paid", "tell me which payment method."),
}  # fmt: skip


def whole_order_only(order: Record, part: Sequence[Record]) -> str:
    """Part of a pending order asked to be cancelled: only the whole order can be; what it
    holds, and what can be done instead."""
    names = ", ".join(str(item.get("name")) for item in part)
    lines = [item_line(n, item) for n, item in enumerate(order.get("items", []), 1)]
    return "\n".join(
        [
            f"A pending order can only be cancelled as a whole: I can't take the {names} "
            f"out of order {order.get('order_id')} on its own. The order holds:",
            *lines,
            "I can cancel the whole order, or swap an item for another option of the same "
            "product. Nothing has been changed; which would you like?",
        ]
    )


def possible(order: Record, intent: str) -> str:
    """A change asked about as a question ("can that one be cancelled?") on an order whose
    status allows it: yes, and what is needed to go ahead; nothing is proposed yet."""
    done, verb, needs = POSSIBLE.get(intent, ("changed", "change it", "tell me what to change."))
    return (
        f"Yes: order {order.get('order_id')} ({item_names(order)}) is {order.get('status')}, "
        f"so it can still be {done}. Nothing has been changed. If you would like me to {verb}, "
        f"{needs}"
    )


def options_for(order: Record) -> str:
    """ "then what can I do?": what the order's status still allows, nothing proposed yet."""
    head = f"Order {order.get('order_id')} ({item_names(order)}) is {order.get('status')}"
    if order.get("status") == "pending":
        return (
            f"{head}: it has not shipped yet, so I can cancel it, change its items to other "
            "options of the same products, or change its shipping address or how it is paid. "
            "Which would you like?"
        )
    if order.get("status") == "delivered":
        return (
            f"{head}: I can return items from it (the refund goes to the original payment "
            "method or a gift card) or exchange them for other options of the same products. "
            "Which would you like?"
        )
    return f"{head}: it can no longer be changed here; I can pass you to a human agent."


def wrong_status(order: Record, intent: str) -> str:
    needed = "pending" if intent in ("cancel", "address") else "delivered"
    verb = {"cancel": "cancelled", "address": "re-addressed", "return": "returned"}.get(
        intent, "exchanged"
    )
    if intent == "exchange":
        needed = "pending or delivered"
    if order.get("status") == "cancelled":  # "can you put it back through?": it stays so
        history: Sequence[Record] = order.get("payment_history", [])
        back = sum(
            float(h.get("amount", 0)) for h in history if h.get("transaction_type") == "refund"
        )
        refund = f" Its payment of {money(back)} was refunded." if back else ""
        return (
            f"Order {order.get('order_id')} is cancelled: a cancelled order can't be changed or "
            f"put back through, so its items would have to be ordered again.{refund}"
        )
    # A delivered order the customer no longer wants can still go back: the way out is said
    # at once, so "why not? I don't want it" meets the answer it is after.
    instead = ""
    if intent == "cancel" and order.get("status") == "delivered":
        instead = (
            " It can be returned instead: tell me which items to send back and where the refund "
            "should go (the original payment method or a gift card)."
        )
    elif intent == "return" and order.get("status") == "pending":
        # not sent yet: what can be done with it now, before it ships
        instead = (
            " It has not shipped yet, so you can still cancel it, or change its items or its "
            "shipping address."
        )
    return (
        f"Order {order.get('order_id')} is {order.get('status')}, so it can't be {verb}: only "
        f"{needed} orders can.{instead}"
    )


def ask_reason(order: Record) -> str:
    """The question names the order found, so a shopper who described it by its items (or
    corrected a number) sees which one is meant before confirming anything."""
    return (
        f"Order {order_summary(order)}. Why would you like to cancel it: is it no longer "
        "needed, or was it ordered by mistake?"
    )


def ask_items(order: Record, verb: str) -> str:
    lines = [item_line(n, item) for n, item in enumerate(order.get("items", []), 1)]
    head = f"{ITEMS_QUESTION} would you like to {verb}? Order {order.get('order_id')} holds:"
    return "\n".join([head, *lines])


def ask_refund(
    order: Record, user: Record, gift_cards: Sequence[str], items: Sequence[Record]
) -> str:
    original = order.get("payment_history", [{}])[0].get("payment_method_id", "")
    choices = [f"the original payment method, {method_name(original, user)}"]
    choices += [f"your {method_name(g, user)}" for g in gift_cards if g != original]
    names = ", ".join(str(item.get("name")) for item in items)
    head = f"Where should the refund go for {names} from order {order.get('order_id')}"
    return f"{head}: {' or '.join(choices)}?"


def refund_amount(order: Record, items: Sequence[Record]) -> str:
    """What a return or a cancellation of ``items`` would refund: the price paid for each."""
    total = sum(float(item.get("price", 0)) for item in items)
    lines = [item_line(n, item) for n, item in enumerate(items, 1)] if len(items) > 1 else []
    names = ", ".join(str(item.get("name")) for item in items)
    head = f"For {names} from order {order.get('order_id')} you would get back {money(total)}"
    head += ", the price paid for each item:" if lines else ", the price paid for it."
    tail = "Nothing has been changed; tell me when you would like to go ahead."
    return "\n".join([head, *lines, tail])


def ask_payment(user: Record, candidates: Sequence[str], why: str) -> str:
    methods = candidates or list(user.get("payment_methods", {}))
    names = "; ".join(method_name(m, user) for m in methods)
    return f"Which payment method should {why}? On your account: {names}."


# How the question of which method pays a price difference ends (the planner reads it back).
DIFFERENCE_ASKED = "pay or receive the price difference"


# How a list of the options an item can become starts (the planner reads it back).
VARIANTS_LISTED = "These can be ordered:"


def ask_difference_payment(
    order: Record,
    swaps: Sequence[tuple[Record, Record]],
    user: Record,
    candidates: Sequence[str],
) -> str:
    """The swap worked out from the order (each item and the variant it becomes, with the
    price difference), then which method pays or receives that difference: the customer sees
    which order and item were found before naming a method."""
    parts = [
        f"{item.get('name')} ({options(item)}) at {money(item.get('price', 0))} for the one "
        f"with {options(new)} at {money(new.get('price', 0))}"
        for item, new in swaps
    ]
    difference = sum(
        float(new.get("price", 0)) - float(item.get("price", 0)) for item, new in swaps
    )
    if difference > 0:
        owed = f"you would pay {money(difference)} more"
    elif difference < 0:
        owed = f"you would get {money(-difference)} back"
    else:
        owed = "the price is the same"
    head = f"In order {order.get('order_id')}: {'; '.join(parts)}; {owed}."
    return f"{head} {ask_payment(user, candidates, DIFFERENCE_ASKED)}"


def short_balance(user: Record, method_id: str, order: Record, amount: float) -> str:
    """A gift card that cannot pay for the whole order."""
    balance = user.get("payment_methods", {}).get(method_id, {}).get("balance", 0)
    return (
        f"I can't move order {order.get('order_id')} to your gift card {method_id}: its balance "
        f"is {money(balance)}, not enough to pay the order's {money(amount)}. The order stays "
        "paid as it is; would you like to use another payment method?"
    )


# The change waiting for a yes, by its tool: "the cancellation of order #W…".
WAITING = {
    "cancel_pending_order": "the cancellation of order {order_id}",
    "modify_pending_order_address": "the new address for order {order_id}",
    "modify_pending_order_items": "the item change in order {order_id}",
    "modify_pending_order_payment": "the payment change for order {order_id}",
    "return_delivered_order_items": "the return from order {order_id}",
    "exchange_delivered_order_items": "the exchange in order {order_id}",
    "modify_user_address": "the change of your default address",
}


def still_waiting(tool: str, args: Record) -> str:
    """A change set aside by another question, still waiting for the customer's answer."""
    change = WAITING.get(tool, "the change").format(order_id=args.get("order_id", ""))
    return (
        f"{change[0].upper()}{change[1:]} I asked you about is still waiting: say yes to make "
        "it, or no to leave everything as it is."
    )


def refund_rule(user: Record, method_id: str) -> str:
    return (
        f"A refund can only go to the original payment method or to a gift card, not to "
        f"{method_name(method_id, user)}. Which would you like?"
    )


def ask_variant(
    item: Record,
    alternatives: Sequence[Record],
    unavailable: bool,
    missing: Mapping[str, str] | None = None,
    other_kind: str = "",
) -> str:
    """Which variant the item should become; ``missing``: the options asked for that no variant
    to be ordered has together ("size L, color purple"), said first; ``other_kind``: another
    kind of product asked for ("for headphones instead"), which no exchange can give."""
    name = item.get("name")
    if other_kind:
        head = (
            f"An exchange only swaps an item for another option of the same product: your {name} "
            f"can become a {name} with other options, but not another kind of product "
            f"({other_kind}). If you would rather have that, you could return the {name} and "
            "order it separately. "
        )
    elif missing:
        asked = ", ".join(f"{k} {v}" for k, v in missing.items())
        head = (
            f"There is no {name} with {asked} that can be ordered: that option is not "
            "available right now. "
        )
    elif unavailable:
        head = f"That {item.get('name')} option is not available right now. "
    else:
        head = f"Which {item.get('name')} would you like instead? "
    if not alternatives:
        return head + "There are no other options of it available at the moment."
    lines = [
        f"- {', '.join(f'{k} {v}' for k, v in variant.get('options', {}).items())}, "
        f"{money(variant.get('price', 0))}"
        for variant in alternatives[:8]
    ]
    return head + VARIANTS_LISTED + "\n" + "\n".join(lines)


def ask_address() -> str:
    return (
        "What is the new address? Please give the street, any apartment or suite, the city, the "
        "state and the zip code, for example: 123 Main St, Apt 1, Austin, TX 78701."
    )


def done(tool: str, record: Record, user: Record | None) -> str:
    if tool == "modify_user_address":
        return "Done: your default address is updated."
    head = f"Done: order {record.get('order_id')} is {DONE.get(tool, 'updated')}"
    if tool == "return_delivered_order_items":
        refund = method_name(str(record.get("return_payment_method_id", "")), user)
        return (
            f"{head}; the refund goes to your {refund}. You will get an e-mail explaining how to "
            "send the items back."
        )
    if tool == "exchange_delivered_order_items":
        return (
            f"{head}. You will get an e-mail explaining how to send the old items back; there is "
            "no need to place a new order."
        )
    if tool == "cancel_pending_order":
        return f"{head}. Refunds to a gift card are immediate; others take 5-7 business days."
    return f"{head} (status: {record.get('status')})."


def write_failed(error: str, user: Record | None = None, method_id: str = "") -> str:
    """A write the tool refused; a gift card short of the amount is named with its balance."""
    said = f"That didn't go through: {error}. Nothing was changed."
    method: Record = (user or {}).get("payment_methods", {}).get(method_id, {})
    balance = method.get("balance")
    if "gift card balance" in error and isinstance(balance, int | float):
        said += f" Your gift card {method_id} has {money(balance)} on it."
    return said


def declined() -> str:
    return "All right, I have left everything as it was. Is there anything else I can do?"


def nothing_pending() -> str:
    return (
        "There is nothing waiting for your confirmation: I only make a change after I have "
        "described it to you and you have said yes. What would you like to do?"
    )


def waiting() -> str:
    return (
        "Of course, take your time: nothing has been changed. When you are ready, shall I put "
        "the change to you again (yes or no)?"
    )


def transferred() -> str:
    return "I have passed your request to a human agent, who will take it from here."


def welcome_back() -> str:
    return "You're welcome! Is there anything else I can do for your orders?"


def goodbye() -> str:
    return "Goodbye, and thank you for shopping with us!"


def damaged(order: Record, items: Sequence[Record]) -> str:
    """What can be done about a delivered item at fault: return it for a refund, or exchange
    it for another option of the same product; nothing is proposed before the customer picks."""
    names = ", ".join(str(item.get("name")) for item in items)
    order_id = order.get("order_id")
    if order.get("status") != "delivered":
        return (
            f"I'm sorry about the {names}. Order {order_id} is {order.get('status')}: a return "
            "or an exchange can be set up once it is delivered."
        )
    return (
        f"I'm sorry the {names} from order {order_id} arrived like that. As the order is "
        "delivered, I can:\n- return it for a refund, to the original payment method or a gift "
        "card, or\n- exchange it for a new one (the same or another option of that product).\n"
        "Which would you like?"
    )
