"""Signed user tokens: how a shop's backend tells the API, through the shopper's browser, who is logged in.

The storefront ships the search key in its pages, so a browser may not name a `user_id` itself: anyone could
write into, or read, any shopper's profile. Instead the shop's backend signs the logged-in user's id with a
secret it shares with Vindbaar (``VINDBAAR_USER_TOKEN_SECRET``) and hands the token to the page, which sends
it as ``X-User-Token``. Format: ``v1.<payload>.<signature>``, where the payload is the base64url JSON
``{"sub": user_id, "exp": unix_seconds}`` and the signature is base64url HMAC-SHA256 of ``v1.<payload>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from vindbaar.errors import InvalidUserToken

VERSION = "v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, signed: str) -> str:
    return _b64(hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest())


#: A shorter secret could be guessed; an empty one would let anyone sign tokens.
MIN_SECRET_LENGTH = 16


def sign_user_token(secret: str, user_id: str, ttl_s: float = 3600, now: float | None = None) -> str:
    """A token that proves `user_id` until `ttl_s` seconds from `now` (what the shop's backend does)."""
    payload = _b64(json.dumps({"sub": user_id, "exp": int((now or time.time()) + ttl_s)}).encode())
    return f"{VERSION}.{payload}.{_signature(secret, f'{VERSION}.{payload}')}"


def verify_user_token(secret: str, token: str, now: float | None = None) -> str:
    """The user id a token proves.

    Raises:
        InvalidUserToken: the token is malformed, its signature does not match, or it has expired.
    """
    version, _, rest = token.partition(".")
    payload, _, signature = rest.partition(".")
    if version != VERSION or not payload or not signature:
        raise InvalidUserToken("malformed user token: expected v1.<payload>.<signature>")
    if not hmac.compare_digest(signature.encode(), _signature(secret, f"{version}.{payload}").encode()):
        raise InvalidUserToken("user token signature does not match (tampered with, or signed with another secret)")
    try:
        claims = json.loads(_unb64(payload))
        user_id, expires = str(claims["sub"]), float(claims["exp"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidUserToken("malformed user token payload") from exc
    if not user_id or (now or time.time()) >= expires:
        raise InvalidUserToken("user token has expired: get a fresh one from the shop's backend")
    return user_id
