"""``review.html``: one self-contained static page (inline CSS and JavaScript, data as embedded JSON).

The page needs no server and loads nothing: the stylesheet and script are
inlined from the package's ``templates/`` folder and the pairs travel as a
``<script type="application/json">`` block. The script filters and sorts that
data and adds the matching rows to the page a few hundred at a time, as the
reviewer scrolls or moves on, so ten thousand pairs open and filter at once.
A reviewer's decisions (accept, reject, edit) are kept in the browser's
``localStorage`` under the run's checksum and come back as ``aligned.csv``
with its ``decision`` and ``edited_tgt_text`` columns filled, byte for byte as
:func:`pipeline.io.write_csv` writes it, for ``pipeline review apply``.
"""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.io import write_text

REVIEW_HTML = "review.html"

# Characters that could end the <script> element or confuse an HTML parser inside it.
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def embed_json(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``</script>``, ``<!--`` or ``&`` can appear."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in _JSON_ESCAPES.items():
        text = text.replace(char, escape)
    return text


def _template_text(name: str) -> str:
    return resources.files("pipeline.review").joinpath("templates", name).read_text(encoding="utf-8")


def render_page(view: dict[str, Any], *, generated: datetime | None = None) -> str:
    """The complete HTML document for a view built by :func:`pipeline.review.view.build_view`.

    The page is a function of the view alone, so the same run gives the same page byte for byte;
    it states when it was made only when ``generated`` is given.
    """
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: _template_text(name)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    css = _template_text("review.css")
    js = _template_text("review.js")
    for name, body in (("review.css", css), ("review.js", js)):
        if "</" in body:  # would end the inline element early
            raise ValueError(f"templates/{name} must not contain '</'")
    return env.get_template("review.html").render(
        view=view,
        counts=view["counts"],
        css=Markup(css),
        js=Markup(js),
        data=Markup(embed_json(view)),
        version=__version__,
        generated=generated.isoformat(timespec="seconds") if generated is not None else "",
    )


def write_page(path: Path, view: dict[str, Any]) -> Path:
    write_text(Path(path), render_page(view))
    return Path(path)
