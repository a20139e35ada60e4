"""The query service: hybrid retrieval, autocomplete and the HTTP API."""
