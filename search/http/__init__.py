"""The HTTP API: the app factory (`app`), dependencies (`deps`), the mapping of errors to status codes
(`errors`) and one router module per resource (`routes/`). The only package that imports FastAPI."""
