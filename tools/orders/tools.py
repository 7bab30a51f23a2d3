"""The 16 customer-service tools of the tau-bench retail contract, over the ``Store`` Protocol.

Names and arguments are those of ``retail_tools.json``; outputs are the reference's: a record
as JSON on success (orders as stored, users and products in the benchmark's shapes), a plain
id or text where the reference answers text, and ``Error: …`` on a refusal (a
``ToolInputError`` with the reference's wording). These tools trust their caller: who may see
or change what is decided by the conversation policy in ``graphs.orders``.
"""

from __future__ import annotations

import uuid
from typing import Any

import anyio.to_thread
from pydantic import BaseModel

from infra.errors import NotFoundError
from tools.catalog.store import Store
from tools.models import Order, User
from tools.orders.calculator import calculate as evaluate
from tools.orders.changes import WRITES, commit
from tools.orders.inputs import (
    CalculateInput,
    CancelInput,
    EmailInput,
    ItemsChangeInput,
    NameZipInput,
    NoInput,
    OrderAddressInput,
    OrderIdInput,
    PaymentChangeInput,
    ProductIdInput,
    ReturnInput,
    SummaryInput,
    ThinkInput,
    UserAddressInput,
    UserIdInput,
)
from tools.orders.records import (
    Calculation,
    ProductRecord,
    ProductTypes,
    Thought,
    Transfer,
    UserId,
    UserRecord,
)
from tools.spec import ToolSpec

# The tools that find who the customer is, and the ones that change records.
IDENTIFY = frozenset({"find_user_id_by_email", "find_user_id_by_name_zip"})
WRITE_TOOLS = frozenset(WRITES)
# What a lookup that finds nobody answers.
USER_NOT_FOUND = "user not found"


