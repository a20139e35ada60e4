"""`vindbaar demo` (`make run`): prepare the demo (devtools/demo.py), then serve the shop until Ctrl-C."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import TextIO

import uvicorn

from devtools.demo import NL_PRODUCTS, QUIET, demo_settings, prepare_demo, warm_up
from devtools.demo_shoppers import SHOPPERS, shop_session
from search.http.demo_shop import create_demo_app
from vindbaar.embedder import Embedder, create_embedder
from vindbaar.settings import Settings

log = logging.getLogger("vindbaar.demo")


def serve_demo(settings: Settings, embedder: Embedder, host: str, port: int, out: TextIO = sys.stdout) -> None:
    """Serve the API with the shop until Ctrl-C; the URLs are printed once the warm-up is done."""
    app = create_demo_app(settings, shop_session(settings), embedder)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False))
    base_url = f"http://{'127.0.0.1' if host in {'0.0.0.0', '::'} else host}:{port}"

    def announce() -> None:
        while not server.started:
            if server.should_exit:
                return
            time.sleep(0.05)
        log.info("warmed up in %.1f s", warm_up(app.state.engine, base_url))
        admin_key = settings.admin_api_key.get_secret_value() if settings.admin_api_key else ""
        print(f"\nThe demo shop is open: {base_url}/demo/\n"
              f"  switch shoppers in the page's 'Shopping as' list: anonymous, {', '.join(s.name for s in SHOPPERS)}\n"
              f"Merchandiser console:  {base_url}/console/  (admin key: {admin_key})\n"
              f"API docs:              {base_url}/docs\n"
              "Press Ctrl-C to stop.", file=out, flush=True)  # fmt: skip

    threading.Thread(target=announce, name="demo-announce", daemon=True).start()
    server.run()


def run_demo(settings: Settings, host: str = "127.0.0.1", port: int = 8000, nl_products: int = NL_PRODUCTS) -> None:
    """Everything `make run` does: the node, the catalog and shoppers, then the shop until Ctrl-C."""
    for name, level in QUIET.items():
        logging.getLogger(name).setLevel(level)
    # The first start exports the model to ONNX, and transformers draws a "Loading weights" bar for it: normal
    # on a first start, noise for a person (read when huggingface_hub is imported, which has not happened yet).
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    settings = demo_settings(settings)
    embedder = create_embedder(settings)
    embedder.warm_up()
    settings = prepare_demo(settings, embedder, nl_products)
    serve_demo(settings, embedder, host, port)
