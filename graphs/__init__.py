"""LangGraph graphs built on the agent core."""
