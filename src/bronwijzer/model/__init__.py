"""The embedding model: the embedder interface and the default-model converter."""
