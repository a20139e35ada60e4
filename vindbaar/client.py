"""The one place that builds OpenSearch clients."""

from __future__ import annotations

from opensearchpy import OpenSearch

from vindbaar.errors import BackendUnavailable
from vindbaar.localnode.node import LocalNode
from vindbaar.settings import Settings


def resolve_opensearch_url(settings: Settings) -> str:
    """Return ``VINDBAAR_OPENSEARCH_URL`` if set, else the URL of the running local node.

    Raises:
        BackendUnavailable: neither is available.
    """
    if settings.opensearch_url:
        return settings.opensearch_url.rstrip("/")
    info = LocalNode(settings).info()
    if info is None:
        raise BackendUnavailable(
            "no OpenSearch configured: set VINDBAAR_OPENSEARCH_URL, or start the local node with "
            "`vindbaar opensearch start`."
        )
    return info.url


def create_client(settings: Settings) -> OpenSearch:
    """Build an OpenSearch client with bounded timeouts and retries on 429/502/503/504."""
    auth = None
    if settings.opensearch_user and settings.opensearch_password:
        auth = (settings.opensearch_user, settings.opensearch_password.get_secret_value())
    return OpenSearch(
        hosts=[resolve_opensearch_url(settings)],
        http_auth=auth,
        timeout=settings.opensearch_timeout_s,
        max_retries=2,
        retry_on_status=(429, 502, 503, 504),
        retry_on_timeout=False,
        http_compress=False,
        # One pooled connection per concurrent request of the API's worker threads.
        maxsize=32,
    )
