"""The `vindbaar` command: the one composition root that wires the wings (indexer, reranker, search)
and the development tools (the local node, the demo) together. Nothing imports it."""
