"""A shopper's activity since training, from the event pipeline's profile store."""

from __future__ import annotations

from tools.behaviour.profiles import Profiles
from tools.recommend.history import SIGNAL_EVENTS

RECENT_EVENTS = 50


class ProfileActivity:
    """What ``recommend_products`` needs of the profile store: recent items and a version."""

    def __init__(self, profiles: Profiles) -> None:
        self.profiles = profiles

    def version(self, user_id: str) -> str:
        """Changes whenever an event of the shopper is applied (part of the cache key)."""
        p = self.profiles.profile(user_id)
        if p is None:
            return "0"
        applied = p.searches + p.views + p.carts + p.purchases + p.cancels
        return f"{applied}-{p.last_seen.timestamp():.6f}"

    def items(self, user_id: str) -> tuple[list[str], list[str]]:
        """Products the shopper viewed, carted or bought lately (oldest first), and bought."""
        seen: list[str] = []
        bought: list[str] = []
        for event in reversed(self.profiles.recent(user_id, RECENT_EVENTS)):
            if event.product_id and event.type in SIGNAL_EVENTS:
                seen.append(event.product_id)
                if event.type == "purchase":
                    bought.append(event.product_id)
        return seen, bought
