"""``python -m bench NAME [options]``: dispatch to ``bench/NAME.py``'s ``main(argv)``."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "bleualign": "bench.bleualign",
    "align": "bench.align",
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in BENCHMARKS:
        print("usage: python -m bench {" + ",".join(sorted(BENCHMARKS)) + "} [options]", file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    module = importlib.import_module(BENCHMARKS[argv[0]])
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