def order_tools(store: Store) -> list[ToolSpec[Any, Any]]:
    """The customer-service tools bound to ``store``.

    A write called here (over REST, or by the eval harness) is checked and made in one store
    transaction under a key of its own; the chat's confirmed writes go through
    ``tools.orders.changes.commit`` with the key of their confirmation instead.
    """

    def _stored(name: str, args: BaseModel) -> Order:
        record = commit(store, name, args, key=f"call:{uuid.uuid4().hex}").record
        if not isinstance(record, Order):
            raise RuntimeError(f"{name} answered no order record")
        return record

    async def find_user_id_by_email(args: EmailInput) -> UserId:
        """Find a customer's user id from their e-mail address (case does not matter).

        Answers the user id, or an error when no customer has that address.
        """
        user = store.find_user_by_email(args.email)
        if user is None:
            raise NotFoundError(USER_NOT_FOUND)
        return UserId(user_id=user.user_id)

    async def find_user_id_by_name_zip(args: NameZipInput) -> UserId:
        """Find a customer's user id from their first name, last name and zip code.

        Prefer the e-mail lookup; use this one when the customer cannot give an e-mail address
        or it finds nobody. Answers the user id, or an error when nobody matches.
        """
        user = store.find_user_by_name_zip(args.first_name, args.last_name, args.zip)
        if user is None:
            raise NotFoundError(USER_NOT_FOUND)
        return UserId(user_id=user.user_id)

    async def get_user_details(args: UserIdInput) -> UserRecord:
        """A customer's profile: name, default address, e-mail, payment methods (gift-card
        balances included) and the ids of their orders."""
        user = store.get_user(args.user_id)
        if user is None:
            raise NotFoundError("user not found")
        return UserRecord.of(user)

    async def get_order_details(args: OrderIdInput) -> Order:
        """An order's status, items (with item ids, options and prices), shipping address,
        fulfilments (tracking ids) and payment history."""
        order = store.get_order(args.order_id)
        if order is None:
            raise NotFoundError("order not found")
        return order

    async def get_product_details(args: ProductIdInput) -> ProductRecord:
        """A product type and every variant of it: item id, options, price and whether it can
        be ordered now. Takes a product id, never an item id."""
        product = store.get_product(args.product_id)
        if product is None:
            raise NotFoundError("product not found")
        return ProductRecord.of(product)

    async def list_all_product_types(args: NoInput) -> ProductTypes:
        """Every product type the store sells, as name -> product id (there are about 50);
        each type comes in variants with their own item ids."""
        names = {p.title: p.id for p in store.iter_products()}
        return ProductTypes(dict(sorted(names.items())))

    async def calculate(args: CalculateInput) -> Calculation:
        """Work out an arithmetic expression such as '2 + 2' (numbers, + - * /, parentheses);
        the result is rounded to two decimals."""
        # In a worker thread: even a bounded evaluation never holds the event loop.
        return Calculation(result=await anyio.to_thread.run_sync(evaluate, args.expression))

    async def think(args: ThinkInput) -> Thought:
        """Write down a thought while reasoning through a complex request. It looks nothing up
        and changes nothing."""
        return Thought()

    async def transfer_to_human_agents(args: SummaryInput) -> Transfer:
        """Hand the customer over to a human agent with a summary of their issue. Only when
        they ask for a human, or when their request cannot be met with these tools."""
        return Transfer()

    async def cancel_pending_order(args: CancelInput) -> Order:
        """Cancel a pending order (processed or delivered orders cannot be cancelled).

        The reason is 'no longer needed' or 'ordered by mistake'. The order becomes
        'cancelled' and every payment is refunded: to a gift card at once, to other methods
        in 5-7 business days. The customer sees the cancellation and confirms it before it
        runs. Answers the order afterwards.
        """
        return _stored("cancel_pending_order", args)

    async def modify_pending_order_address(args: OrderAddressInput) -> Order:
        """Change where a pending order is shipped.

        The customer sees the change and confirms it before it runs. Answers the order
        afterwards.
        """
        return _stored("modify_pending_order_address", args)

    async def modify_pending_order_items(args: ItemsChangeInput) -> Order:
        """Swap items of a pending order for other available variants of the same products.

        item_ids[i] becomes new_item_ids[i]; the price difference is paid with, or refunded
        to, payment_method_id (a gift card must cover it). It can be done only once per order
        and the order can no longer be cancelled or changed, so collect every item first.
        The customer sees the change and confirms it before it runs. Answers the order
        afterwards.
        """
        return _stored("modify_pending_order_items", args)

    async def modify_pending_order_payment(args: PaymentChangeInput) -> Order:
        """Pay a pending order with a different single payment method.

        A gift card must cover the total; the original payment is refunded. The customer sees
        the change and confirms it before it runs. Answers the order afterwards.
        """
        return _stored("modify_pending_order_payment", args)

    async def modify_user_address(args: UserAddressInput) -> UserRecord:
        """Change a customer's default address.

        The customer sees the change and confirms it before it runs. Answers the customer's
        profile afterwards.
        """
        record = commit(store, "modify_user_address", args, key=f"call:{uuid.uuid4().hex}").record
        if not isinstance(record, User):
            raise RuntimeError("an address change answered no user record")
        return UserRecord.of(record)

    async def return_delivered_order_items(args: ReturnInput) -> Order:
        """Ask for items of a delivered order to be returned.

        The order becomes 'return requested' and the customer is e-mailed how to send the
        items back. The refund goes to the original payment method or to a gift card. The
        customer sees the return and confirms it before it runs. Answers the order afterwards.
        """
        return _stored("return_delivered_order_items", args)

    async def exchange_delivered_order_items(args: ItemsChangeInput) -> Order:
        """Exchange items of a delivered order for other available variants of the same products.

        item_ids[i] becomes new_item_ids[i]; the price difference is paid with, or refunded
        to, payment_method_id (a gift card must cover it). A delivered order can be returned
        or exchanged only once, so collect every item first. The customer sees the exchange
        and confirms it before it runs. Answers the order afterwards.
        """
        return _stored("exchange_delivered_order_items", args)

    return [
        ToolSpec("find_user_id_by_email", EmailInput, UserId, find_user_id_by_email, _user_id),
        ToolSpec(
            "find_user_id_by_name_zip", NameZipInput, UserId, find_user_id_by_name_zip, _user_id
        ),
        ToolSpec("get_user_details", UserIdInput, UserRecord, get_user_details),
        ToolSpec("get_order_details", OrderIdInput, Order, get_order_details),
        ToolSpec("get_product_details", ProductIdInput, ProductRecord, get_product_details),
        ToolSpec("list_all_product_types", NoInput, ProductTypes, list_all_product_types),
        ToolSpec("calculate", CalculateInput, Calculation, calculate, _number),
        ToolSpec("think", ThinkInput, Thought, think, _nothing),
        ToolSpec(
            "transfer_to_human_agents", SummaryInput, Transfer, transfer_to_human_agents, _message
        ),
        ToolSpec("cancel_pending_order", CancelInput, Order, cancel_pending_order),
        ToolSpec(
            "modify_pending_order_address",
            OrderAddressInput,
            Order,
            modify_pending_order_address,
        ),
        ToolSpec("modify_pending_order_items", ItemsChangeInput, Order, modify_pending_order_items),
        ToolSpec(
            "modify_pending_order_payment", PaymentChangeInput, Order, modify_pending_order_payment
        ),
        ToolSpec("modify_user_address", UserAddressInput, UserRecord, modify_user_address),
        ToolSpec("return_delivered_order_items", ReturnInput, Order, return_delivered_order_items),
        ToolSpec(
            "exchange_delivered_order_items",
            ItemsChangeInput,
            Order,
            exchange_delivered_order_items,
        ),
    ]


# The reference answers these tools in plain text, not JSON.
def _user_id(output: UserId) -> str:
    return output.user_id


def _number(output: Calculation) -> str:
    return str(output.result)


def _nothing(output: Thought) -> str:
    return ""


def _message(output: Transfer) -> str:
    return output.message
