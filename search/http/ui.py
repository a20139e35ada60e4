"""The browser pages the API serves: the storefront at `/demo` and the merchandiser console at `/console`.

Plain HTML, CSS and JavaScript shipped inside the package (`search/http/ui/`): no build step, nothing
fetched from elsewhere. The pages call the same public and admin routes a shop's own frontend would.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

UI_DIR = Path(__file__).parent / "ui"
#: Mount path -> folder under UI_DIR.
PAGES = {"/demo": "storefront", "/console": "console", "/ui": "common"}


def install_ui(app: FastAPI) -> None:
    """Serve the storefront, the console and their shared assets (a folder's index.html at its root)."""
    for path, folder in PAGES.items():
        app.mount(path, StaticFiles(directory=UI_DIR / folder, html=True), name=f"ui-{folder}")
