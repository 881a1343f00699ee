"""Retrieval-based Chinese FAQ assistant: KB -> versioned index -> answer / clarify / handoff."""

__version__ = "0.1.0"
