"""The index: chunking, the on-disk store, the lexical part, building and staleness."""
