"""Batch answering: the runner and the question/answer file formats."""
