"""Vindbaar: personalized on-site search for web shops.

This package holds what the write path (`indexer`), the personalization layer
(`reranker`) and the query service (`search`) share: settings, the OpenSearch
client factory, the embedder, the product model and the local OpenSearch node.
"""

__version__ = "0.1.0"

#: The OpenSearch release the project is pinned to (local node, docker-compose, k-NN plugin).
OPENSEARCH_VERSION = "3.5.0"
