"""Search: dense and lexical retrieval fused into one ranking."""
