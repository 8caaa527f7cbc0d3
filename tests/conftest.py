"""Shared fixtures: the repository's seed folder and small in-memory records."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


GLOSSARY = ROOT / "glossary"


@pytest.fixture(scope="session")
def seed_glossary():
    from pipeline.glossary import load_glossary

    return load_glossary(GLOSSARY)


@pytest.fixture(scope="session")
def ru_matcher(seed_glossary):
    from pipeline.glossary import Matcher

    return Matcher(seed_glossary, "ru")
