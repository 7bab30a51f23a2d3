"""The store Protocol: products, users, orders and behaviour events.

The embedded backend is ``tools.catalog.sqlite.SqliteStore``; DynamoDB comes later under the
same Protocol.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from typing import Protocol

from infra.events.schema import BehaviourEvent
from tools.models import Order, Product, StoreInfo, User


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

    def append_events(self, events: Iterable[BehaviourEvent]) -> int:
        """Append events, ignoring ids already stored; returns how many were new."""

    def iter_events(self, types: Collection[str] = ()) -> Iterator[BehaviourEvent]:
        """Stored events of the given ``types`` (all when empty), oldest first."""

    def iter_orders(self) -> Iterator[Order]:
        """Every order, in the order they were stored."""

    def close(self) -> None: ...
