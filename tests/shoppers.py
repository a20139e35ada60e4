"""How tests act as a logged-in shopper: with a user token signed as the shop's backend would sign it."""

from __future__ import annotations

from vindbaar.user_tokens import sign_user_token

#: `VINDBAAR_USER_TOKEN_SECRET` of the test apps.
USER_TOKEN_SECRET = "user-token-secret"


def as_user(user_id: str, **headers: str) -> dict[str, str]:
    """Request headers proving `user_id` (plus any others given)."""
    return {"X-User-Token": sign_user_token(USER_TOKEN_SECRET, user_id), **headers}
