"""The browser pages are complete package files: every local asset a page names exists, nothing is remote."""

from __future__ import annotations

import re

import pytest

from search.http.ui import PAGES, UI_DIR

ASSET = re.compile(r'(?:src|href)="([^"#]+)"')


@pytest.mark.parametrize("folder", ["storefront", "console"])
def test_a_page_names_only_local_assets_that_exist(folder: str) -> None:
    html = (UI_DIR / folder / "index.html").read_text(encoding="utf-8")
    assets = [a for a in ASSET.findall(html) if not a.startswith("data:")]
    assert assets
    mounts = {path: UI_DIR / name for path, name in PAGES.items()}
    for asset in assets:
        assert "://" not in asset and not asset.startswith("//"), f"{folder} loads {asset} from elsewhere"
        if asset.startswith("/"):
            mount, _, rest = asset[1:].partition("/")
            file = mounts[f"/{mount}"] / rest if rest else mounts[f"/{mount}"] / "index.html"
        else:
            file = UI_DIR / folder / asset
        assert file.is_file(), f"{folder}/index.html names {asset}, which is missing"


def test_no_script_or_style_fetches_from_another_site() -> None:
    for file in UI_DIR.rglob("*"):
        if file.suffix in {".js", ".css", ".html"}:
            assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", file.read_text(encoding="utf-8")), file
