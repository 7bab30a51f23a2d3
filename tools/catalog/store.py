"""The store Protocol: products, users, orders and behaviour events.

The embedded backend is ``tools.catalog.sqlite.SqliteStore``; PostgreSQL comes later under the
same Protocol.

Writes that touch more than one record (a refund changes the order and the customer's gift-card
balance) go through ``apply_change`` only: the change is worked out again from records read
inside the write transaction, both records and the change's idempotency key are written in that
same transaction, and a key that was applied before changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol, TypeVar

from infra.events.schema import BehaviourEvent
from tools.models import Order, Product, StoreInfo, User


class RecordChange(Protocol):
    """A worked-out write: the user and order records afterwards (``None``: unchanged)."""

    @property
    def order(self) -> Order | None: ...

    @property
    def user(self) -> User | None: ...

    @property
    def summary(self) -> str:
        """What the change does, in a sentence (kept with its key)."""


C = TypeVar("C", bound=RecordChange)


@dataclass(frozen=True)
class Applied:
    """What ``apply_change`` did with a key: ``now`` is ``False`` when it had been applied before
    (``summary`` is then the change made that first time, and nothing was written now)."""

    now: bool
    summary: str


class Store(Protocol):
    """Reads and writes of the catalog, customers, orders and events."""

    def info(self) -> StoreInfo | None:
        """What the store holds, or ``None`` when nothing was loaded yet."""

    def replace_all(
        self,
        info: StoreInfo,
        products: Iterable[Product],
        users: Iterable[User],
        orders: Iterable[Order],
    ) -> None:
        """Atomically replace the whole store with a freshly loaded dataset."""

    def get_product(self, product_id: str) -> Product | None: ...

    def get_products(self, product_ids: Iterable[str]) -> list[Product]:
        """The products that exist among ``product_ids``, in the order asked."""

    def iter_products(self) -> Iterator[Product]: ...

    def put_product(self, product: Product) -> None: ...

    def get_user(self, user_id: str) -> User | None: ...

    def find_user_by_email(self, email: str) -> User | None: ...

    def find_user_by_name_zip(
        self, first_name: str, last_name: str, zip_code: str
    ) -> User | None: ...

    def put_user(self, user: User) -> None: ...

    def get_order(self, order_id: str) -> Order | None: ...

    def orders_for_user(self, user_id: str) -> list[Order]: ...

    def put_order(self, order: Order) -> None: ...

    def apply_change(self, key: str, plan: Callable[[Store], C]) -> tuple[C | None, Applied]:
        """Apply the change ``plan`` works out, once per ``key``, in one transaction.

        Inside one write transaction: if ``key`` was applied before, nothing is written and the
        answer is ``(None, Applied(False, summary of then))``. Otherwise ``plan`` is called with
        a view of the store whose reads see, and hold, the records as they are in that
        transaction (SQLite: ``BEGIN IMMEDIATE`` holds the database's write lock; PostgreSQL:
        rows read with ``SELECT ... FOR UPDATE``), so its checks cannot be overtaken by another
        writer; then its user and order records and the key are written and committed together.
        A ``plan`` that raises rolls everything back. Answers the change and ``Applied(True, …)``.
        """

    def applied_change(self, key: str) -> str | None:
        """The summary of the change applied under ``key``, or ``None`` if none was."""

    def append_events(self, events: Iterable[BehaviourEvent]) -> int:
        """Append events, ignoring ids already stored; returns how many were new."""

    def iter_events(self, types: Collection[str] = ()) -> Iterator[BehaviourEvent]:
        """Stored events of the given ``types`` (all when empty), oldest first."""

    def iter_orders(self) -> Iterator[Order]:
        """Every order, in the order they were stored."""

    def close(self) -> None: ...
