"""Forecasts ready on a fresh store: the local forecaster trains on first use.

``shopagent jobs forecast`` trains the forecaster and stores every product's forecast for the
inventory decisions. A store that was only loaded has neither, so the first demand, stock or
reorder question trains once (a few seconds on the gift shop), saves the model where the job
would, and stores the forecasts in the ledger; later questions find them ready. A store whose
sales carry no dates cannot be forecast: the reason is kept and given in plain words (never a
file path or a command: the person asking is a shopper or a merchandiser, not an operator).
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime

from infra.errors import ConfigError
from tools.catalog.store import Store
from tools.forecast.base import Forecaster
from tools.forecast.inventory import Inventory
from tools.forecast.job import stored_forecasts
from tools.forecast.train import train_forecaster
from tools.forecast.trained import LocalForecaster

log = logging.getLogger(__name__)


class TrainOnFirstUse:
    """Trains a local forecaster that has no model yet, once, and fills the ledger's forecasts."""

    def __init__(self, store: Store, forecaster: Forecaster, inventory: Inventory) -> None:
        self.store = store
        self.forecaster = forecaster
        self.inventory = inventory
        self._lock = threading.Lock()
        self._done = False
        self.problem = ""  # why there are no forecasts, in words for the person asking

    def ensure(self) -> None:
        """Train now if the local model or the stored forecasts are missing (blocking, once)."""
        if self._done:
            return
        with self._lock:
            if self._done:
                return
            try:
                self._prepare()
            except ConfigError as err:  # no dated sales to learn from: nothing to train on
                self.problem = str(err)
                log.info("forecasts not trained on first use: %s", err)
            self._done = True

    def _prepare(self) -> None:
        if not isinstance(self.forecaster, LocalForecaster):
            return  # a remote endpoint is trained and deployed by its own pipeline
        ledger = self.inventory.ledger
        if self.forecaster.trained() and ledger.has_forecasts():
            return
        started = datetime.now(UTC)
        if self.forecaster.trained():
            model = self.forecaster.model()
        else:
            model, _ = train_forecaster(self.store, self.forecaster.folder)
        run_id = f"{started:%Y%m%dT%H%M%S}-first-use-{uuid.uuid4().hex[:8]}"
        ledger.replace_forecasts(stored_forecasts(model, run_id))
        log.info("forecaster trained on first use: %d products", len(model.skus))
