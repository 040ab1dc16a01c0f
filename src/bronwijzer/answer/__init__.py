"""Answers: composing extractive answers, confidence, question types."""
