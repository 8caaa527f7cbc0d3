"""Offline translation with Argos Translate packages decoded by CTranslate2.

- :mod:`pipeline.translate.packages`: where packages live (``ARGOS_PACKAGES_DIR``), list, install, remove.
- :mod:`pipeline.translate.engine`: :class:`TranslationEngine`, batched decoding with argostranslate's settings.
- :mod:`pipeline.translate.cache`: the SQLite translation cache.
- :mod:`pipeline.translate.stage`: :func:`translate_documents` (the ``translate`` stage) and :func:`translate_text`.
- :mod:`pipeline.translate.synthetic`: small valid packages built on the spot (tests, benchmarks).

Importing this package imports neither argostranslate nor CTranslate2; they load on first use.
"""

from __future__ import annotations

from pipeline.translate.stage import document_translation, engine_from_config, translate_documents, translate_text

__all__ = ["document_translation", "engine_from_config", "translate_documents", "translate_text"]
