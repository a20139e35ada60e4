"""The settings a training child process gets: exactly the worker's, secrets included."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import SecretStr

from search.ranking_job import _settings_json
from vindbaar.settings import Settings


def test_the_child_gets_the_workers_settings_with_their_secrets() -> None:
    settings = Settings(index_alias="shop-a", admin_api_key=SecretStr("s3cret"), opensearch_ca_certs=Path("/ca.pem"),
                        ranking_model_min_searches=7)  # fmt: skip

    again = Settings.model_validate(json.loads(_settings_json(settings)))

    assert again == settings
    assert again.admin_api_key is not None and again.admin_api_key.get_secret_value() == "s3cret"
