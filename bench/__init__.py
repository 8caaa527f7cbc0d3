"""Benchmarks, run as ``python -m bench NAME [options]`` (see ``python -m bench --help``)."""
