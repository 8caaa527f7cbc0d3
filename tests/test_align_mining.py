"""Margin mining over a corpus: pooled indexes per language, corpus-wide margins, one partner per sentence."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from itertools import combinations

import numpy as np
import pytest

from pipeline.align.mining import MineParams, _build_index, mine, mine_corpus, mine_sides, near_identical

# Comparable, not parallel: different order, different extra sentences; four pairs say the same thing.
EN = [
    "Belarus is looking for South Korean investors in blockchain and fintech.",
    "The weather in Minsk was cold on Tuesday.",
    "The deputy foreign minister visited Seoul on Tuesday.",
    "Korea and Belarus signed a memorandum on science and technology cooperation.",
    "Football fans celebrated the victory late into the night.",
    "The ambassador said both countries share strengths in high-tech industries.",
    "Prices of vegetables rose sharply in the spring.",
]
RU = [
    "Во вторник заместитель министра иностранных дел посетил Сеул.",
    "Беларусь ищет южнокорейских инвесторов в сфере блокчейна и финтеха.",
    "Новый мост через реку откроют в следующем году.",
    "Посол отметил, что обе страны сильны в высокотехнологичных отраслях.",
    "Корея и Беларусь подписали меморандум о сотрудничестве в области науки и технологий.",
    "Кошки любят спать на солнце.",
    "В Москве прошёл концерт классической музыки.",
]
GOLD = {(0, 1), (2, 0), (3, 4), (5, 3)}

EN2 = [
    "South Korean investors are being courted by Belarus for its blockchain and fintech industry.",
    "A new bridge over the river will open next year.",
    "Seoul hosted a visit by the deputy foreign minister on Tuesday.",
    "The orchestra played Mozart to a full hall.",
]
GOLD_EN = {(0, 0), (2, 2)}


def unit(rows) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def reference_margins(vectors, docs, langs, k, same_language=False):
    """Brute force: the ratio margin of every pair of rows from different documents (and languages)."""
    sims = vectors @ vectors.T
    n = len(vectors)
    r = {}
    for i in range(n):
        for lang in set(langs):
            if lang == langs[i] and not same_language:
                continue
            others = sorted((sims[i, j] for j in range(n) if docs[j] != docs[i] and langs[j] == lang), reverse=True)
            r[i, lang] = float(np.mean(others[:k])) if others else 0.0
    margins = {}
    for i, j in combinations(range(n), 2):
        if docs[i] == docs[j] or (langs[i] == langs[j] and not same_language):
            continue
        margins[i, j] = sims[i, j] / ((r[i, langs[j]] + r[j, langs[i]]) / 2)
    return margins, sims


def clustered(n_docs=6, per_doc=5, dim=32, noise=0.15, seed=0, langs=("ru", "en")):
    """Documents in pairs (a story and its translation: the same meanings in two languages, plus noise)."""
    rng = np.random.default_rng(seed)
    meanings = rng.standard_normal((n_docs // 2 + 1, per_doc, dim))
    vectors, docs, langs_out, meaning = [], [], [], []
    for d in range(n_docs):
        for s in range(per_doc):
            vectors.append(meanings[d // 2, s] + noise * rng.standard_normal(dim))
            docs.append(f"d{d}")
            langs_out.append(langs[d % 2])
            meaning.append((d // 2, s))
    return unit(vectors), docs, langs_out, meaning


# -- margin maths, exclusions, selection ---------------------------------------------------------------------------


def test_margins_match_a_brute_force_reference():
    vectors, docs, langs, _ = clustered(n_docs=6, per_doc=4, noise=0.6, seed=1)
    params = MineParams(k=3, threshold=0.0, min_similarity=-1.0, doc_links=0, doc_similarity=None)
    margins, sims = reference_margins(vectors, docs, langs, k=3)
    found = mine_corpus(vectors, docs, langs, params)
    assert found
    for p in found:
        assert p.margin == pytest.approx(margins[p.src, p.tgt], abs=1e-5)
        assert p.similarity == pytest.approx(sims[p.src, p.tgt], abs=1e-5)
    # greedy by margin: the best-margin pair of the whole corpus is always kept
    best = max(margins, key=margins.get)
    assert (best[0], best[1]) in {(p.src, p.tgt) for p in found}


def test_translations_are_found_across_documents_and_nothing_else():
    vectors, docs, langs, meaning = clustered(n_docs=8, per_doc=6, noise=0.2, seed=2)
    found = mine_corpus(vectors, docs, langs, MineParams(k=3))
    truth = {(i, j) for i, j in combinations(range(len(vectors)), 2) if meaning[i] == meaning[j]}
    assert {(p.src, p.tgt) for p in found} == truth
    assert all(p.src < p.tgt and docs[p.src] != docs[p.tgt] and not p.duplicate for p in found)


def test_sentences_of_one_document_never_pair_nor_count_as_neighbours():
    # one bilingual document holds a sentence and its own translation; another document holds the translation too
    x = unit([[1, 0, 0, 0], [0.98, 0.2, 0, 0], [0.97, 0, 0.24, 0], [0, 0, 0, 1]])
    docs = ["bi", "bi", "other", "other"]
    langs = ["ru", "en", "en", "en"]
    found = mine_corpus(x, docs, langs, MineParams(k=1, threshold=1.0, min_similarity=0.5, doc_links=0, doc_similarity=None))
    assert [(p.src, p.tgt) for p in found] == [(0, 2)]
    # the margin's neighbourhood of row 0 is row 2 alone (row 1, closer but in its own document, is not one)
    assert found[0].margin == pytest.approx(1.0, abs=1e-6)


def test_one_partner_per_sentence_against_a_hub():
    # one English sentence close to five Russian ones, each in its own document
    rng = np.random.default_rng(3)
    hub = rng.standard_normal(16)
    ru = [hub + 0.3 * rng.standard_normal(16) for _ in range(5)]
    noise = [rng.standard_normal(16) for _ in range(6)]
    x = unit([hub] + ru + noise)
    docs = ["en"] + [f"ru{i}" for i in range(5)] + [f"n{i}" for i in range(6)]
    langs = ["en"] + ["ru"] * 5 + ["en"] * 3 + ["ru"] * 3
    found = mine_corpus(x, docs, langs, MineParams(k=2, threshold=1.0, min_similarity=0.3, doc_links=0, doc_similarity=None))
    with_hub = [p for p in found if 0 in (p.src, p.tgt)]
    assert len(with_hub) == 1
    used = [r for p in found for r in (p.src, p.tgt)]
    assert len(used) == len(set(used))


def test_mutual_keeps_only_mutual_best_matches():
    # rows 0 (ru) and 2 (en) are each other's best; row 1 (ru)'s best is row 2 too, but not mutually
    x = unit([[1, 0.1, 0], [0.9, 0.45, 0], [1, 0, 0], [0, 0.2, 1], [0, 1, 0.9]])
    docs, langs = ["a", "b", "c", "d", "e"], ["ru", "ru", "en", "en", "en"]
    params = MineParams(k=1, threshold=0.0, min_similarity=0.0, doc_links=0, doc_similarity=None)
    greedy = {(p.src, p.tgt) for p in mine_corpus(x, docs, langs, params)}
    mutual = {(p.src, p.tgt) for p in mine_corpus(x, docs, langs, replace(params, select="mutual"))}
    assert (0, 2) in mutual and mutual <= greedy
    assert all(a != 1 for a, _ in mutual)
    assert len(greedy) > len(mutual)


def story_corpus(seed=7):
    """A Russian story and its English version (one loose translation), two one-sentence documents whose
    sentences are fairly close, and 30 unrelated sentences in six documents."""
    rng = np.random.default_rng(seed)
    story = rng.standard_normal((5, 32))
    ru = story + 0.2 * rng.standard_normal(story.shape)
    en = story + 0.2 * rng.standard_normal(story.shape)
    en[4] = story[4] + 1.2 * rng.standard_normal(32)  # a loose translation: low similarity
    lone = rng.standard_normal(32)
    others = rng.standard_normal((30, 32))
    x = unit(np.concatenate([ru, en, [lone + 0.45 * rng.standard_normal(32)], [lone + 0.45 * rng.standard_normal(32)], others]))
    docs = ["ru"] * 5 + ["en"] * 5 + ["ru-lone", "en-lone"] + [f"o{i // 5}" for i in range(30)]
    langs = ["ru"] * 5 + ["en"] * 5 + ["ru", "en"] + ["ru", "en"] * 15
    return x, docs, langs


def test_linked_documents_keep_their_loose_pairs_and_a_lone_pair_must_be_close():
    x, docs, langs = story_corpus()
    sims = x @ x.T
    assert 0.35 < sims[4, 9] < 0.6 and 0.6 < sims[10, 11] < 0.8
    plain = {(p.src, p.tgt) for p in mine_corpus(x, docs, langs, MineParams(doc_links=0, doc_similarity=None, min_similarity=0.6))}
    assert {(i, i + 5) for i in range(4)} <= plain and (4, 9) not in plain and (10, 11) in plain
    for evidence in (MineParams(), MineParams(doc_links=2, doc_similarity=None, min_similarity=0.6)):  # documents, sentences
        found = {(p.src, p.tgt) for p in mine_corpus(x, docs, langs, evidence)}
        assert {(i, i + 5) for i in range(5)} <= found  # the loose translation, between linked documents
        assert (10, 11) not in found  # a lone pair between two documents that share nothing else
    assert (10, 11) in {(p.src, p.tgt) for p in mine_corpus(x, docs, langs, MineParams(single_similarity=0.6))}


def test_documents_link_when_each_is_the_others_best_match():
    from pipeline.align.mining import _document_scores, _Neighbourhoods, _Space

    x, docs, langs = story_corpus()
    ids = {d: i for i, d in enumerate(sorted(set(docs)))}
    doc_of = np.array([ids[d] for d in docs])
    lang = np.array(langs)
    space = _Space(x, doc_of, MineParams(k=len(x)))  # every sentence of the other language is a neighbour
    hood = _Neighbourhoods(space, np.flatnonzero(lang == "ru"), np.flatnonzero(lang == "en"), False)
    da, db, score, support = _document_scores(space, hood)
    got = {(int(a), int(b)): (s, n) for a, b, s, n in zip(da, db, score, support)}
    for a, b in [("ru", "en"), ("ru", "o1"), ("ru-lone", "en-lone"), ("o0", "o3")]:
        ra = [i for i, d in enumerate(docs) if d == a and langs[i] == "ru"]
        rb = [i for i, d in enumerate(docs) if d == b and langs[i] == "en"]
        s = x[ra] @ x[rb].T
        expected = (s.max(axis=1).sum() + s.max(axis=0).sum()) / (len(ra) + len(rb))
        assert got[ids[a], ids[b]][0] == pytest.approx(expected, abs=1e-5)
        assert got[ids[a], ids[b]][1] == min(len(ra), len(rb))
    others = [s for (a, b), (s, n) in got.items() if (a, b) != (ids["ru"], ids["en"]) and n >= 2]
    assert got[ids["ru"], ids["en"]][0] > 0.45 > max(others)
    assert got[ids["ru-lone"], ids["en-lone"]] == (pytest.approx(float(x[10] @ x[11])), 1)  # close, but one sentence each


def test_a_line_repeated_across_the_corpus_pairs_inside_its_linked_document():
    # "Thank you." ends the story and five unrelated English documents: identical lines, one right partner
    rng = np.random.default_rng(11)
    story = rng.standard_normal((6, 32))
    thanks = rng.standard_normal(32)
    ru = np.concatenate([story + 0.25 * rng.standard_normal(story.shape), [thanks + 0.1 * rng.standard_normal(32)]])
    en = np.concatenate([story + 0.25 * rng.standard_normal(story.shape), [thanks + 0.1 * rng.standard_normal(32)]])
    others = [np.concatenate([rng.standard_normal((4, 32)), [thanks]]) for _ in range(5)]
    x = unit(np.concatenate([ru, en, *others]))
    docs = ["ru"] * 7 + ["en"] * 7 + [f"o{i // 5}" for i in range(25)]
    langs = ["ru"] * 7 + ["en"] * 32
    found = {(p.src, p.tgt) for p in mine_corpus(x, docs, langs)}
    assert found == {(i, i + 7) for i in range(7)}  # the thanks too, with the story's own line
    plain = {(p.src, p.tgt) for p in mine_corpus(x, docs, langs, MineParams(doc_links=0, doc_similarity=None))}
    assert (6, 13) not in plain  # corpus-wide, another document's copy is as close or closer


def test_second_round_pairs_a_line_repeated_inside_both_documents():
    rng = np.random.default_rng(12)
    story = rng.standard_normal((6, 32))
    story[5] = story[4]  # the same line twice in the story
    ru = story + 0.01 * rng.standard_normal(story.shape)
    ru[5] = ru[4]
    en = story + 0.2 * rng.standard_normal(story.shape)
    en[5] = en[4]
    x = unit(np.concatenate([ru, en, rng.standard_normal((20, 32))]))
    docs = ["ru"] * 6 + ["en"] * 6 + [f"o{i // 5}" for i in range(20)]
    langs = ["ru"] * 6 + ["en"] * 6 + ["ru", "en"] * 10
    for params in (MineParams(), MineParams(linked_rounds=2)):
        found = {(p.src, p.tgt) for p in mine_corpus(x, docs, langs, params)}
        assert {(i, i + 6) for i in range(4)} <= found
        assert {(4, 10), (5, 11)} <= found or {(4, 11), (5, 10)} <= found  # both copies, one each


def test_sentences_left_over_in_two_partial_versions_stay_apart_with_one_round():
    # each version has a line the other lacks: the Russian one echoes the first sentence, so its best match there
    # is taken; a second round would pair the two left over (similarity about 0.49, English documents near it)
    rng = np.random.default_rng(4)
    story = rng.standard_normal((7, 32))
    extra = rng.standard_normal(32)
    ru = np.concatenate([story + 0.2 * rng.standard_normal(story.shape), [0.8 * story[0] + extra]])
    en = np.concatenate([story + 0.2 * rng.standard_normal(story.shape), [extra + 0.5 * rng.standard_normal(32)]])
    others = rng.standard_normal((20, 32))
    near = [extra + 1.0 * rng.standard_normal(32) for _ in range(6)]
    x = unit(np.concatenate([ru, en, others, near]))
    assert 0.4 < float(x[7] @ x[15]) < float(x[7] @ x[8])
    docs = ["ru"] * 8 + ["en"] * 8 + [f"o{i // 5}" for i in range(20)] + [f"n{i}" for i in range(6)]
    langs = ["ru"] * 8 + ["en"] * 8 + ["ru", "en"] * 10 + ["en"] * 6
    one = {(p.src, p.tgt) for p in mine_corpus(x, docs, langs)}
    two = {(p.src, p.tgt) for p in mine_corpus(x, docs, langs, MineParams(linked_rounds=2))}
    assert one == {(i, i + 8) for i in range(7)}
    assert two == one | {(7, 15)}


def test_a_sentence_without_partner_in_a_linked_document_stays_unpaired():
    rng = np.random.default_rng(13)
    story = rng.standard_normal((8, 32))
    ru = story[:7] + 0.2 * rng.standard_normal((7, 32))  # the last Russian sentence is not translated
    ru = np.concatenate([ru, [rng.standard_normal(32)]])
    en = story[:7] + 0.2 * rng.standard_normal((7, 32))
    x = unit(np.concatenate([ru, en, rng.standard_normal((20, 32))]))
    docs = ["ru"] * 8 + ["en"] * 7 + [f"o{i // 5}" for i in range(20)]
    langs = ["ru"] * 8 + ["en"] * 7 + ["ru", "en"] * 10
    found = {(p.src, p.tgt) for p in mine_corpus(x, docs, langs)}
    assert found == {(i, i + 8) for i in range(7)}


def test_same_language_pairs_only_with_mine_langs_all_and_copies_are_flagged():
    rng = np.random.default_rng(4)
    story = rng.standard_normal((4, 24))
    copy = story + 0.05 * rng.standard_normal(story.shape)  # a syndicated copy
    paraphrase = story + 0.5 * rng.standard_normal(story.shape)  # another wording
    other = rng.standard_normal((12, 24))
    x = unit(np.concatenate([story, copy, paraphrase, other]))
    docs = ["a"] * 4 + ["b"] * 4 + ["c"] * 4 + ["d"] * 4 + ["e"] * 4 + ["f"] * 4
    langs = ["en"] * 24
    assert mine_corpus(x, docs, langs) == []  # cross (the default): no same-language pairs
    texts = [f"Sentence number {i % 4} of the story." for i in range(8)] + [f"Words {i} put otherwise here." for i in range(16)]
    found = mine_corpus(x, docs, langs, MineParams(mine_langs="all", min_similarity=0.6), texts=texts)
    pairs = {(p.src, p.tgt): p for p in found}
    assert {(i, i + 4) for i in range(4)} <= set(pairs)
    assert all(pairs[i, i + 4].duplicate for i in range(4))
    assert not any(p.duplicate for p in found if p.tgt >= 8)
    assert not any(p.duplicate for p in mine_corpus(x, docs, langs, MineParams(mine_langs="all", min_similarity=0.6)))
    assert all(p.src < 12 and p.tgt < 12 for p in found)  # nothing with the unrelated document
    # each sentence at most once, within the same language too
    used = [r for p in found for r in (p.src, p.tgt)]
    assert len(used) == len(set(used))


def test_near_identical_texts():
    assert near_identical("The minister visited Seoul on Tuesday.", "the minister visited Seoul on Tuesday")
    assert near_identical("The deputy minister of foreign affairs visited Seoul on Tuesday.",
                          "The deputy minister of foreign affairs visited Seoul on Tuesday, officials said.", 0.8)
    assert not near_identical("The minister visited Seoul on Tuesday.", "Seoul hosted a visit by the minister on Tuesday.")
    assert not near_identical("The minister visited Seoul on Tuesday.", "The minister visited Seoul on Monday.")
    assert not near_identical("", "Anything.")


def test_ivf_index_gives_the_exact_pairs_when_every_list_is_probed():
    vectors, docs, langs, _ = clustered(n_docs=40, per_doc=6, noise=0.3, seed=5)
    assert type(_build_index(vectors[:120], MineParams(exact_up_to=50))).__name__ == "IndexIVFFlat"
    assert type(_build_index(vectors[:120], MineParams())).__name__ == "IndexFlatIP"
    exact = mine_corpus(vectors, docs, langs, MineParams(k=3))
    ivf = mine_corpus(vectors, docs, langs, MineParams(k=3, exact_up_to=50, nprobe=64))
    assert exact and [(p.src, p.tgt) for p in ivf] == [(p.src, p.tgt) for p in exact]
    assert [p.margin for p in ivf] == pytest.approx([p.margin for p in exact], abs=1e-5)


def test_ivf_index_with_few_probes_still_finds_close_translations():
    vectors, docs, langs, meaning = clustered(n_docs=40, per_doc=6, noise=0.2, seed=6)
    found = mine_corpus(vectors, docs, langs, MineParams(k=3, exact_up_to=50, nprobe=1))
    truth = {(i, j) for i, j in combinations(range(len(vectors)), 2) if meaning[i] == meaning[j]}
    right = {(p.src, p.tgt) for p in found} & truth
    assert len(right) >= 0.8 * len(truth) and len(right) == len(found)


def test_bad_input_is_refused_and_empty_input_mines_nothing():
    x = unit(np.eye(3))
    with pytest.raises(ValueError, match="3 vectors"):
        mine_corpus(x, ["a", "b"], ["en", "ru", "en"])
    with pytest.raises(ValueError, match="mine_langs"):
        mine_corpus(x, ["a", "b", "c"], ["en", "ru", "en"], MineParams(mine_langs="same"))
    with pytest.raises(ValueError, match="select"):
        mine_corpus(x, ["a", "b", "c"], ["en", "ru", "en"], MineParams(select="best"))
    assert mine_corpus(np.zeros((0, 4), np.float32), [], []) == []
    assert mine_corpus(x, ["a", "a", "a"], ["en", "ru", "de"]) == []  # one document: nothing to pair
    assert mine_sides(np.zeros((0, 4), np.float32), np.ones((2, 4), np.float32)) == []


def test_importing_the_miner_does_not_import_faiss():
    code = "import sys, pipeline.align, pipeline.align.mining, pipeline.align.files; print('faiss' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


# -- with the real encoder --------------------------------------------------------------------------------------


def precision_recall(found, gold):
    pairs = {(p.src, p.tgt) for p in found}
    tp = len(pairs & gold)
    return tp / max(len(pairs), 1), tp / len(gold)


@pytest.mark.slow
def test_mining_across_languages(use_encoder):
    found = mine(EN, RU, use_encoder, src_lang="en", tgt_lang="ru")
    precision, recall = precision_recall(found, GOLD)
    assert precision == 1.0, found
    assert recall >= 0.75, found
    assert all(p.margin >= MineParams().threshold for p in found)


@pytest.mark.slow
def test_mining_is_order_free(use_encoder):
    order = [6, 3, 0, 5, 2, 4, 1]
    found = mine(EN, [RU[i] for i in order], use_encoder)
    mapped = {(p.src, order[p.tgt]) for p in found}
    assert mapped == {(p.src, p.tgt) for p in mine(EN, RU, use_encoder)}


@pytest.mark.slow
def test_mining_within_one_language(use_encoder):
    found = mine(EN, EN2, use_encoder, src_lang="en", tgt_lang="en")
    precision, recall = precision_recall(found, GOLD_EN)
    assert precision == 1.0 and recall == 1.0, found
    assert not any(p.duplicate for p in found)
    copies = mine(EN, EN[:3], use_encoder, src_lang="en", tgt_lang="en")
    assert {(p.src, p.tgt) for p in copies} == {(0, 0), (1, 1), (2, 2)} and all(p.duplicate for p in copies)


@pytest.mark.slow
def test_threshold_trades_recall_for_precision(use_encoder):
    loose = mine(EN, RU, use_encoder, MineParams(threshold=1.0, min_similarity=0.0))
    strict = mine(EN, RU, use_encoder, MineParams(threshold=3.0, linked_threshold=3.0))
    assert len(loose) >= len(mine(EN, RU, use_encoder)) >= len(strict)
    assert strict == []


@pytest.mark.slow
def test_corpus_of_three_documents_with_the_real_encoder(use_encoder):
    # a Russian story, its English version, and an unrelated English article on a neighbouring topic
    distractor = [
        "Belarus and China discussed trade in agricultural products.",
        "The minister of agriculture visited Beijing on Monday.",
        "Exports of dairy products grew by ten percent.",
    ]
    texts = RU + EN + distractor
    docs = ["ru"] * len(RU) + ["en"] * len(EN) + ["other"] * len(distractor)
    langs = ["ru"] * len(RU) + ["en"] * (len(EN) + len(distractor))
    found = mine_corpus(use_encoder.encode(texts), docs, langs)
    gold = {(r, len(RU) + e) for e, r in GOLD}
    pairs = {(p.src, p.tgt) for p in found}
    assert pairs <= gold and len(pairs) >= 3, found
    both = mine_corpus(use_encoder.encode(texts), docs, langs, MineParams(mine_langs="all"))
    assert {(p.src, p.tgt) for p in both} >= pairs


@pytest.mark.slow
def test_align_files_mining_is_the_corpus_miner_on_two_documents(use_encoder):
    import csv
    import io

    from pipeline.align.files import SideText, align_files, format_alignment

    src, tgt = SideText("en.txt", "en", tuple(EN)), SideText("ru.txt", "ru", tuple(RU))
    result = align_files(src, tgt, use_encoder, mode="mining")
    vectors = use_encoder.encode(EN + RU)
    corpus = mine_corpus(vectors, ["en"] * len(EN) + ["ru"] * len(RU), ["en"] * len(EN) + ["ru"] * len(RU))
    assert [(b.src[0], b.tgt[0] + len(EN)) for b in result.beads] == [(p.src, p.tgt) for p in corpus]
    assert list(result.margins) == [p.margin for p in corpus]
    rows = list(csv.DictReader(io.StringIO(format_alignment(result, "csv"))))
    assert rows and list(rows[0]) == ["src_ids", "tgt_ids", "score", "margin", "flags", "src_text", "tgt_text"]
    assert all(float(r["margin"]) >= 1.1 and r["flags"] == "" for r in rows)
    copies = align_files(src, SideText("copy.txt", "en", tuple(EN[:3])), use_encoder, mode="mining")
    assert list(copies.duplicates) == [True, True, True]
    data = __import__("json").loads(format_alignment(copies, "json"))
    assert [b["flags"] for b in data["beads"]] == ["duplicate"] * 3 and all("margin" in b for b in data["beads"])


# -- the comparable benchmark's corpus (bench/comparable.py), on files written here ------------------------------


def write_wmt24(folder, pair, rows):
    """The WMT24 text layout: one line per paragraph in documents/, sources/, references/."""
    for sub in ("documents", "sources", "references"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "documents" / f"{pair}.docs").write_text("".join(f"{d}\t{i}\n" for d, i, _, _ in rows), encoding="utf-8")
    (folder / "sources" / f"{pair}.txt").write_text("".join(f"{s}\n" for _, _, s, _ in rows), encoding="utf-8")
    (folder / "references" / f"{pair}.refA.txt").write_text("".join(f"{r}\n" for _, _, _, r in rows), encoding="utf-8")


def test_wmt24_paragraphs_split_into_sentences_only_when_both_sides_agree(tmp_path):
    from bench.comparable import read_wmt24

    rows = [
        ("social", "post-1", "The cat sat on the mat. It was happy.", "Кошка сидела на коврике. Она была довольна."),
        ("social", "post-1", "Then it slept.", "Потом она уснула."),
        # same count, lengths out of proportion: the two splits do not pair up
        ("speech", "talk-1", "Hello. This is a long sentence about many different things at once, really.",
         "Здравствуйте, это длинное предложение о многом сразу. Правда."),
        ("speech", "talk-1", "One. Two. Three.", "Раз, два. Три."),  # different counts
    ]
    write_wmt24(tmp_path / "wmttest2024", "en-ru", rows)
    stories = {s.key: s for s in read_wmt24(tmp_path / "wmttest2024", "en-ru")}
    post = stories["wmttest2024.en-ru/post-1"]
    assert post.domain == "social" and post.sides[0][0] == "en" and post.sides[1][0] == "ru"
    assert post.sides[0][1] == ("The cat sat on the mat.", "It was happy.", "Then it slept.")
    assert post.sides[1][1] == ("Кошка сидела на коврике.", "Она была довольна.", "Потом она уснула.")
    talk = stories["wmttest2024.en-ru/talk-1"]
    assert talk.sides[0][1] == (rows[2][2], rows[3][2]) and talk.sides[1][1] == (rows[2][3], rows[3][3])


def test_splits_keep_domains_and_one_version_of_a_shared_original(tmp_path, monkeypatch):
    import bench.comparable as comparable

    sentences = [f"Sentence number {i} of the story." for i in range(6)]
    for pair in ("en-ja", "en-zh"):
        rows = [("news", "doc-a", s, f"{pair} {i}") for i, s in enumerate(sentences)]
        rows += [("social", "doc-b", s, f"{pair} b{i}") for i, s in enumerate(sentences)]
        write_wmt24(tmp_path / "wmttest2024", pair, rows)
    split = (comparable.Source("wmttest2024.en-ja", skip=("news",)), comparable.Source("wmttest2024.en-zh", skip=("news",)))
    monkeypatch.setitem(comparable.SPLITS, "unit", split)
    stories = comparable.load_split(tmp_path, "unit")
    assert len(stories) == 1 and stories[0].domain == "social"  # doc-b once, in one of its two translations
    assert stories[0].sides[1][0] in ("ja", "zh")
    with pytest.raises(FileNotFoundError, match="wmttest2024"):
        comparable.load_split(tmp_path / "missing", "unit")


def test_partial_versions_drop_sentences_on_both_sides_and_the_gold_follows():
    from bench.comparable import Story, build

    stories = [Story(f"set/s{n}", "news", (("ru", tuple(f"ru {n}.{i}" for i in range(8))), ("en", tuple(f"en {n}.{i}" for i in range(8)))))
               for n in range(10)]
    full = build(stories, 10, seed=3)
    part = build(stories, 10, seed=3, partial=0.25)
    assert [d.doc_id for d in part.docs] == [d.doc_id for d in full.docs]
    paired = [d for d in part.docs if any(e.story == d.story and e is not d for e in part.docs)]
    assert paired and all(len(d.sentences) == 6 for d in paired)
    rows = part.rows
    for a, b in part.gold:  # a gold pair: the same sentence of one story, in its two languages
        assert rows[a][2].split()[1] == rows[b][2].split()[1] and rows[a][1] != rows[b][1]
    assert len(part.gold) < len(full.gold)
