"""Evaluation harnesses: suites replayed through the agent and the backends, scored and reported."""
