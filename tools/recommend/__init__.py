"""Recommendations: the Protocol, the local item model, its SageMaker-contract server and
client, the service that applies the store's rules, and the ``recommend_products`` tool."""
