"""Development tooling: the local OpenSearch node built from Maven Central, and the demo.

Nothing in the product (`vindbaar`, `indexer`, `reranker`, `search`) imports this package; the CLI
(`cli/`) wires it in for `vindbaar opensearch …` and `vindbaar demo`.
"""
