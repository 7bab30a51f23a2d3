"""The composition root: every backend, graph and service of a process, built from ``Settings``.

One place turns configuration into running objects, so no face of the assistant wires its own:
the FastAPI app (``api.main``), the ``shopagent`` commands (``api/*_cli.py``) and the evaluation
harnesses (``evals/``) all ask this package. Each piece is built once, whole: a graph that a
service needs is passed to its constructor, never attached afterwards.

Why a package of its own, and here. It builds the content, explain and chat graphs, so it sits
above ``graphs``; it also builds what no graph should know about (the event pipeline, the
identity, the session registry, the rate limiter), so it is not part of ``graphs`` either. It
sits below ``api`` and ``evals``, which both use it and so no longer need each other: ``evals``
does not import the web package, and ``api`` imports ``evals`` only for ``shopagent eval``.

``services``    the tool backends: store, search, cache, analyzer, content store, forecaster,
                inventory, recommendation service (``Services.from_settings``)
``events``      the behaviour-event pipeline: producer, profiles, lake, processors
``content``     the content graph on those backends (``shopagent content``)
``tool_specs``  every tool bound to the backends and graphs, by name
``demo_store``  the demo store and the local models loaded into the data directory when missing
``runtime``     all of the above plus the chat model, the checkpointer, the chat graph, the
                identity, the session registry and the rate limiter (``open_runtime``)

The store itself comes from ``tools.catalog.backend.store``, the one place a store is opened.
"""
