"""The agent core: chat-model selection, the offline planner, prompts and guardrails."""
