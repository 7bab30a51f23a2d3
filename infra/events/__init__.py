"""Behaviour events: the schema, producers, the stream processor and its stores.

    producer (local log | Kinesis) ─► stream ─► Processor ─► handlers (profiles, lake …)
                                                    └──────► dead letters (poison records)

What the processor updates is handed to it by the caller, so nothing here knows the domain.
"""
