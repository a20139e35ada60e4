"""Who is calling: the shop's storefront (public), the shop's backend (server key) or an admin, and, from
a signed user token, which logged-in shopper the storefront acts for."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Header, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

from search.http.limits import RateLimiter
from vindbaar.errors import InvalidUserToken, NotAuthenticated, NotPermitted
from vindbaar.settings import Settings
from vindbaar.user_tokens import verify_user_token

Role = Literal["public", "server", "admin"]


@dataclass(frozen=True)
class Caller:
    """The caller of one request: its role, and the user its token proves (None: no valid token).

    An invalid token (expired on a page left open, say) only matters where a user is named: anonymous
    search and autocomplete go on working.
    """

    role: Role
    token_user: str | None = None
    token_error: InvalidUserToken | None = None

    @property
    def trusted(self) -> bool:
        """Server-side callers (server or admin key) may act for any shopper."""
        return self.role != "public"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def may_act_for(self, user_id: str | None) -> bool:
        """Whether the caller may name `user_id` (no user named: yes)."""
        if not user_id or self.trusted:
            return True
        return self.token_error is None and self.token_user == user_id

    def user(self, requested: str | None) -> str | None:
        """The user id the request may act for: `requested` if the caller may name it, else the token's.

        Raises:
            NotAuthenticated: a public caller names a user without a user token.
            NotPermitted: the token is another user's.
        """
        if requested is None or self.trusted:
            return requested if requested is not None else self.token_user
        if self.token_error is not None:
            raise self.token_error
        if self.token_user is None:
            raise NotAuthenticated(
                "user_id needs a signed user token (X-User-Token) from the shop's backend, or a server key"
            )
        if self.token_user != requested:
            raise NotPermitted("the user token is for another user")
        return requested


# Declared as security schemes (not plain headers) so the OpenAPI document says which routes need which key;
# none refuses a request itself (auto_error=False): `_role` and `require_admin` decide, per route. Public
# routes have schemes of their own, which `responses.document_public_key` marks optional while no search key
# is configured.
ADMIN_KEY = APIKeyHeader(name="X-API-Key", scheme_name="AdminKey", auto_error=False, description="The admin key.")
ADMIN_BEARER = HTTPBearer(scheme_name="AdminBearer", auto_error=False, description="The admin key as a bearer.")
SEARCH_KEY = APIKeyHeader(name="X-API-Key", scheme_name="SearchKey", auto_error=False,
                          description="The search, server or admin key.")  # fmt: skip
SEARCH_BEARER = HTTPBearer(scheme_name="SearchBearer", auto_error=False, description="The same key as a bearer.")


def _key(x_api_key: str | None, bearer: HTTPAuthorizationCredentials | None) -> str | None:
    if x_api_key is not None:
        return x_api_key
    return bearer.credentials.strip() if bearer is not None else None


async def given_admin_key(
    x_api_key: Annotated[str | None, Security(ADMIN_KEY)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(ADMIN_BEARER)],
) -> str | None:
    """The API key of an admin request: ``X-API-Key`` or ``Authorization: Bearer``."""
    return _key(x_api_key, bearer)


async def given_key(
    x_api_key: Annotated[str | None, Security(SEARCH_KEY)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(SEARCH_BEARER)],
) -> str | None:
    """The API key of a public request: ``X-API-Key`` or ``Authorization: Bearer``."""
    return _key(x_api_key, bearer)


GivenKeyDep = Annotated[str | None, Depends(given_key)]
GivenAdminKeyDep = Annotated[str | None, Depends(given_admin_key)]


def same_key(given: str, expected: SecretStr | None) -> bool:
    """Constant-time comparison with a configured key (False when that key is not configured)."""
    return expected is not None and hmac.compare_digest(given.encode(), expected.get_secret_value().encode())


def _role(settings: Settings, given: str | None) -> Role:
    if given and same_key(given, settings.admin_api_key):
        return "admin"
    if given and same_key(given, settings.server_api_key):
        return "server"
    if settings.search_api_key is None:
        return "public"
    if not given:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing API key", headers={"WWW-Authenticate": "Bearer"})
    if not same_key(given, settings.search_api_key):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "unknown API key")
    return "public"


async def get_caller(
    request: Request,
    given: GivenKeyDep,
    x_user_token: Annotated[str | None, Header(description="Signed user token from the shop's backend.")] = None,
) -> Caller:
    """Identify the caller; public routes need the search key (or the server or admin key) once
    ``VINDBAAR_SEARCH_API_KEY`` is set."""
    settings: Settings = request.app.state.settings
    role = _role(settings, given)
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if role == "public" and limiter is not None:
        limiter.check(request.client.host if request.client else "unknown")
    if x_user_token is None:
        return Caller(role)
    if settings.user_token_secret is None:
        return Caller(
            role, token_error=InvalidUserToken("user tokens are not accepted: VINDBAAR_USER_TOKEN_SECRET is not set")
        )
    try:
        return Caller(role, verify_user_token(settings.user_token_secret.get_secret_value(), x_user_token))
    except InvalidUserToken as exc:
        return Caller(role, token_error=exc)


CallerDep = Annotated[Caller, Depends(get_caller)]
