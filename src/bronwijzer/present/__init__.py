"""Presentation: records as JSON-ready dicts, terminal text, and the phrases in both languages."""
