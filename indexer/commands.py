"""`vindbaar index …` and `vindbaar sample`: the indexer's command line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from indexer.catalog import FieldMapping, iter_rows, read_text
from indexer.embedding_cache import EmbeddingCache
from indexer.errors import CatalogFormatError
from indexer.indices import alias_targets, versioned_indices
from indexer.ingest import CatalogValidator, Reject, write_rejects
from indexer.reindex import reindex, rollback
from indexer.sample_catalog import generate_sample_catalog
from indexer.suggestions import build_suggestions
from indexer.updates import ProductPatch, delete_products, patch_products, upsert_products
from vindbaar.client import create_client
from vindbaar.embedder import Embedder, create_embedder
from vindbaar.settings import Settings

log = logging.getLogger("vindbaar.indexer")

EXIT_OK = 0
EXIT_PARTIAL = 4  # indexed, but some rows were rejected (see the rejects file)


def _mapping(args: argparse.Namespace) -> FieldMapping:
    data: dict[str, Any] = {}
    if args.map_file:
        try:
            data = json.loads(Path(args.map_file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CatalogFormatError(f"{args.map_file}: cannot read field mapping: {exc}") from exc
    rename = dict(data.get("rename", {}))
    compose = dict(data.get("compose", {}))
    for pair in args.map or []:
        source, sep, target = pair.rpartition("=")
        columns = [column.strip() for column in source.split(",")]
        if not sep or not target or not all(columns):
            raise CatalogFormatError(f"--map {pair!r}: expected SHOP_FIELD=OUR_FIELD or COL1,COL2,...=OUR_FIELD")
        if len(columns) > 1:
            compose[target] = columns
        else:
            rename[columns[0]] = target
    defaults = dict(data.get("defaults", {}))
    for pair in args.default or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CatalogFormatError(f"--default {pair!r}: expected FIELD=VALUE")
        defaults[key] = value
    try:
        return FieldMapping(
            root=args.root or data.get("root"),
            rename=rename,
            compose=compose,
            defaults=defaults,
            price_divisor=args.price_divisor or data.get("price_divisor", 1.0),
        )
    except ValidationError as exc:
        raise CatalogFormatError(f"field mapping: {exc}") from exc


def _embedder(settings: Settings, args: argparse.Namespace) -> Embedder | None:
    return None if args.no_embed else create_embedder(settings)


def _report(args: argparse.Namespace, source: str, summary: dict[str, Any], rejects: list[Reject]) -> int:
    report_dir = Path(args.report_dir or Path(".vindbaar") / "reports" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S"))
    report_dir.mkdir(parents=True, exist_ok=True)
    summary["rejects_file"] = str(report_dir / "rejects.jsonl")
    write_rejects(report_dir / "rejects.jsonl", rejects)
    (report_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    for reject in rejects[:20]:
        print(f"rejected: {reject}", file=sys.stderr)
    if len(rejects) > 20:
        print(f"… and {len(rejects) - 20} more in {summary['rejects_file']}", file=sys.stderr)
    print(json.dumps(summary, indent=2))
    return EXIT_PARTIAL if rejects else EXIT_OK


def _load(args: argparse.Namespace, settings: Settings) -> int:
    name, text = read_text(args.catalog)
    validator = CatalogValidator(name, _mapping(args))
    products = validator.validate(iter_rows(name, text, args.format))
    client = create_client(settings)
    embedder = _embedder(settings, args)
    cache = EmbeddingCache(settings.resolved_embedding_cache_path)
    estimate = text.count("\n") + 1
    try:
        if args.command_name == "load":
            result = reindex(
                client, settings, products, embedder, cache, lambda: validator.accepted,
                show_progress=not args.quiet, progress_total=estimate,
                max_shrink=1.0 if args.allow_shrink else 0.5, incremental=not args.full,
            )  # fmt: skip
            stats, elapsed = result.stats, result.elapsed_s
            extra: dict[str, Any] = {"index": result.index, "previous": result.previous, "deleted": result.deleted,
                                     "cloned_from": result.cloned_from, "unchanged": stats.unchanged,
                                     "removed_products": stats.deleted}  # fmt: skip
            if result.suggestions is not None:
                extra["suggestions"] = result.suggestions.documents
        else:
            started = datetime.now(UTC)
            written = upsert_products(client, settings.index_alias, products, embedder, cache)
            assert written.stats is not None
            stats, elapsed = written.stats, (datetime.now(UTC) - started).total_seconds()
            extra = {"alias": settings.index_alias}
    finally:
        cache.close()
    summary = {
        "source": name,
        "accepted": validator.accepted,
        "rejected": len(validator.rejects),
        "indexed": stats.indexed,
        "embedded": stats.embedded,
        "from_cache": stats.cache_hits,
        "elapsed_s": round(elapsed, 2),
        "docs_per_s": round(stats.indexed / elapsed, 1) if elapsed > 0 else None,
        **extra,
    }
    return _report(args, name, summary, validator.rejects)


def _patch(args: argparse.Namespace, settings: Settings) -> int:
    name, text = read_text(args.file)
    patches: list[ProductPatch] = []
    rejects: list[Reject] = []
    for row in iter_rows(name, text, args.format):
        if row.data is None:
            rejects.append(Reject(name, row.line, "-", row.error or "unreadable"))
            continue
        try:
            patches.append(ProductPatch.model_validate({k: v for k, v in row.data.items() if v is not None}))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or "-"
            rejects.append(Reject(name, row.line, field, err["msg"], row.data.get("id")))
    result = patch_products(create_client(settings), settings.index_alias, patches)
    rejects += [Reject(name, 0, "id", "no such product", pid) for pid in result.not_found]
    summary = {"source": name, "updated": result.succeeded, "rejected": len(rejects)}
    return _report(args, name, summary, rejects)


def _delete(args: argparse.Namespace, settings: Settings) -> int:
    result = delete_products(create_client(settings), settings.index_alias, args.ids)
    print(json.dumps({"deleted": result.succeeded, "not_found": result.not_found}, indent=2))
    return EXIT_PARTIAL if result.not_found else EXIT_OK


def _rollback(args: argparse.Namespace, settings: Settings) -> int:
    previous, target = rollback(create_client(settings), settings.index_alias, args.to)
    print(json.dumps({"alias": settings.index_alias, "from": previous, "to": target}, indent=2))
    return EXIT_OK


def _list(args: argparse.Namespace, settings: Settings) -> int:
    client = create_client(settings)
    live = set(alias_targets(client, settings.index_alias))
    rows = [
        {"index": name, "live": name in live, "activated": activated, "docs": int(client.count(index=name)["count"])}
        for name, activated in versioned_indices(client, settings.index_alias).items()
    ]
    print(json.dumps(rows, indent=2))
    return EXIT_OK


def _suggestions(args: argparse.Namespace, settings: Settings) -> int:
    built = build_suggestions(create_client(settings), settings.index_alias)
    print(json.dumps({"index": built.index, "documents": built.documents, "elapsed_s": round(built.elapsed_s, 2)}))
    return EXIT_OK


def _sample(args: argparse.Namespace, settings: Settings) -> int:
    for product in generate_sample_catalog(args.count, args.seed):
        sys.stdout.write(product.model_dump_json(exclude_none=True) + "\n")
    return EXIT_OK


def _add_catalog_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=["jsonl", "csv", "json"], help="input format (default: from the suffix)")
    parser.add_argument(
        "--map",
        action="append",
        metavar="SHOP=OURS",
        help="rename a field; COL1,COL2,…=OURS composes one (a category path) (repeatable)",
    )
    parser.add_argument("--map-file", help='JSON: {"root": …, "rename": {…}, "compose": {…}, "defaults": {…}, '
                                           '"price_divisor": …}')  # fmt: skip
    parser.add_argument("--root", help="take each product from this key of the row (e.g. fields)")
    parser.add_argument("--default", action="append", metavar="FIELD=VALUE", help="value for a missing field")
    parser.add_argument("--price-divisor", type=float, help="divide prices by this (100 for cents)")
    parser.add_argument("--report-dir", help="where rejects.jsonl and summary.json go")
    parser.add_argument("--no-embed", action="store_true", help="index text only (no embeddings)")


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `index` and `sample` on the top-level parser."""
    index = commands.add_parser("index", help="load and update the product catalog")
    sub = index.add_subparsers(dest="action", required=True)

    load = sub.add_parser("load", help="full zero-downtime reindex from a catalog (path or - for stdin)")
    load.add_argument("catalog")
    _add_catalog_options(load)
    load.add_argument("--allow-shrink", action="store_true", help="allow a catalog under half the live size")
    load.add_argument("--full", action="store_true", help="rebuild from scratch instead of updating a clone")
    load.set_defaults(handler=_load, command_name="load")

    upsert = sub.add_parser("upsert", help="add or replace some products in the live index")
    upsert.add_argument("catalog")
    _add_catalog_options(upsert)
    upsert.set_defaults(handler=_load, command_name="upsert")

    patch = sub.add_parser("patch", help="partial updates (price, stock, …) without re-embedding")
    patch.add_argument("file")
    patch.add_argument("--format", choices=["jsonl", "csv", "json"])
    patch.add_argument("--report-dir")
    patch.set_defaults(handler=_patch)

    delete = sub.add_parser("delete", help="delete products by id")
    delete.add_argument("ids", nargs="+")
    delete.set_defaults(handler=_delete)

    back = sub.add_parser("rollback", help="point the alias back to the previous kept index")
    back.add_argument("--to", help="a specific kept index")
    back.set_defaults(handler=_rollback)

    listing = sub.add_parser("list", help="kept indices, which one is live, and their sizes")
    listing.set_defaults(handler=_list)

    suggestions = sub.add_parser("suggestions", help="rebuild autocomplete suggestions and the spelling vocabulary")
    suggestions.set_defaults(handler=_suggestions)

    sample = commands.add_parser("sample", help="write the deterministic sample catalog as JSONL to stdout")
    sample.add_argument("--count", type=int, default=3000)
    sample.add_argument("--seed", type=int, default=42)
    sample.set_defaults(handler=_sample)
