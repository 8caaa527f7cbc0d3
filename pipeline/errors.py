"""One exception hierarchy for the whole package.

Every error a user can cause or fix derives from :class:`PipelineError`; the
CLI catches it once, prints its message on one line and exits with
``exit_code``. Third-party exceptions are wrapped at stage boundaries with the
document or file they concern, keeping the cause as ``__cause__``.
"""

from __future__ import annotations

USAGE_EXIT_CODE = 2


class PipelineError(Exception):
    """Base class of every error the package raises on purpose."""

    exit_code = 1


class UsageError(PipelineError):
    """The command was called with something it cannot use (exit code 2)."""

    exit_code = USAGE_EXIT_CODE


class InputError(UsageError):
    """An input path is missing, of the wrong kind, or unreadable."""


class IngestError(PipelineError):
    """A document could not be read or decoded; recorded per document."""


class DetectionError(PipelineError):
    """The language identifier could not be loaded or run."""


class SegmentationError(PipelineError):
    """Sentence segmentation failed for a document."""


class ExportError(PipelineError):
    """An output file could not be written."""


class OutputPathError(ExportError, UsageError):
    """An output path names a folder where a file goes, or runs through a file (exit code 2)."""


class ReviewError(UsageError):
    """A reviewed CSV or a run folder cannot be used for review (exit code 2)."""


class GlossaryError(UsageError):
    """A glossary file is broken (every problem named with its file:line) or cannot be converted."""


class ModelNotInstalledError(UsageError):
    """No installed translation package covers a language pair (exit code 2)."""


class ModelPackageError(UsageError):
    """A translation package file is corrupt, truncated or not an Argos package (exit code 2)."""


class ModelDownloadError(PipelineError):
    """Argos' package index or a package download could not be reached."""


class TranslationError(PipelineError):
    """The translation backend failed."""


class TranslationCacheError(PipelineError):
    """The translation cache could not be opened, read or written."""


class AlignmentError(UsageError):
    """Alignment input or settings are unusable (bad pairs file, empty side, bad option)."""


class EncoderError(UsageError):
    """A sentence encoder could not be loaded (not installed, or not available offline)."""


class TranslationMemoryError(UsageError):
    """A translation memory (store or TMX file) cannot be opened, read or written (exit code 2)."""
