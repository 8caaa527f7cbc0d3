"""Measurements kept out of the test suite: run one with ``python -m bench <name>``."""
