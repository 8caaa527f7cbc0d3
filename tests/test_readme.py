"""The README's library example runs and prints what it says."""

from __future__ import annotations

import contextlib
import io
import os
import re

from tests.conftest import ROOT


def test_the_per_document_functions_example_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Library", 1)[1].split("\n## ", 1)[0]
    [code] = re.findall(r"```python\n(.*?)```", section, re.S)
    expected = [line.split("# ", 1)[1].rstrip() for line in code.splitlines() if line.strip().startswith("print(")]
    out = io.StringIO()
    cwd = os.getcwd()
    try:
        os.chdir(ROOT)
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    assert [line.rstrip() for line in out.getvalue().splitlines()] == expected
