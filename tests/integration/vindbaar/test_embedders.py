"""The ONNX Runtime embedder gives the vectors sentence-transformers gives, and concurrent query embeddings
(micro-batched through one worker) each get their own text's vector."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from search.query_embedder import QueryEmbedder
from vindbaar.embedder import Embedder, SentenceTransformerEmbedder
from vindbaar.onnx_embedder import OnnxEmbedder
from vindbaar.settings import Settings

TEXTS = [
    "koptelefoon",
    "wireless noise cancelling headphones",
    "something to play music outdoors",
    "Sony WH-1000XM5 Wireless Headphones. Electronics > Audio > Headphones. color: black",
    "LEGO Technic Race Car Building Set. Toys > Building > Building Blocks",
    "iphnoe",
    "De'Longhi Magnifica S Espresso Machine",
    "a" * 3000,  # longer than the model's 256 tokens: truncated the same way
]


@pytest.fixture(scope="module")
def torch_embedder() -> SentenceTransformerEmbedder:
    model = SentenceTransformerEmbedder(device="cpu")
    model.warm_up()
    return model


def test_onnx_vectors_equal_the_torch_vectors(embedder: Embedder, torch_embedder: SentenceTransformerEmbedder) -> None:
    assert isinstance(embedder, OnnxEmbedder), "ONNX Runtime is the default backend"
    assert embedder.model_id == torch_embedder.model_id and embedder.dimension == torch_embedder.dimension
    onnx, torch = np.array(embedder.embed(TEXTS)), np.array(torch_embedder.embed(TEXTS))
    cosines = (onnx * torch).sum(axis=1)
    assert cosines.min() >= 0.99999, cosines
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    # Batched with padding or one by one: the same vectors.
    alone = np.array([embedder.embed([text])[0] for text in TEXTS])
    assert np.allclose(alone, onnx, atol=1e-5)


def test_the_model_is_exported_once_into_the_cache(tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path)
    first = OnnxEmbedder(settings.embedding_model, settings.cache_dir)
    assert not first.onnx_path.exists()
    first.warm_up()
    exported = first.onnx_path.stat().st_mtime_ns
    again = OnnxEmbedder(settings.embedding_model, settings.cache_dir)
    again.warm_up()
    assert again.onnx_path == first.onnx_path and again.onnx_path.stat().st_mtime_ns == exported
    assert list(first.onnx_path.parent.iterdir()) == [first.onnx_path], "no partial files left"


def test_sixteen_threads_embedding_at_once_each_get_their_own_vector(embedder: Embedder) -> None:
    queries = [f"{word} for the garden {n}" for n, word in enumerate(["lamp", "chair", "hose", "bench"] * 4)]
    expected = {q: embedder.embed([q.lower()])[0] for q in queries}
    batches: list[int] = []

    class Counting:
        """The real embedder, counting how many texts each forward pass takes."""

        model_id, dimension = embedder.model_id, embedder.dimension

        def embed(self, texts: list[str]) -> list[list[float]]:
            batches.append(len(texts))
            return embedder.embed(texts)

        def warm_up(self) -> None:
            embedder.warm_up()

    shared = QueryEmbedder(Counting(), cache_size=0)  # type: ignore[arg-type]
    start = threading.Barrier(len(queries))
    got: dict[str, list[float]] = {}

    def search(query: str) -> None:
        start.wait()
        got[query] = shared.embed(query)

    threads = [threading.Thread(target=search, args=(q,)) for q in queries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for query in queries:
        assert np.allclose(got[query], expected[query], atol=1e-5), query
    assert sum(batches) == len(queries) and len(batches) < len(queries), f"passes: {batches}"
