"""The FastAPI app, its web page and the ``shopagent`` command line."""
