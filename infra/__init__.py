"""Settings, client factories, errors and local-service launchers shared by every layer."""
