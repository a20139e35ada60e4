"""FastAPI dependency aliases for the resources the app's lifespan owns."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request
from opensearchpy import OpenSearch

from vindbaar.settings import Settings


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return cast(Settings, request.app.state.settings)


def get_client(request: Request) -> OpenSearch:
    """The OpenSearch client opened by the lifespan."""
    return cast(OpenSearch, request.app.state.client)


SettingsDep = Annotated[Settings, Depends(get_settings)]
ClientDep = Annotated[OpenSearch, Depends(get_client)]
