"""Vindbaar: personalized on-site search for web shops.

This package is the shared ground of the write path (`indexer`), the ranking logic
(`reranker`) and the search engine (`search`): settings, the OpenSearch client, index
names, the product model and document schema, the filter model, the embedder, synonyms
and the error hierarchy. It imports none of them (see ARCHITECTURE.md).
"""

__version__ = "0.1.0"

#: The OpenSearch release the project is pinned to (local node, docker-compose, k-NN plugin).
OPENSEARCH_VERSION = "3.5.0"
