"""The stage list: declared contracts, the order check, and failure isolation."""

from pathlib import Path

import pytest

from pipeline.config import RunConfig
from pipeline.errors import ModelNotInstalledError, PipelineError
from pipeline.models import Document, DocStatus, Sentence
from pipeline.services import Services
from pipeline.stages import STAGES, Scope, SourceFile, Stage, StageLog, apply_stage, check_order, field_type


def identity(record, services):
    return record


def test_check_order_rejects_missing_requirement():
    a = Stage("a", Scope.DOCUMENT, identity, provides=frozenset({"documents.lang"}))
    b = Stage("b", Scope.DOCUMENT, identity, requires=frozenset({"documents.lang"}))
    check_order([a, b])
    with pytest.raises(PipelineError, match="stage 'b' needs"):
        check_order([b, a])


def test_check_order_rejects_names_that_are_no_field():
    with pytest.raises(PipelineError, match="Document has no field 'langs'|has no field 'langs'"):
        check_order([Stage("a", Scope.DOCUMENT, identity, provides=frozenset({"documents.langs"}))])
    with pytest.raises(PipelineError, match="no field 'glossary_report'"):
        check_order([Stage("r", Scope.CORPUS, identity, requires=frozenset({"glossary_report"}))])


def test_fields_resolve_to_record_types():
    assert field_type("documents") is Document
    assert field_type("documents.sentences") is Sentence
    assert field_type("documents.sentences.lang") is str


def test_the_run_declares_every_stage_in_order():
    check_order(STAGES)
    names = [s.name for s in STAGES]
    assert names == ["ingest", "identify", "segment", "detect", "memory", "glossary-pre", "translate", "glossary-post",
                     "align", "embed", "mine", "quality", "tables", "corpus", "review"]
    review = next(s for s in STAGES if s.name == "review")
    # the review page reads the pairs and the glossary's matches: its contract says so
    assert {"documents.pairs", "cross_source_pairs", "documents.sentences.terms"} <= review.requires
    for stage in STAGES:  # every service a stage uses is one Services provides
        assert all(hasattr(Services, name) for name in stage.uses), stage.name


def test_a_stage_out_of_order_is_refused_before_any_work():
    order = {s.name: s for s in STAGES}
    broken = [order[n] for n in ("ingest", "identify", "segment", "translate", "detect")]
    with pytest.raises(PipelineError, match="stage 'translate' needs"):
        check_order(broken)


def test_document_stage_isolates_failures():
    docs = [Document(doc_id=str(i), path=f"{i}.txt", sha256="") for i in range(3)]

    def fn(doc, services):
        if doc.doc_id == "1":
            raise ValueError("boom")
        return doc

    log = StageLog()
    out = apply_stage(Stage("demo", Scope.DOCUMENT, fn), docs, None, log)
    assert [d.status for d in out] == [DocStatus.OK, DocStatus.SKIPPED, DocStatus.OK]
    assert out[1].reason == "demo: unexpected ValueError: boom"
    assert log.counts == {"demo": {"failed": 1}}


def test_a_source_file_the_first_stage_fails_on_becomes_a_skipped_document():
    def fn(source, services):
        raise PipelineError("cannot read")

    (doc,) = apply_stage(Stage("ingest", Scope.DOCUMENT, fn), [SourceFile(Path("a.txt"), "a.txt", "a", "ab")], None, StageLog())
    assert doc.status is DocStatus.SKIPPED and doc.reason == "cannot read" and doc.sha256 == "ab"


def test_batch_stage_failure_skips_its_documents_but_usage_errors_stop_the_run():
    docs = [Document(doc_id="a", path="a.txt", sha256=""), Document(doc_id="b", path="b.txt", sha256="", status=DocStatus.SKIPPED)]

    def broken(documents, services):
        raise RuntimeError("backend down")

    out = apply_stage(Stage("translate", Scope.BATCH, broken), docs, None, StageLog())
    assert out[0].status is DocStatus.SKIPPED and "backend down" in out[0].reason and out[1] == docs[1]

    def strict(documents, services):
        raise ModelNotInstalledError("no model for ru→en")

    with pytest.raises(ModelNotInstalledError):
        apply_stage(Stage("translate", Scope.BATCH, strict), docs, None, StageLog())


def test_services_load_lazily_and_once():
    services = Services(RunConfig(input_dir=Path(".")))
    assert services.loaded("detector") is None
    detector = services.detector
    assert services.detector is detector and services.loaded("detector") is detector
