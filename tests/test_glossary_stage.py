"""The glossary stages over documents: pre-edit, then checks of hand-set translations, and the run's outputs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.glossary.stage import (
    FLAG_APPLIED, FLAG_UNVERIFIED, REPORT_COLUMNS, post_edit_documents, pre_edit_documents, report_rows,
)
from pipeline.glossary.target import count_term, post_edit, verify
from pipeline.models import Document, Sentence


def _doc(*texts: str, lang: str = "ru") -> Document:
    sentences, pos = [], 0
    for i, text in enumerate(texts):
        sentences.append(Sentence("d1", i, 0, pos, pos + len(text), text, lang=lang, lang_score=1.0))
        pos += len(text) + 1
    return Document("d1", "d1.txt", "0" * 64, text=" ".join(texts), lang=lang, sentences=tuple(sentences))


def _translate(doc: Document, *translations: str, status: str = "translated") -> Document:
    return replace(doc, sentences=tuple(
        replace(s, translation=t, translation_status=status if t else "untranslated")
        for s, t in zip(doc.sentences, translations)
    ))


SENTENCES = (
    "Инвесторы вкладывают деньги в цепочки и финтех.",
    "Пандемия нарушила цепочки поставок.",
    "Беларусь ищет инвесторов для цепочки.",
    "Погода была хорошей.",
)


@pytest.fixture()
def pre(seed_glossary):
    (doc,) = pre_edit_documents([_doc(*SENTENCES)], seed_glossary)
    return doc, seed_glossary


def post(doc, glossary):
    (out,) = post_edit_documents([doc], glossary)
    return (out,), report_rows([out])


def test_pre_edit_sets_mt_source_and_keeps_text(pre):
    doc, _ = pre
    s0, s1, s2, s3 = doc.sentences
    assert s0.text == SENTENCES[0]
    assert s0.mt_source == "Инвесторы вкладывают деньги в блокчейны и fintech."
    assert s0.source_for_mt == s0.mt_source and FLAG_APPLIED in s0.flags
    assert s1.mt_source is None and s1.flags == ()  # only a skipped match
    assert [t.action for t in s1.terms] == ["skip"]
    assert s2.mt_source == "Беларусь ищет инвесторов для блокчейна."
    assert s3 == _doc(*SENTENCES).sentences[3] and s3.terms == ()
    # each match travels with its sentence: entry id, offsets, the decision and the target term
    term = s2.terms[0]
    assert (term.entry, term.matched, term.action, term.target_term) == ("blockchain", "цепочки", "apply", "blockchain")
    assert s2.text[term.start:term.end] == "цепочки" and term.replacement == "блокчейна" and term.target_check == ""


def test_a_translation_memory_match_is_checked_but_not_pre_edited(seed_glossary):
    doc = replace(_doc(SENTENCES[0]), sentences=(replace(_doc(SENTENCES[0]).sentences[0], translation_status="tm",
                                                         translation="Investors put money into chains and fintech."),))
    (pre_edited,) = pre_edit_documents([doc], seed_glossary)
    s0 = pre_edited.sentences[0]
    assert s0.mt_source is None and FLAG_APPLIED not in s0.flags and s0.terms
    (out,), rows = post(pre_edited, seed_glossary)
    # a reviewer's text is never post-edited: the missing term is flagged instead
    assert out.sentences[0].translation == "Investors put money into chains and fintech."
    assert FLAG_UNVERIFIED in out.sentences[0].flags
    assert {r["entry"]: r["target_check"] for r in rows} == {"blockchain": "unverified", "fintech-ru": "ok"}


def test_translation_with_the_term_is_ok(pre):
    doc, glossary = pre
    doc = _translate(doc, "Investors put money into blockchains and fintech.", "The pandemic disrupted supply chains.",
                     "Belarus seeks investors for blockchain.", "The weather was good.")
    (out,), rows = post(doc, glossary)
    checks = {(r["sent_idx"], r["entry"]): r["target_check"] for r in rows}
    assert checks == {(0, "blockchain"): "ok", (0, "fintech-ru"): "ok", (1, "blockchain"): "", (2, "blockchain"): "ok"}
    assert out.sentences[1].translation == "The pandemic disrupted supply chains."  # the other sense is left alone
    assert all(FLAG_UNVERIFIED not in s.flags for s in out.sentences)
    assert [list(r) for r in rows][0] == list(REPORT_COLUMNS)


def test_wrong_rendering_is_post_edited(pre):
    doc, glossary = pre
    doc = _translate(doc, "Investors put money into Chains and fintech.", "", "Belarus seeks investors for the chain.", "")
    (out,), rows = post(doc, glossary)
    assert out.sentences[0].translation == "Investors put money into blockchains and fintech."
    assert out.sentences[2].translation == "Belarus seeks investors for the blockchain."
    assert [r["target_check"] for r in rows if r["entry"] == "blockchain" and r["action"] == "apply"] == [
        "post-edited", "post-edited"
    ]


def test_missing_term_without_a_known_wrong_rendering_is_unverified(pre):
    doc, glossary = pre
    doc = _translate(doc, "Investors put money into ledgers and fintech.", "", "", "")
    (out,), rows = post(doc, glossary)
    s0 = out.sentences[0]
    assert s0.translation == "Investors put money into ledgers and fintech."
    assert FLAG_UNVERIFIED in s0.flags and FLAG_APPLIED in s0.flags
    assert {r["entry"]: r["target_check"] for r in rows if r["sent_idx"] == 0} == {"blockchain": "unverified", "fintech-ru": "ok"}


def test_untranslated_sentences_are_not_checked(pre):
    doc, glossary = pre
    doc = _translate(doc, "", "", "", "")
    (out,), rows = post(doc, glossary)
    assert {r["target_check"] for r in rows} == {""}
    assert all(FLAG_UNVERIFIED not in s.flags for s in out.sentences)
    doc = _translate(doc, "Investors put money into ledgers.", "", "", "", status="untranslated")
    (_,), rows = post(doc, glossary)
    assert {r["target_check"] for r in rows} == {""}


def test_sentences_carry_their_terms_and_the_review_flag(seed_glossary):
    from pipeline.glossary.stage import FLAG_NEEDS_REVIEW, GlossaryRunner, pre_edit_document, report_row

    doc = _doc("Инвесторы вкладывают деньги в цепочки.", "Погода была хорошей.")
    out = pre_edit_document(doc, GlossaryRunner(seed_glossary, "en", review_threshold=1.01))
    s0, s1 = out.sentences
    [term] = s0.terms
    assert (term.entry, term.matched, term.action, term.replacement) == ("blockchain", "цепочки", "apply", "блокчейны")
    assert term.confidence is not None and term.needs_review and FLAG_NEEDS_REVIEW in s0.flags
    assert s1.terms == () and FLAG_NEEDS_REVIEW not in s1.flags
    row = report_row(s0, term)
    assert list(row) == list(REPORT_COLUMNS) and row["needs_review"] == "yes" and float(row["confidence"]) > 0.5
    # after translation the terms carry the target check
    (checked,) = post_edit_documents([_translate(out, "Investors put money into chains.", "")], seed_glossary)
    assert checked.sentences[0].terms[0].target_check == "post-edited"
    # a rule's decision has no confidence and is not flagged
    out = pre_edit_document(_doc("Пандемия нарушила цепочки поставок."), GlossaryRunner(seed_glossary, "en"))
    [term] = out.sentences[0].terms
    assert (term.action, term.confidence, term.needs_review) == ("skip", None, False)


def test_english_sentences_are_left_alone(seed_glossary):
    doc = _doc("The chain broke.", lang="en")
    (out,) = pre_edit_documents([doc], seed_glossary)
    assert out == doc


def test_target_matching_and_post_edit_rules():
    assert count_term("Blockchains, blockchain's and BLOCKCHAIN", "blockchain") == 3
    assert count_term("blockchainer", "blockchain") == 0
    assert count_term("the Minister of  Communications and Informatization", "Minister of Communications and Informatization") == 1
    assert count_term("digital economies", "digital economy") == 1
    assert post_edit("a chain, two chains", ["chain"], "blockchain", 1) == ("a blockchain, two chains", 1)
    assert post_edit("Chain of blocks and chains", ["chain of blocks", "chain"], "blockchain", 5) == (
        "Blockchain and blockchains", 2
    )
    assert post_edit("It reforms the State administration.", ["state administration"], "public administration", 1) == (
        "It reforms the public administration.", 1
    )
    assert post_edit("«Chains grow.»", ["chain"], "blockchain", 1) == ("«Blockchains grow.»", 1)


def test_skipped_and_applied_in_one_sentence(ru_matcher):
    matches = ru_matcher.find("Инвесторы обсуждают цепочки поставок и цепочку для токенов.")
    assert [m.action for m in matches] == ["skip", "apply"]
    # one rendering per match, in source order: only the applied one is post-edited
    text, checks = verify("Investors discuss supply chains and the chain for tokens.", matches)
    assert text == "Investors discuss supply chains and the blockchain for tokens."
    assert checks["blockchain"].status == "post-edited"
    # otherwise nothing tells which «chain» is which: left as it is, and unverified
    text, checks = verify("Investors discuss chains.", matches)
    assert text == "Investors discuss chains." and checks["blockchain"].status == "unverified"


def test_the_glossary_stages_sit_around_translation():
    from pipeline.stages import STAGES

    names = [s.name for s in STAGES]
    assert names.index("glossary-pre") == names.index("memory") + 1 == names.index("detect") + 2
    assert names.index("translate") == names.index("glossary-pre") + 1
    assert names.index("glossary-post") == names.index("translate") + 1


def test_run_writes_report_and_mt_source(seeds_dir, tmp_path):
    from pipeline.api import run_batch
    from pipeline.config import GlossaryConfig, RunConfig
    from pipeline.io import read_csv

    from tests.conftest import GLOSSARY

    report = run_batch(RunConfig(input_dir=seeds_dir, out_dir=tmp_path, glossary=GlossaryConfig(path=GLOSSARY)))
    rows = read_csv(tmp_path / "glossary_report.csv")
    assert list(rows.columns) == list(REPORT_COLUMNS)
    seed = rows[rows.doc_id == "000_5286f2786187ce81"]
    chain = seed[seed.entry == "blockchain"]
    assert list(chain.source_replacement) == ["блокчейне", "блокчейна", "блокчейны", "блокчейна"]
    assert set(chain.action) == {"apply"}
    assert {"ai", "korea-joongang-daily", "dapkiunas", "popkov", "public-administration"} <= set(seed.entry)
    sentences = read_csv(tmp_path / "sentences.csv")
    assert "mt_source" in sentences.columns
    first = sentences[(sentences.doc_id == "000_5286f2786187ce81") & (sentences.sent_idx == "0")].iloc[0]
    assert "цепочке" in first.text and "блокчейне" in first.mt_source
    assert sentences[sentences.doc_id != "000_5286f2786187ce81"].mt_source.eq("").all()
    assert "glossary_report.csv" in report.manifest["outputs"]
    from pipeline.glossary import load_glossary

    recorded = report.manifest["glossary"]
    assert recorded["sha256"] == load_glossary(GLOSSARY).sha256 and recorded["entries"] == len(load_glossary(GLOSSARY))


def test_run_refuses_a_broken_glossary_before_writing_anything(seeds_dir, tmp_path):
    from pipeline.api import run_batch
    from pipeline.config import GlossaryConfig, RunConfig
    from pipeline.errors import GlossaryError

    bad = tmp_path / "bad.tsv"
    bad.write_text("id\tsource_term\tsource_lang\ttarget_term\ttarget_lang\na\tb\tru\tc\tqq\n", encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(GlossaryError, match=r"bad\.tsv:2: target_lang: unknown language code 'qq'"):
        run_batch(RunConfig(input_dir=seeds_dir, out_dir=out, glossary=GlossaryConfig(path=bad)))
    assert not out.exists()


def test_run_without_glossary(seeds_dir, tmp_path):
    from pipeline.api import run_batch
    from pipeline.config import GlossaryConfig, RunConfig

    run_batch(RunConfig(input_dir=seeds_dir, out_dir=tmp_path, glossary=GlossaryConfig(enabled=False)))
    assert not (tmp_path / "glossary_report.csv").exists()
