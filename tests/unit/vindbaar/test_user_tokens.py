"""Signed user tokens: what the shop's backend makes, what the API accepts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from vindbaar.errors import InvalidUserToken
from vindbaar.settings import Settings
from vindbaar.user_tokens import sign_user_token, verify_user_token

SECRET = "s3cret"
NOW = 1_800_000_000.0


def test_a_token_proves_its_user_until_it_expires() -> None:
    token = sign_user_token(SECRET, "user-42", ttl_s=60, now=NOW)
    assert verify_user_token(SECRET, token, now=NOW + 59) == "user-42"
    with pytest.raises(InvalidUserToken, match="expired"):
        verify_user_token(SECRET, token, now=NOW + 60)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t.replace("v1.", "v2.", 1),
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: "v1." + sign_user_token(SECRET, "someone-else", now=NOW).split(".")[1] + "." + t.split(".")[2],
        lambda t: "v1.not-base64!.sig",
        lambda t: "garbage",
    ],
)
def test_altered_or_malformed_tokens_are_refused(mangle: Any) -> None:
    with pytest.raises(InvalidUserToken):
        verify_user_token(SECRET, mangle(sign_user_token(SECRET, "user-42", now=NOW)), now=NOW)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    with pytest.raises(InvalidUserToken, match="signature"):
        verify_user_token(SECRET, sign_user_token("other", "user-42", now=NOW), now=NOW)


def test_the_readme_example_makes_tokens_the_api_accepts() -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    (example,) = [block for block in re.findall(r"```python\n(.*?)```", readme, re.S) if "def user_token" in block]
    namespace: dict[str, Any] = {}
    exec(example, namespace)  # the shop's ten lines, as documented
    assert verify_user_token(SECRET, namespace["user_token"](SECRET, "user-42")) == "user-42"


def test_an_empty_secret_means_no_tokens_and_a_short_one_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VINDBAAR_USER_TOKEN_SECRET", "")
    assert Settings().user_token_secret is None, "a blank env line must not let anyone sign tokens"
    monkeypatch.setenv("VINDBAAR_USER_TOKEN_SECRET", "short")
    with pytest.raises(ValidationError, match="at least 16"):
        Settings()


def test_a_non_ascii_token_is_refused_not_a_crash() -> None:
    with pytest.raises(InvalidUserToken):
        verify_user_token(SECRET, "v1.é.é", now=NOW)
