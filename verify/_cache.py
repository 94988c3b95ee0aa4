"""A persistent cache of expensive work: derivations, symbolic checks, limits, and whole results.

Entries are keyed by content: a SHA-256 of what is computed (the ``srepr`` of the SymPy inputs, or
a fingerprint of the source code that defines a reading) together with the SymPy and samverify
versions, so a change of input, code or library never reuses a stale entry. Each entry is a
pickle wrapped with its own key and a checksum; an entry that fails to load, to verify or to
match its key is recomputed and rewritten, never trusted.

Whole (claim, reading) results of catalogue claims are reused only under a key that covers every
input they depend on (claim id, reading, level, seed, the source of ``derivations`` and ``verify``,
the numerical libraries' versions); see :func:`verify._engine._cached_reading`.

The cache lives in the user's cache folder (``platformdirs``; ``SAMVERIFY_CACHE_DIR`` overrides
it). ``samverify run --no-cache`` (or ``SAMVERIFY_NO_CACHE=1``) disables it and ``samverify
cache clear`` empties it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import sympy as sp

__all__ = ["cache_dir", "cached", "clear", "content", "enabled", "set_enabled", "fingerprint", "stats"]

T = TypeVar("T")
_MAGIC = b"samverify-cache/1\n"
_STATE = {"enabled": os.environ.get("SAMVERIFY_NO_CACHE", "") in ("", "0"), "hits": 0, "misses": 0, "corrupt": 0}


def cache_dir() -> Path:
    """The cache folder: ``$SAMVERIFY_CACHE_DIR`` or the platform's user cache folder for samverify."""
    env = os.environ.get("SAMVERIFY_CACHE_DIR")
    if env:
        return Path(env)
    try:
        from platformdirs import user_cache_dir
    except ImportError:  # platformdirs is a dependency; this keeps a broken install working
        return Path.home() / ".cache" / "samverify"
    return Path(user_cache_dir("samverify", appauthor=False))


def enabled() -> bool:
    """Whether lookups and writes use the cache (off with ``--no-cache`` or ``SAMVERIFY_NO_CACHE=1``)."""
    return bool(_STATE["enabled"])


def set_enabled(flag: bool) -> None:
    """Turn the cache on or off for this process (and the worker processes it forks)."""
    _STATE["enabled"] = bool(flag)
    os.environ["SAMVERIFY_NO_CACHE"] = "0" if flag else "1"  # inherited by spawned workers


def stats() -> dict[str, int]:
    """Hits, misses and corrupt entries seen by this process."""
    return {k: int(v) for k, v in _STATE.items() if k != "enabled"}


@lru_cache(maxsize=1)
def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        mine = version("samverify")
    except PackageNotFoundError:
        mine = "unknown"
    return f"sympy={sp.__version__};samverify={mine}"


@lru_cache(maxsize=None)
def _file_digest(path: str, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def fingerprint(modules: Iterable[str]) -> str:
    """A digest of the source files of ``modules`` (a package name covers all its ``.py`` files)."""
    import importlib.util

    h = hashlib.sha256()
    for name in sorted(set(modules)):
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            h.update(f"{name}:missing".encode())
            continue
        files = sorted(Path(spec.origin).parent.rglob("*.py")) if spec.submodule_search_locations else [Path(spec.origin)]
        for f in files:
            st = f.stat()
            h.update(f"{f.name}:{_file_digest(str(f), st.st_mtime_ns)}".encode())
    return h.hexdigest()


def content(obj: Any) -> str:
    """An unambiguous text of ``obj`` for keys: ``srepr`` for SymPy (assumptions included), recursing
    through dataclasses, mappings and sequences; ``repr`` for plain values."""
    import dataclasses

    if isinstance(obj, sp.Basic):
        return sp.srepr(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = ",".join(f"{f.name}={content(getattr(obj, f.name))}" for f in dataclasses.fields(obj))
        return f"{type(obj).__qualname__}({fields})"
    if isinstance(obj, dict) or hasattr(obj, "items"):
        return "{" + ",".join(sorted(f"{content(k)}:{content(v)}" for k, v in obj.items())) + "}"
    if isinstance(obj, (list, tuple, set, frozenset)):
        items = [content(v) for v in obj]
        return type(obj).__name__ + "(" + ",".join(sorted(items) if isinstance(obj, (set, frozenset)) else items) + ")"
    if isinstance(obj, (str, int, float, bool, type(None))):
        return repr(obj)
    raise TypeError(f"cannot key the cache on a {type(obj).__name__}")


def _key(kind: str, parts: Iterable[Any]) -> str:
    h = hashlib.sha256(f"{kind}|{_versions()}".encode())
    for p in parts:
        h.update(b"|")
        h.update(content(p).encode())
    return h.hexdigest()


def _path(key: str) -> Path:
    return cache_dir() / key[:2] / f"{key}.pkl"


def _load(key: str) -> tuple[bool, Any]:
    path = _path(key)
    try:
        raw = path.read_bytes()
    except OSError:
        return False, None
    try:
        if not raw.startswith(_MAGIC):
            raise ValueError("bad header")
        body = raw[len(_MAGIC):]
        digest, payload = body[:64], body[64:]
        if hashlib.sha256(payload).hexdigest().encode() != digest:
            raise ValueError("checksum mismatch")
        stored_key, value = pickle.loads(payload)
        if stored_key != key:
            raise ValueError("key mismatch")
        return True, value
    except Exception:  # noqa: BLE001 - any damage means: recompute, never trust
        _STATE["corrupt"] += 1
        return False, None


def _store(key: str, value: Any) -> None:
    try:
        payload = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an unpicklable value is simply not cached
        return
    path = _path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(_MAGIC + hashlib.sha256(payload).hexdigest().encode() + payload)
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old entry or the new one
    except OSError:
        return  # a read-only or full cache folder must not break a run


def cached(kind: str, parts: Iterable[Any], compute: Callable[[], T], *, keep: Callable[[T], bool] | None = None) -> T:
    """``compute()``, or its stored result for the same ``kind`` and content ``parts``.

    ``keep(value)`` false leaves a freshly computed value out of the cache (e.g. a result that ran
    out of time, which depends on the machine's load rather than on the inputs).
    """
    if not enabled():
        return compute()
    try:
        key = _key(kind, parts)
    except TypeError:
        return compute()  # something in the key has no content text: never guess a key
    hit, value = _load(key)
    if hit:
        _STATE["hits"] += 1
        return value
    _STATE["misses"] += 1
    value = compute()
    if keep is None or keep(value):
        _store(key, value)
    return value


def clear() -> int:
    """Delete every cache entry; returns how many were removed."""
    root = cache_dir()
    n = 0
    if root.is_dir():
        for f in root.rglob("*.pkl"):
            try:
                f.unlink()
                n += 1
            except OSError:
                pass
    return n
