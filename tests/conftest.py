"""Shared fixtures: the repository's seed folder and small in-memory records."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def use_encoder():
    """The default sentence encoder (USE multilingual v3), loaded once per test session."""
    from pipeline.align.encoders import UseEncoder

    return UseEncoder(threads=2)


@pytest.fixture(scope="session")
def minilm_encoder():
    """The bundled English sentence-transformers model, through the ``sentence-transformers:`` spec."""
    from pipeline.align.encoders import load_encoder

    return load_encoder("sentence-transformers:all-MiniLM-L6-v2")
