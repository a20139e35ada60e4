"""The one place that builds OpenSearch clients.

The client is given a URL (``VINDBAAR_OPENSEARCH_URL``); it does not know how a local node is
started. The CLI resolves the URL of the development node (`devtools.localnode`) when none is set.
"""

from __future__ import annotations

from opensearchpy import OpenSearch

from vindbaar.errors import BackendUnavailable
from vindbaar.settings import Settings

#: Connections kept open to OpenSearch: at least the API's concurrent requests (anyio's 40 threads).
POOL_SIZE = 48


def opensearch_url(settings: Settings) -> str:
    """``VINDBAAR_OPENSEARCH_URL`` without a trailing slash.

    Raises:
        BackendUnavailable: no URL is configured.
    """
    if not settings.opensearch_url:
        raise BackendUnavailable(
            "no OpenSearch configured: set VINDBAAR_OPENSEARCH_URL, or start the local node with "
            "`vindbaar opensearch start` and use the `vindbaar` command, which finds it."
        )
    return settings.opensearch_url.rstrip("/")


def create_client(settings: Settings) -> OpenSearch:
    """Build an OpenSearch client with bounded timeouts and retries on 429/502/503/504."""
    auth = None
    if settings.opensearch_user and settings.opensearch_password:
        auth = (settings.opensearch_user, settings.opensearch_password.get_secret_value())
    return OpenSearch(
        hosts=[opensearch_url(settings)],
        http_auth=auth,
        timeout=settings.opensearch_timeout_s,
        max_retries=2,
        retry_on_status=(429, 502, 503, 504),
        retry_on_timeout=False,
        http_compress=False,
        # One pooled connection per concurrent request of the API's worker threads. (`pool_maxsize`: the
        # `maxsize` this said before is silently ignored, which left a pool of 1, so under load every
        # concurrent request opened and closed its own connection.)
        pool_maxsize=POOL_SIZE,
    )
