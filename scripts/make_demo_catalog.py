"""Write the demo catalog: a fixed selection of 3,000 real products from the Vespa shopping sample.

    python3 scripts/make_demo_catalog.py [../shared/data/vespa-shopping-24k.jsonl]

The output, `devtools/demo_data/vespa-products.jsonl.gz`, is committed (with the sample's Apache-2.0
license next to it), so a fresh clone serves a shop without the shared data folder. The selection is
reproducible: per Vespa category, the products whose ids hash lowest (SHA-256), in fixed numbers.
Fields are mapped onto Vindbaar's product schema: the brand is the first word of the title (a fair
heuristic for these Amazon titles; none for books), the category path is the Vespa category plus a
second level chosen by keywords of the title, the price is converted from cents, and the description is
shortened to its first sentences. The popularity is the rating times ten.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "vespa-shopping-24k.jsonl"
TARGET = ROOT / "devtools" / "demo_data" / "vespa-products.jsonl.gz"

#: Products taken per Vespa category (3,000 in all: the most the shared data's terms allow to ship).
QUOTAS = {"Toys_and_Games": 1350, "Musical_Instruments": 1350, "Kindle_Store": 300}
ROOTS = {"Toys_and_Games": "Toys & Games", "Musical_Instruments": "Music", "Kindle_Store": "Books"}
#: Second category level: the first entry with a keyword among the title's words wins (accessories first,
#: so that "guitar strings" are strings, not a guitar).
SUBCATEGORIES: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "Musical_Instruments": [
        ("Strings", ("string", "strings")),
        ("Cables & Adapters", ("cable", "cables", "xlr", "adapter")),
        ("Pedals & Effects", ("pedal", "effects", "effect")),
        ("Cases & Bags", ("case", "bag", "gig", "cover")),
        ("Stands & Straps", ("stand", "strap", "holder", "mount")),
        ("Microphones", ("microphone", "mic", "mics")),
        ("Drums & Percussion", ("drum", "drums", "cymbal", "percussion")),
        ("Keyboards & Pianos", ("piano", "keyboard", "synthesizer")),
        ("Orchestral & Wind", ("violin", "cello", "saxophone", "flute", "trumpet", "harmonica", "clarinet")),
        ("Guitars & Basses", ("guitar", "bass", "ukulele", "guitars")),
        ("DJ & Studio", ("dj", "studio", "speaker", "amplifier", "amp", "audio", "mixer", "headphones")),
    ],
    "Toys_and_Games": [
        ("Puzzles", ("puzzle", "jigsaw", "puzzles")),
        ("Party Supplies", ("party", "birthday", "balloons", "balloon", "decorations", "banner", "favors")),
        ("Trading Cards", ("yu-gi-oh!", "pokemon", "gathering", "cards", "card")),
        ("Action Figures", ("figure", "funko", "figures")),
        ("Plush", ("plush", "stuffed")),
        ("Dolls", ("doll", "dolls", "dollhouse")),
        ("RC & Vehicles", ("rc", "car", "truck", "wheels", "racing", "train", "drone")),
        ("Building Sets", ("lego", "building", "blocks")),
        ("Costumes", ("costume", "halloween", "mask")),
        ("Games", ("game", "games", "board", "chess", "dice")),
    ],
    "Kindle_Store": [
        ("Romance", ("romance", "love", "billionaire", "romantic", "marriage")),
        ("Mystery & Thriller", ("mystery", "mysteries", "murder", "thriller", "dead", "crime")),
        ("Science Fiction & Fantasy", ("space", "sci-fi", "dragon", "magic", "galaxy", "fantasy")),
        ("Nonfiction", ("guide", "how", "learn", "recipes", "history", "memoir", "essential")),
    ],
}
OTHER = {"Musical_Instruments": "Accessories", "Toys_and_Games": "Toys", "Kindle_Store": "Fiction"}
#: First words of titles that are no brand (nor is a word starting with a digit: "21st", "28Pcs").
NOT_BRANDS = {"the", "a", "an", "new", "kids", "party", "set", "pack", "mini", "large", "small", "baby"}
DESCRIPTION_CHARS = 280


def _words(title: str) -> set[str]:
    return set(re.findall(r"[a-z0-9!'-]+", title.lower()))


def subcategory(category: str, title: str) -> str:
    """The second category level for a product of `category` titled `title`."""
    words = _words(title)
    for name, keywords in SUBCATEGORIES[category]:
        if words.intersection(keywords):
            return name
    return OTHER[category]


def brand(category: str, title: str) -> str | None:
    """The first word of the title, when it looks like a brand (books have authors, not brands)."""
    if category == "Kindle_Store":
        return None
    first = re.sub(r"[^\w&'+.-]", "", title.split()[0]) if title.split() else ""
    return first if len(first) > 1 and first.lower() not in NOT_BRANDS and not first[0].isdigit() else None


def short_description(text: str) -> str:
    """The description without its heading, cut after the last sentence within DESCRIPTION_CHARS."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#")).strip()
    body = re.sub(r"\s+", " ", body.replace("**", ""))
    if len(body) <= DESCRIPTION_CHARS:
        return body
    cut = body[:DESCRIPTION_CHARS]
    end = cut.rfind(". ")
    return cut[: end + 1] if end > 80 else cut.rsplit(" ", 1)[0] + "…"


def product(fields: dict[str, Any]) -> dict[str, Any]:
    """A Vindbaar product (see vindbaar/product.py) from a Vespa document's fields."""
    category, title = fields["category"], " ".join(fields["title"].split())
    row: dict[str, Any] = {
        "id": f"vespa-{fields['id']}",
        "title": title,
        "description": short_description(fields.get("description") or ""),
        "categories": [ROOTS[category], subcategory(category, title)],
        "price": round(fields["price"] / 100, 2),
        "currency": "USD",
        "stock": int(fields.get("quantity") or 0),
        # The rating on a 0-50 scale: the browse page (best sellers first) then opens on these real products
        # rather than on the generated sample's (whose popularity figures are mostly 1 to 10).
        "popularity": round(10 * float(fields.get("average_rating") or 0), 1),
        "attributes": {"rating": f"{float(fields.get('average_rating') or 0):.1f}"},
        "locale": "en",
    }
    maker = brand(category, title)
    if maker:
        row["brand"] = maker
    return row


def select(lines: list[str]) -> list[dict[str, Any]]:
    """The fixed selection: per category the QUOTAS[category] documents with the lowest id hashes."""
    by_category: dict[str, list[tuple[str, dict[str, Any]]]] = {name: [] for name in QUOTAS}
    for line in lines:
        fields = json.loads(line)["fields"]
        key = hashlib.sha256(str(fields["id"]).encode()).hexdigest()
        by_category[fields["category"]].append((key, fields))
    chosen: list[dict[str, Any]] = []
    for name, quota in QUOTAS.items():
        chosen += [product(fields) for _, fields in sorted(by_category[name], key=lambda pair: pair[0])[:quota]]
    return chosen


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else SOURCE
    products = select(source.read_text(encoding="utf-8").splitlines())
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in products)
    # mtime=0: the same input gives the same bytes (a reviewable, reproducible file).
    with open(TARGET, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        out.write(text.encode())
    print(f"{len(products)} products -> {TARGET.relative_to(ROOT)} ({TARGET.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
