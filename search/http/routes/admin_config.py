"""`/admin/config` and `/admin/preview`: merchandisers change rules, weights and synonyms, see the effect
before publishing, and can list, diff and roll back every version."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from reranker.merchandising.config import MerchConfig
from reranker.merchandising.config_store import ConfigStore, diff
from search.engine import SearchEngine
from search.http.deps import AdminDep, EngineDep
from search.http.responses import ADMIN, BODY, STRICT, documented
from search.params import SearchParams
from search.results import SearchResponse
from search.service import search
from vindbaar.wire_types import Integer, Version

router = APIRouter(
    prefix="/admin",
    tags=["admin: merchandising"],
    dependencies=[AdminDep],
    responses={**ADMIN, **BODY, **documented(404, 409)},
)

Author = Annotated[str, Header(alias="X-Author", max_length=200, description="Who makes the change (audit).")]


class VersionInfo(BaseModel):
    """One entry of the audit trail."""

    version: int
    created_at: str
    author: str
    comment: str
    rolled_back_to: int | None = None
    rules: int


class ConfigView(BaseModel):
    """The live config and its version (0: never changed, the defaults)."""

    version: int
    config: MerchConfig


class Publish(BaseModel):
    """A new config, the version it was made on, and why it changes."""

    model_config = STRICT

    config: MerchConfig
    base_version: Integer = Field(
        ge=0, description="The version this change is based on (`version` of GET /admin/config; 0 before any). "
        "If another change was published since, the answer is 409 with the current version.",
    )  # fmt: skip
    comment: str = Field(default="", max_length=1000)


class Rollback(BaseModel):
    """The version to make live again."""

    model_config = STRICT

    version: Integer = Field(ge=1)
    base_version: Version | None = Field(default=None, description="If given: 409 unless this is the live version.")


class Preview(BaseModel):
    """A search to run under the live config and under a draft."""

    model_config = STRICT

    search: SearchParams
    draft: MerchConfig


class PreviewResult(BaseModel):
    """The same search under both configs, with explain on, and what the draft changes in the live config."""

    base_version: int = Field(description="The live version the draft is compared with (0: none yet).")
    changes: dict[str, Any] = Field(description="DeepDiff of the live config and the draft.")
    live: SearchResponse
    draft: SearchResponse


def _store(engine: SearchEngine) -> ConfigStore:
    if engine.config is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "merchandising config store not configured")
    return engine.config


def validate_references(engine: SearchEngine, config: MerchConfig) -> None:
    """Refuse pins of products that do not exist (422 naming the rule and pin)."""
    pinned = [(r, p, rule.id, pin.product_id) for r, rule in enumerate(config.rules) for p, pin in enumerate(rule.pins)]
    if not pinned:
        return
    missing = engine.missing_products(sorted({product_id for *_, product_id in pinned}))
    errors = [
        {"type": "value_error", "loc": ("body", "config", "rules", r, "pins", p, "product_id"), "input": product_id,
         "msg": f"rule {rule_id!r} pins unknown product {product_id!r}"}
        for r, p, rule_id, product_id in pinned if product_id in missing
    ]  # fmt: skip
    if errors:
        raise RequestValidationError(errors)


@router.get("/config", summary="The live merchandising config")
def get_config(engine: EngineDep) -> ConfigView:
    """Rules, ranking weights and synonyms as they apply now."""
    live = engine.merchandising()
    return ConfigView(version=live.version or 0, config=live.config)


@router.put("/config", summary="Publish a new config version", status_code=status.HTTP_201_CREATED)
def put_config(body: Publish, engine: EngineDep, author: Author) -> VersionInfo:
    """Validate and store the config as a new version; every worker applies it within about a second."""
    validate_references(engine, body.config)
    published = _store(engine).publish(body.config, author, body.comment, base_version=body.base_version)
    return VersionInfo.model_validate(published.summary())


@router.get("/config/versions", summary="The audit trail")
def versions(engine: EngineDep) -> list[VersionInfo]:
    """Versions, newest first: who changed what and when."""
    return [VersionInfo.model_validate(v.summary()) for v in _store(engine).history()]


@router.get("/config/versions/{version}", summary="One stored version")
def get_version(version: int, engine: EngineDep) -> ConfigView:
    """The config as it was at `version`."""
    stored = _store(engine).get(version)
    return ConfigView(version=stored.version, config=stored.config)


@router.get("/config/diff", summary="What changed between two versions")
def get_diff(engine: EngineDep, from_version: int, to_version: int) -> dict[str, Any]:
    """DeepDiff of two versions' configs."""
    store = _store(engine)
    old, new = store.get(from_version), store.get(to_version)
    return {"from_version": from_version, "to_version": to_version, "changes": diff(old.config, new.config)}


@router.post("/config/rollback", summary="Make an earlier version live again", status_code=status.HTTP_201_CREATED)
def rollback(body: Rollback, engine: EngineDep, author: Author) -> VersionInfo:
    """Republish `version` as a new version (the trail stays complete)."""
    return VersionInfo.model_validate(_store(engine).rollback(body.version, author, body.base_version).summary())


@router.post("/preview", summary="Compare the live config with a draft")
def preview(body: Preview, engine: EngineDep) -> PreviewResult:
    """Run the search under the live config and under the draft, side by side, with explain."""
    validate_references(engine, body.draft)
    params = body.search.model_copy(update={"explain": True})
    live = engine.merchandising()
    return PreviewResult(
        base_version=live.version or 0,
        changes=diff(live.config, body.draft),
        live=search(engine, params, log=False),  # a merchandiser's preview is not a shopper's search
        draft=search(engine, params, draft=body.draft),
    )
