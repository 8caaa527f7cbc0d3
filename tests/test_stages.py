from pathlib import Path

import pytest

from pipeline.config import RunConfig
from pipeline.errors import PipelineError
from pipeline.models import Document, DocStatus
from pipeline.stages import Batch, RunContext, Stage, check_order, per_document


def test_check_order_rejects_missing_requirement():
    a = Stage("a", lambda b, c: b, provides=frozenset({"x"}))
    b = Stage("b", lambda b, c: b, requires=frozenset({"x"}))
    check_order([a, b])
    with pytest.raises(PipelineError, match="stage 'b' needs"):
        check_order([b, a])


def test_per_document_isolates_failures():
    docs = tuple(Document(doc_id=str(i), path=f"{i}.txt", sha256="") for i in range(3))
    ctx = RunContext(config=RunConfig(input_dir=Path(".")))

    def fn(doc):
        if doc.doc_id == "1":
            raise ValueError("boom")
        return doc

    out = per_document(Batch(docs), ctx, "demo", fn).documents
    assert [d.status for d in out] == [DocStatus.OK, DocStatus.SKIPPED, DocStatus.OK]
    assert out[1].reason == "demo: unexpected ValueError: boom"
    assert ctx.counts == {"demo": {"failed": 1}}
