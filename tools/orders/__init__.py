"""Customer service: the tau-bench retail tools (order status, cancellations, changes,
returns, exchanges) over the store. ``tools.orders.tools.order_tools`` builds them."""
