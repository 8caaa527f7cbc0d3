"""``python -m bench hostile [--quick] [--timeout S]``: `pipeline run` on pathological inputs, one file each.

Each case is one file of 0.1 to 5 MB built to stress one part of the reading: Markdown and HTML parsers
(nesting, attributes, unclosed tags, comments), the sentence splitter and the language detector (a line without
punctuation, a word of a megabyte, runs of abbreviations, quotes or combining marks), and outputs (a heading of a
megabyte). Each runs as ``pipeline run FOLDER --no-align`` in a process of its own, under a time limit, then
``pipeline review html`` on its outputs; the result is both exit codes, the run's seconds, and the document's
status and reason in ``documents.csv``. A case passes when both exit 0 within the limit with the file ``ok`` or
``skipped``; what it must never do is hang, stop the batch, or leave outputs that cannot be read back. ``--quick``: the cases that once took minutes or broke a run folder.
The last line is JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import machine


def _attributes(n: int) -> str:
    return " ".join(f'a{i}="x"' for i in range(n))


CASES: dict[str, tuple[str, Callable[[], str]]] = {
    # Markdown and text
    "md-emphasis": (".md", lambda: "*a " * 300_000),
    "md-brackets": (".md", lambda: "[" * 200_000 + "x" + "](" * 100_000),
    "md-backticks": (".md", lambda: "`" * 500_000),
    "md-nested-quote": (".md", lambda: ">" * 500_000 + " text"),
    "md-nested-list": (".md", lambda: "".join(" " * i + "- x\n" for i in range(1400))),
    "md-table": (".md", lambda: "|" + "a|" * 300_000 + "\n|" + "-|" * 300_000 + "\n"),
    "md-front-matter-unclosed": (".md", lambda: "---\n" + "key: value\n" * 100_000 + "no end"),
    "md-heading-1mb": (".md", lambda: "# " + "Heading words " * 80_000 + "\n\nBody text of a news story.\n"),
    "md-nested-div-40000": (".md", lambda: "Intro.\n\n" + "<div>" * 40_000 + "Text." + "</div>" * 40_000),
    "md-tag-100000-attributes": (".md", lambda: "Intro.\n\n<div " + _attributes(100_000) + ">Text.</div>\n"),
    "txt-empty-lines": (".txt", lambda: "\n" * 1_000_000),
    "txt-dots": (".txt", lambda: "." * 1_000_000),
    "txt-line-without-punctuation-5mb": (".txt", lambda: "word " * 1_000_000),
    "txt-base64-word-1mb": (".txt", lambda: "Intro. " + "QUJD" * 250_000 + " end."),
    "txt-url": (".txt", lambda: "http://" + "a." * 400_000 + "com"),
    "txt-at-signs": (".txt", lambda: "a@" * 400_000),
    "txt-bullets": (".txt", lambda: "• " * 400_000),
    "txt-mixed-scripts": (".txt", lambda: "Привет hello 你好 مرحبا " * 40_000),
    "txt-numbered": (".txt", lambda: "1." * 500_000),
    "txt-abbreviations": (".txt", lambda: "Mr. " * 250_000),
    "txt-quotes": (".txt", lambda: "«" * 300_000 + "»" * 300_000),
    "txt-parentheses": (".txt", lambda: "(" * 300_000 + ")" * 300_000),
    "txt-bidi-overrides": (".txt", lambda: "\u202e" * 300_000 + "text"),
    "txt-combining-marks": (".txt", lambda: "a" + "\u0301" * 500_000),
    "txt-short-lines": (".txt", lambda: "Да.\n" * 250_000),
    # HTML
    "html-tag-100000-attributes": (".html", lambda: "<html><body><p " + _attributes(100_000) + ">text</p></body></html>"),
    "html-nested-div-100000": (".html", lambda: "<html><body>" + "<div>" * 100_000 + "Text." + "</div>" * 100_000
                                                + "</body></html>"),
    "html-comments-unclosed": (".html", lambda: "<html><body>" + "<!--" * 200_000 + "</body></html>"),
    "html-entities": (".html", lambda: "<html><body><p>" + "&amp;" * 200_000 + "</p></body></html>"),
    "html-40000-paragraphs": (".html", lambda: "<html><body>" + "<p>Short sentence here.</p>" * 40_000
                                               + "</body></html>"),
    "html-script-1mb": (".html", lambda: "<html><body><script>" + "x" * 1_000_000
                                         + "</script><p>Hi there, this is text.</p></body></html>"),
    "html-meta-30000": (".html", lambda: "<html><head>" + '<meta name="date" content="2024-01-01">' * 30_000
                                         + "</head><body><p>Some text here in the body of the page.</p></body></html>"),
    "html-attribute-value-1mb": (".html", lambda: '<html><body><p title="' + "x" * 1_000_000
                                                  + '">Body text of the page is here.</p></body></html>'),
    "html-60000-links": (".html", lambda: "<html><body>" + '<a href="/x">link</a> ' * 60_000 + "</body></html>"),
    "html-150000-br": (".html", lambda: "<html><body><p>" + "word<br>" * 150_000 + "</p></body></html>"),
    "html-nested-tables": (".html", lambda: "<html><body>" + "<table><tr><td>" * 5_000 + "x"
                                            + "</td></tr></table>" * 5_000 + "</body></html>"),
    "html-unclosed-inline": (".html", lambda: "<html><body>" + "<p><b><i><u>text " * 50_000 + "</body></html>"),
    "html-title-1mb": (".html", lambda: "<html><head><title>" + "Title words " * 80_000
                                        + "</title></head><body><p>Body text is here and long enough.</p></body></html>"),
    "html-30000-dates": (".html", lambda: "<html><body>" + '<time datetime="2024-01-01">1 Jan 2024</time> ' * 30_000
                                          + "</body></html>"),
    "html-svg-path-1mb": (".html", lambda: '<html><body><svg><path d="' + "M0 0 L1 1 " * 100_000
                                           + '"/></svg><p>Text of the page body.</p></body></html>'),
    "html-nested-noscript": (".html", lambda: "<html><body>" + "<noscript>" * 50_000 + "text</body></html>"),
    "html-json-ld-nested": (".html", lambda: '<html><head><script type="application/ld+json">' + '{"a":' * 100_000
                                             + "1" + "}" * 100_000
                                             + "</script></head><body><p>Body text here for the page.</p></body></html>"),
    "html-numeric-entities": (".html", lambda: "<html><body><p>" + "&#1234567;" * 100_000 + "</p></body></html>"),
}

QUICK = ("md-heading-1mb", "md-tag-100000-attributes", "txt-line-without-punctuation-5mb", "txt-base64-word-1mb",
         "html-tag-100000-attributes", "html-nested-div-100000", "html-title-1mb")
"""Cases that once took minutes per document or left a run folder unreadable."""


def run_case(name: str, timeout: float) -> dict:
    suffix, build = CASES[name]
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "in", Path(tmp) / "out"
        inp.mkdir()
        (inp / f"x{suffix}").write_text(build(), encoding="utf-8")
        command = [sys.executable, "-m", "pipeline", "run", str(inp), "--out", str(out), "--quiet", "--no-align"]
        started = time.perf_counter()
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"case": name, "seconds": round(time.perf_counter() - started, 1), "exit": None,
                    "status": "timeout", "reason": f"over {timeout:g} s", "passed": False}
        seconds = round(time.perf_counter() - started, 1)
        review = subprocess.run([sys.executable, "-m", "pipeline", "review", "html", str(out), "--out",
                                 str(Path(tmp) / "review.html")], capture_output=True, text=True, timeout=timeout)
        rows = []
        if (out / "documents.csv").is_file():
            with open(out / "documents.csv", encoding="utf-8-sig", newline="") as handle:
                csv.field_size_limit(2**31 - 1)
                rows = list(csv.DictReader(handle))
        row = rows[0] if rows else {}
        status = row.get("status", "no documents.csv")
        return {"case": name, "seconds": seconds, "exit": done.returncode, "review_exit": review.returncode,
                "status": status, "reason": row.get("reason", "")[:70], "sentences": row.get("n_sentences", ""),
                "passed": done.returncode == 0 and review.returncode == 0 and status in ("ok", "skipped")}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench hostile", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per case (default: %(default)s)")
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="run this case (repeatable)")
    args = parser.parse_args(argv)
    names = args.case or (list(QUICK) if args.quick else list(CASES))
    print(f"machine: {json.dumps(machine())}")
    results = []
    for name in names:
        result = run_case(name, args.timeout)
        results.append(result)
        print(f"{name:>34} {result['seconds']:>7.1f} s  exit {result['exit']}/{result.get('review_exit')}  "
              f"{result['status']:>8}  "
              f"{result.get('sentences', ''):>7}  {result['reason']}", flush=True)
    failed = [r["case"] for r in results if not r["passed"]]
    print(f"{len(results) - len(failed)} of {len(results)} passed" + (f"; failed: {', '.join(failed)}" if failed else ""))
    print(json.dumps({"results": results, "failed": failed}, ensure_ascii=False))
    return 1 if failed else 0
