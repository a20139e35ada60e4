"""The one place that builds OpenSearch clients.

The client is given URLs (``VINDBAAR_OPENSEARCH_URL``, one node or several of a cluster, comma-separated);
it does not know how a local node is started. The CLI resolves the URL of the development node
(`devtools.localnode`) when none is set.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from opensearchpy import OpenSearch, Transport
from opensearchpy.exceptions import ConnectionTimeout

from vindbaar import deadline
from vindbaar.errors import BackendUnavailable
from vindbaar.settings import Settings

#: Connections kept open to OpenSearch: at least the API's concurrent requests (anyio's 40 threads).
POOL_SIZE = 48


def opensearch_urls(settings: Settings) -> list[str]:
    """The URLs of ``VINDBAAR_OPENSEARCH_URL`` (comma-separated for several nodes), without trailing slashes.

    Raises:
        BackendUnavailable: no URL is configured.
    """
    urls = [url.strip().rstrip("/") for url in (settings.opensearch_url or "").split(",") if url.strip()]
    if not urls:
        raise BackendUnavailable(
            "no OpenSearch configured: set VINDBAAR_OPENSEARCH_URL, or start the local node with "
            "`vindbaar opensearch start` and use the `vindbaar` command, which finds it."
        )
    return urls


class BoundedTransport(Transport):
    """opensearch-py's transport, giving each call no more time than the current request has left
    (`vindbaar.deadline`); with the deadline spent, a call fails at once as a timeout."""

    def perform_request(
        self,
        method: str,
        url: str,
        params: Any = None,
        body: Any = None,
        timeout: int | float | None = None,
        ignore: Collection[int] = (),
        headers: Any = None,
    ) -> Any:
        left = deadline.remaining()
        if left is not None:
            if left <= 0:
                spent = TimeoutError("the request's time for OpenSearch is spent")
                raise ConnectionTimeout("TIMEOUT", str(spent), spent)
            if timeout is None and params:
                timeout = params.pop("request_timeout", None)
            asked = timeout if timeout is not None else self.kwargs.get("timeout", left)
            timeout = min(float(asked), left)
        return super().perform_request(method, url, params, body, timeout, ignore, headers)


def create_client(settings: Settings) -> OpenSearch:
    """Build an OpenSearch client with bounded timeouts and retries on 429/502/503/504.

    With several URLs, requests are spread over the nodes and a node that refuses connections is left
    out for a while (its requests retried on another). TLS follows the URL scheme (``https://``);
    ``VINDBAAR_OPENSEARCH_CA_CERTS`` names the CA bundle that signed the cluster's certificates.
    """
    auth = None
    if settings.opensearch_user and settings.opensearch_password:
        auth = (settings.opensearch_user, settings.opensearch_password.get_secret_value())
    tls: dict[str, Any] = {}
    urls = opensearch_urls(settings)
    if any(url.startswith("https://") for url in urls):
        tls = {"verify_certs": settings.opensearch_verify_certs, "ssl_show_warn": settings.opensearch_verify_certs}
        if settings.opensearch_ca_certs is not None:
            tls["ca_certs"] = str(settings.opensearch_ca_certs)
    return OpenSearch(
        hosts=urls,
        http_auth=auth,
        transport_class=BoundedTransport,
        timeout=settings.opensearch_timeout_s,
        max_retries=2,
        retry_on_status=(429, 502, 503, 504),
        retry_on_timeout=False,
        http_compress=False,
        # One pooled connection per concurrent request of the API's worker threads. (`pool_maxsize`: the
        # `maxsize` this said before is silently ignored, which left a pool of 1, so under load every
        # concurrent request opened and closed its own connection.)
        pool_maxsize=POOL_SIZE,
        **tls,
    )
