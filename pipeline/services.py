"""The loaded components of a run, in one typed object built from its settings.

Each service loads on first use, so a process that runs only some stages (a
Ray worker that only translates, ``pipeline detect``) loads only what they use.
:meth:`Services.check` loads, before any document is read, what must fail
early: the glossary (a broken one stops the run with every problem listed) and
the translation memory (a missing ``--tm`` file) and the sentence encoder (a
bad ``--encoder`` spec).
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.config import RunConfig

if TYPE_CHECKING:
    from pipeline.detect import LanguageDetector
    from pipeline.glossary.stage import GlossaryRunner
    from pipeline.memory import TranslationMemory
    from pipeline.translate.engine import TranslationEngine

log = logging.getLogger(__name__)


class Services:
    """The detector, glossary, translation memory, translation engine and sentence encoder of one run (or worker)."""

    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self._warned: set[str] = set()

    @functools.cached_property
    def detector(self) -> LanguageDetector:
        from pipeline.detect import LanguageDetector

        cfg = self.config.detect
        return LanguageDetector(model=cfg.model, min_letters=cfg.min_letters, min_confidence=cfg.min_confidence)

    @functools.cached_property
    def _glossary(self) -> tuple[GlossaryRunner, Path] | None:
        from pipeline.glossary.stage import load_runner

        cfg = self.config.glossary
        return load_runner(cfg.path, self.config.target_lang) if cfg.enabled else None

    @property
    def glossary(self) -> GlossaryRunner | None:
        """The run's glossary, ready to match; None with ``--no-glossary`` or when there is none."""
        return self._glossary[0] if self._glossary else None

    @property
    def glossary_path(self) -> Path | None:
        return self._glossary[1] if self._glossary else None

    @functools.cached_property
    def memory(self) -> TranslationMemory:
        """The translation memory: the user's store (unless switched off) and the run's TMX files and stores."""
        from pipeline.memory import open_memory

        cfg = self.config.memory
        return open_memory(cfg.paths, default=cfg.use_default)

    @functools.cached_property
    def engine(self) -> TranslationEngine:
        from pipeline.translate.stage import engine_from_config

        return engine_from_config(self.config.translate)

    @functools.cached_property
    def encoder(self) -> Any:
        from pipeline.align.encoders import VectorCache, default_cache_path, load_encoder

        cfg = self.config.align
        return load_encoder(cfg.encoder, cache=VectorCache(default_cache_path() if cfg.cache else None))

    def loaded(self, name: str) -> Any | None:
        """A service already loaded in this process, or None (never loads it)."""
        return self.__dict__.get(name)

    def check(self) -> None:
        """Load what must fail before any work: the glossary, the translation memory, and the encoder."""
        from pipeline.extras import MissingExtraError

        self._glossary  # noqa: B018  (loads and validates)
        self.memory  # noqa: B018
        if self.config.align.enabled:
            try:
                self.encoder  # noqa: B018
            except MissingExtraError as exc:
                raise MissingExtraError(f"{exc} (or run without alignment: --no-align)") from None

    def warn_once(self, message: str) -> None:
        """Log ``message`` as a warning the first time this run sees it (shards repeat their warnings)."""
        if message not in self._warned:
            self._warned.add(message)
            log.warning("%s", message)
