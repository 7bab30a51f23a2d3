"""The store of products, users and orders, its backends and the demo-data loaders."""
