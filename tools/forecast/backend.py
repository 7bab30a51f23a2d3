"""The forecaster, inventory and alert sink that settings choose."""

from __future__ import annotations

from infra.clients import eventbridge_client, sagemaker_runtime_client
from infra.errors import ConfigError
from infra.settings import Settings
from tools.catalog.store import Store
from tools.forecast.alerts import AlertSink, EventBridgeAlerts, LocalAlertLog
from tools.forecast.base import Forecaster
from tools.forecast.inventory import Inventory
from tools.forecast.ledger import Ledger, SqliteLedger


def forecaster(settings: Settings) -> Forecaster:
    """``local`` (the model folder in the data directory) or ``sagemaker`` (an endpoint)."""
    if settings.forecaster_backend == "sagemaker":
        from tools.forecast.sagemaker import SageMakerForecaster

        client = sagemaker_runtime_client(settings)
        return SageMakerForecaster(client, settings.forecaster_endpoint)
    from tools.forecast.trained import LocalForecaster

    return LocalForecaster(settings.forecaster_dir)


def inventory(settings: Settings, store: Store) -> Inventory:
    """Stock positions from the ledger beside the store: tables in the embedded SQLite file, or
    in the PostgreSQL store's database (shared by every worker)."""
    ledger: Ledger
    if settings.store_backend == "postgres":
        if settings.database_url is None:
            raise ConfigError("SHOPAGENT_STORE_BACKEND=postgres needs SHOPAGENT_DATABASE_URL")
        from tools.forecast.postgres_ledger import PostgresLedger

        ledger = PostgresLedger(settings.database_url.get_secret_value())
    else:
        ledger = SqliteLedger(settings.store_path)
    return Inventory(store, ledger, settings.lead_time_days, settings.service_level)


def alert_sink(settings: Settings) -> AlertSink:
    """``local`` (an append-only log in the data directory) or ``eventbridge``."""
    if settings.alerts_backend == "eventbridge":
        return EventBridgeAlerts(eventbridge_client(settings), settings.alerts_bus)
    return LocalAlertLog(settings.alerts_path)
