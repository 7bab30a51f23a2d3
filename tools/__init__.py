"""Domain models and one sub-package per capability, each with a Protocol, backends and tools."""
