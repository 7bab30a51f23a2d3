"""Product search: the Protocol, its backends and the ``search_products`` tool."""
