"""The README's library example runs and prints what it says."""

from __future__ import annotations

import contextlib
import io
import os
import re

from tests.conftest import ROOT


def test_readme_library_example_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Glossary", 1)[1].split("\n## ", 1)[0]
    code = re.findall(r"```python\n(.*?)```", section, re.S)[-1]
    expected = [line.split("# ", 1)[1].strip() for line in code.splitlines() if line.strip().startswith("print(")]
    out = io.StringIO()
    cwd = os.getcwd()
    try:
        os.chdir(ROOT)
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    assert out.getvalue().splitlines() == expected
