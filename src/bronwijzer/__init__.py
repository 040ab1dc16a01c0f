"""Bronwijzer: question answering with sources for Dutch policy documents."""

__version__ = "0.1.0"
