"""Customer service for the offline planner: order status, cancellations, returns, exchanges,
address changes and hand-over to a human agent (``planner.service_step``)."""
