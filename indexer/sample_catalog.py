"""A deterministic, realistic sample catalog (Dutch and English) for demos and tests."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from vindbaar.product import AttributeValue, Product


@dataclass(frozen=True)
class _Kind:
    path: tuple[str, ...]
    en: str
    nl: str
    brands: tuple[str, ...]
    models: tuple[str, ...]  # one per brand, same order
    price: tuple[float, float]
    attributes: dict[str, tuple[str, ...]]
    blurb_en: str
    blurb_nl: str


_COLORS = ("black", "white", "silver", "blue", "red", "green", "grey")
_KINDS: tuple[_Kind, ...] = (
    _Kind(("Electronics", "Audio", "Headphones"), "Wireless Headphones", "Draadloze Koptelefoon",
          ("Sony", "Bose", "JBL", "Sennheiser", "Philips"), ("WH-1000XM5", "QuietComfort 45", "Tune 760NC",
          "Momentum 4", "TAH8506"), (39, 449), {"color": _COLORS, "connection": ("bluetooth", "wired")},
          "over-ear headphones with active noise cancelling and long battery life",
          "over-ear koptelefoon met actieve ruisonderdrukking en lange accuduur"),
    _Kind(("Electronics", "Audio", "Earbuds"), "True Wireless Earbuds", "Draadloze Oordopjes",
          ("Apple", "Samsung", "JBL", "Jabra"), ("AirPods Pro", "Galaxy Buds3", "Wave Beam", "Elite 10"),
          (29, 279), {"color": _COLORS}, "compact in-ear earbuds with charging case",
          "compacte in-ear oordopjes met oplaadcase"),
    _Kind(("Electronics", "Audio", "Speakers"), "Bluetooth Speaker", "Bluetooth Luidspreker",
          ("JBL", "Bose", "Sonos", "Marshall"), ("Flip 6", "SoundLink Flex", "Roam 2", "Emberton II"),
          (49, 399), {"color": _COLORS, "waterproof": ("yes", "no")}, "portable speaker with deep bass",
          "draagbare speaker met diepe bas"),
    _Kind(("Electronics", "Phones", "Smartphones"), "Smartphone", "Smartphone",
          ("Apple", "Samsung", "Google", "Fairphone"), ("iPhone 16 Pro", "Galaxy S24", "Pixel 9",
          "Fairphone 5"), (299, 1399), {"color": _COLORS, "storage": ("128 GB", "256 GB", "512 GB")},
          "5G smartphone with a bright OLED display and a great camera",
          "5G smartphone met helder OLED-scherm en een uitstekende camera"),
    _Kind(("Electronics", "Computers", "Laptops"), "Laptop", "Laptop",
          ("Lenovo", "HP", "Dell", "Apple", "ASUS"), ("ThinkPad X1", "EliteBook 840", "XPS 13", "MacBook Air",
          "ZenBook 14"), (499, 2499), {"color": ("silver", "grey", "black"), "memory": ("8 GB", "16 GB", "32 GB")},
          "lightweight laptop for work and study", "lichte laptop voor werk en studie"),
    _Kind(("Electronics", "TV & Video", "Televisions"), "4K Smart TV", "4K Smart TV",
          ("Samsung", "LG", "Philips", "Sony"), ("Crystal UHD", "OLED C4", "Ambilight 8500", "Bravia 7"),
          (349, 2999), {"screen size": ("43 inch", "55 inch", "65 inch")}, "television with HDR and streaming apps",
          "televisie met HDR en streaming-apps"),
    _Kind(("Fashion", "Shoes", "Sneakers"), "Running Sneakers", "Hardloopschoenen",
          ("Nike", "Adidas", "ASICS", "New Balance", "Puma"), ("Pegasus 41", "Ultraboost", "Gel-Nimbus",
          "Fresh Foam 1080", "Velocity Nitro"), (59, 219), {"color": _COLORS, "size": ("40", "41", "42", "43", "44")},
          "cushioned running shoes for daily training", "gedempte hardloopschoenen voor dagelijkse training"),
    _Kind(("Fashion", "Clothing", "Jackets"), "Rain Jacket", "Regenjas",
          ("Rains", "The North Face", "Columbia", "Patagonia"), ("Long Jacket", "Resolve 2", "Watertight",
          "Torrentshell"), (69, 299),
          {"color": _COLORS, "size": ("S", "M", "L", "XL"), "material": ("polyester", "nylon")},
          "waterproof jacket with hood", "waterdichte jas met capuchon"),
    _Kind(("Home", "Kitchen", "Coffee Machines"), "Espresso Machine", "Espressomachine",
          ("De'Longhi", "Philips", "Sage", "Krups"), ("Magnifica S", "LatteGo 5400", "Barista Express",
          "Evidence One"), (199, 899), {"color": ("black", "silver")}, "bean-to-cup coffee machine with milk frother",
          "volautomatische koffiemachine met melkopschuimer"),
    _Kind(("Home", "Lighting", "Lamps"), "LED Desk Lamp", "LED Bureaulamp",
          ("Philips Hue", "IKEA", "Anglepoise", "Xiaomi"), ("Ascend", "Forså", "Type 75", "Mi Lamp 1S"),
          (19, 249), {"color": _COLORS}, "dimmable desk lamp with warm and cool light",
          "dimbare bureaulamp met warm en koel licht"),
    _Kind(("Toys", "Building", "Building Blocks"), "Building Set", "Bouwset",
          ("LEGO", "Playmobil", "Cobi"), ("Technic Race Car", "City Police Station",
          "Historical Tank"), (15, 199), {"age": ("4+", "6+", "9+", "12+")}, "creative building set for kids",
          "creatieve bouwset voor kinderen"),
    _Kind(("Toys", "Games", "Board Games"), "Board Game", "Bordspel",
          ("Hasbro", "999 Games", "Ravensburger"), ("Monopoly", "Catan", "Carcassonne"),
          (19, 59), {"players": ("2-4", "2-6", "3-5")}, "family board game for game night",
          "familiespel voor een gezellige spelavond"),
    _Kind(("Sports", "Cycling", "Bikes"), "City Bike", "Stadsfiets",
          ("Gazelle", "Batavus", "Cortina", "VanMoof"), ("Esprit", "Mambo", "U4", "S5"), (399, 2999),
          {"frame size": ("49 cm", "53 cm", "57 cm"), "gears": ("3", "7", "8")}, "comfortable city bike for commuting",
          "comfortabele stadsfiets voor woon-werkverkeer"),
    _Kind(("Music", "Instruments", "Guitars"), "Acoustic Guitar", "Akoestische Gitaar",
          ("Yamaha", "Fender", "Taylor", "Martin"), ("F310", "CD-60S", "GS Mini", "D-10E"), (119, 1499),
          {"color": ("natural", "black", "sunburst")}, "steel-string acoustic guitar with a warm tone",
          "akoestische gitaar met stalen snaren en een warme klank"),
)  # fmt: skip


def generate_sample_catalog(count: int = 3000, seed: int = 42) -> Iterator[Product]:
    """Yield `count` products, the same ones for the same `seed`.

    About half are Dutch (locale ``nl``) and half English (``en``); each has a brand, a category
    path, attributes, a price in EUR, stock and a popularity figure.
    """
    rng = random.Random(seed)
    epoch = datetime(2024, 1, 1, tzinfo=UTC)
    for index in range(count):
        kind = _KINDS[index % len(_KINDS)]
        brand_index = rng.randrange(len(kind.brands))
        brand = kind.brands[brand_index]
        model = kind.models[brand_index % len(kind.models)]
        dutch = rng.random() < 0.5
        attributes: dict[str, AttributeValue] = {name: rng.choice(values) for name, values in kind.attributes.items()}
        variant = str(attributes.get("color") or next(iter(attributes.values()), ""))
        noun = kind.nl if dutch else kind.en
        title = f"{brand} {model} {noun} {variant}".strip()
        low, high = kind.price
        stock = max(0, int(rng.gauss(25, 20)))
        yield Product(
            id=f"sku-{index:06d}",
            title=title,
            description=(kind.blurb_nl if dutch else kind.blurb_en).capitalize() + f" ({brand} {model}).",
            brand=brand,
            categories=list(kind.path),
            price=round(rng.uniform(low, high), 2),
            currency="EUR",
            stock=stock,
            attributes=attributes,
            image_url=f"https://img.example.com/{index:06d}.jpg",
            url=f"https://shop.example.com/p/sku-{index:06d}",
            popularity=round(rng.paretovariate(1.5), 3),
            created_at=epoch + timedelta(days=rng.randrange(700)),
            locale="nl" if dutch else "en",
        )
