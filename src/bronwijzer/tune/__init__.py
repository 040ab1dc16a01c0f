"""Offline fitting and evaluation: the answerability and confidence models, the
citation-question detector, cross-validation on the tuning questions, scoring."""
