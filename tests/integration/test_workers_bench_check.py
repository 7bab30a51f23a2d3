"""The workers bench's store check finds each way a write can go wrong, and passes a clean one."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from evals.workers_bench import check_store
from tools.catalog.postgres import PostgresStore
from tools.models import Order, Payment

pytestmark = pytest.mark.integration


def _cancelled(order: Order, refunds: int) -> Order:
    paid = [p for p in order.payment_history if p.transaction_type == "payment"]
    back = [
        Payment(transaction_type="refund", amount=p.amount, payment_method_id=p.payment_method_id)
        for p in paid
        for _ in range(refunds)
    ]
    return order.model_copy(
        update={"status": "cancelled", "payment_history": [*order.payment_history, *back]}
    )


def test_the_check_names_lost_doubled_and_stray_changes(
    tau_database: str, new_database: Callable[[str | None], str]
) -> None:
    template, run = new_database(tau_database), new_database(tau_database)
    with PostgresStore(template) as store:
        orders = {o.order_id: o for o in store.iter_orders()}

    def by_card(order: Order) -> bool:
        return order.payment_history[0].payment_method_id.startswith("gift_card")

    # Three pending orders paid otherwise than by gift card, and one paid by gift card, each of
    # a different shopper.
    intended: dict[str, str] = {}
    for wanted_gift in (False, False, False, True):
        order = next(
            o
            for o in orders.values()
            if o.status == "pending"
            and by_card(o) == wanted_gift
            and o.user_id
            and o.user_id not in intended.values()
        )
        intended[order.order_id] = order.user_id
    gift = orders[list(intended)[3]]
    done, doubled, lost = list(intended)[:3]
    stray = next(o for o in orders.values() if o.order_id not in intended)
    with PostgresStore(run) as store:
        assert sorted(check_store(template, run, intended).lost) == sorted(intended)  # none done
        for order_id, refunds in ((done, 1), (doubled, 2), (gift.order_id, 1)):
            store.put_order(_cancelled(orders[order_id], refunds))
        store.put_order(stray.model_copy(update={"status": "cancelled"}))
        # The gift card was not credited: the user's record is wrong.
        check = check_store(template, run, intended)
        assert (check.applied_once, check.duplicated, check.lost) == (2, [doubled], [lost])
        assert check.other_orders_changed == [stray.order_id]
        assert check.users_wrong == [gift.user_id] and not check.clean
        user = store.get_user(gift.user_id)
        assert user is not None
        card = user.payment_methods[gift.payment_history[0].payment_method_id]
        balance = float((card.model_extra or {})["balance"]) + gift.payment_history[0].amount
        card_doc = {**card.model_dump(), "balance": round(balance, 2)}
        methods = {**user.payment_methods, card.id: type(card).model_validate(card_doc)}
        store.put_user(user.model_copy(update={"payment_methods": methods}))
        assert check_store(template, run, intended).users_wrong == []
