"""The README's examples run and print what they say."""

from __future__ import annotations

from tests.conftest import run_readme_example


def test_the_glossary_example_runs():
    printed, expected = run_readme_example("## Glossary")
    assert printed == expected


def test_the_per_document_functions_example_runs():
    printed, expected = run_readme_example("## Library")
    assert printed == expected
