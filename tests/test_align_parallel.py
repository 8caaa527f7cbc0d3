"""The parallel aligner on gold alignments built here: splits, merges, deletions, insertions."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from pipeline.align.encoders import encode_spans
from pipeline.align.parallel import AlignParams, Band, _dp, align_parallel, align_spans
from pipeline.align.score import score


class BagEncoder:
    """A test encoder: a sentence is the sum of fixed random vectors of its words.

    Concatenating sentences adds their vectors, so a merged sentence embeds
    like the span it came from, which is what a good multilingual encoder does
    for a real translation.
    """

    name = "bag"

    def __init__(self, dim: int = 256, seed: int = 0, ignore_numbers: bool = False) -> None:
        self.dim = dim
        self.seed = seed
        self.ignore_numbers = ignore_numbers

    def _word(self, word: str) -> np.ndarray:
        rng = np.random.default_rng([self.seed, zlib.crc32(word.encode())])
        return rng.standard_normal(self.dim)

    def encode(self, sentences):
        out = np.zeros((len(sentences), self.dim), np.float32)
        for i, s in enumerate(sentences):
            for w in s.split():
                if not (self.ignore_numbers and w.isdigit()):
                    out[i] += self._word(w.lower())
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def make_doc(n_topics: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    return [" ".join(f"w{t}_{k}" for k in range(int(rng.integers(6, 14)))) for t in range(n_topics)]


def build(sentences, plan):
    """Target side and gold from a plan of (kind, size) steps over the source sentences.

    kinds: ``1-1``, ``2-1`` (merge two source sentences), ``1-2`` (split one in two),
    ``1-0`` (deleted in the target), ``0-1`` (inserted in the target).
    """
    tgt, gold, i = [], [], 0
    for step in plan:
        if step == "1-1":
            gold.append(((i,), (len(tgt),)))
            tgt.append(sentences[i])
            i += 1
        elif step == "2-1":
            gold.append(((i, i + 1), (len(tgt),)))
            tgt.append(sentences[i] + " " + sentences[i + 1])
            i += 2
        elif step == "1-2":
            words = sentences[i].split()
            half = len(words) // 2
            gold.append(((i,), (len(tgt), len(tgt) + 1)))
            tgt += [" ".join(words[:half]), " ".join(words[half:])]
            i += 1
        elif step == "1-0":
            gold.append(((i,), ()))
            i += 1
        elif step == "0-1":
            gold.append(((), (len(tgt),)))
            tgt.append(f"inserted{len(tgt)} other{len(tgt)} words{len(tgt)} here{len(tgt)} now{len(tgt)} then{len(tgt)}")
    return sentences[:i], tgt, gold


PLAN = ["1-1", "1-1", "2-1", "1-1", "1-2", "1-1", "1-0", "1-1", "0-1", "1-1", "1-1", "2-1", "1-2", "1-1", "1-1"]


def test_splits_merges_deletions_insertions_are_found():
    src, tgt, gold = build(make_doc(40), PLAN)
    beads = align_parallel(src, tgt, BagEncoder(), AlignParams())
    s = score(gold, [(b.src, b.tgt) for b in beads])
    assert s.strict_f1 == 1.0, [(b.src, b.tgt) for b in beads]


def test_deleted_sentence_next_to_an_inserted_one_gives_two_null_beads():
    src, tgt, gold = build(make_doc(8), ["1-1", "1-1", "1-0", "0-1", "1-1", "1-1"])
    beads = align_parallel(src, tgt, BagEncoder(), AlignParams())
    assert score(gold, [(b.src, b.tgt) for b in beads]).strict_f1 == 1.0, [(b.src, b.tgt) for b in beads]
    # without the similarity floor the two strangers are paired
    unfloored = align_parallel(src, tgt, BagEncoder(), AlignParams(min_similarity=None))
    assert ((2,), (2,)) in [(b.src, b.tgt) for b in unfloored]


def test_a_sentence_that_adds_nothing_is_not_folded_into_its_neighbour():
    """A shortened translation followed by a short foreign sentence: the 1-2 bead fits the lengths
    better, but leaving the foreign sentence out raises the similarity, so it is a null bead."""
    src = make_doc(6, seed=4)
    words = src[2].split()
    tgt = src[:2] + [" ".join(words[: len(words) * 2 // 3]), "foreign1 foreign2 foreign3 foreign4"] + src[3:]
    gold = [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((), (3,)), ((3,), (4,)), ((4,), (5,)), ((5,), (6,))]
    beads = align_parallel(src, tgt, BagEncoder(), AlignParams())
    assert score(gold, [(b.src, b.tgt) for b in beads]).strict_f1 == 1.0, [(b.src, b.tgt) for b in beads]
    folded = align_parallel(src, tgt, BagEncoder(), AlignParams(min_link=None))
    assert ((2,), (2, 3)) in [(b.src, b.tgt) for b in folded]


def _path_score(path, scores, skip, skip_extend):
    total, last = 0.0, None
    for i0, i1, j0, j1 in path:
        a, b = i1 - i0, j1 - j0
        if a and b:
            total += scores[(a, b)][i1, j1]
            last = None
        else:
            side = "src" if a else "tgt"
            total += skip_extend if last == side else skip
            last = side
    return total


def _all_paths(n, m, types):
    if n == 0 and m == 0:
        yield []
        return
    for a, b in types:
        if a <= n and b <= m:
            for head in _all_paths(n - a, m - b, types):
                yield head + [(n - a, n, m - b, m)]


@pytest.mark.parametrize("seed", range(12))
def test_dynamic_program_finds_the_best_path_with_affine_null_runs(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    types = [(a, b) for a, b in AlignParams(max_size=4).types() if a <= n and b <= m]
    scores = {t: rng.uniform(-0.6, 0.8, size=(n + 1, m + 1)) for t in types if t[0] and t[1]}
    skip, skip_extend = -0.3, float(rng.uniform(-0.3, 0.0))
    path = _dp(n, m, Band.full(n, m), types, scores, skip, skip_extend)
    assert [i for i0, i1, _, _ in path for i in range(i0, i1)] == list(range(n))
    assert [j for _, _, j0, j1 in path for j in range(j0, j1)] == list(range(m))
    best = max(_path_score(p, scores, skip, skip_extend) for p in _all_paths(n, m, types))
    assert _path_score(path, scores, skip, skip_extend) == pytest.approx(best, abs=1e-9)


def test_a_block_of_missing_sentences_costs_little_more_than_one():
    """Twelve sentences inserted in a row: with affine null runs the block costs -0.15 - 11 * 0.02."""
    plan = ["1-1"] * 5 + ["0-1"] * 12 + ["1-1"] * 5
    src, tgt, gold = build(make_doc(12, seed=5), plan)
    beads = align_parallel(src, tgt, BagEncoder(), AlignParams())
    assert score(gold, [(b.src, b.tgt) for b in beads]).strict_f1 == 1.0
    assert sum(1 for b in beads if not b.src) == 12


def test_beads_cover_both_sides_in_order():
    src, tgt, _ = build(make_doc(60), PLAN * 3)
    beads = align_parallel(src, tgt, BagEncoder(), AlignParams())
    assert [i for b in beads for i in b.src] == list(range(len(src)))
    assert [j for b in beads for j in b.tgt] == list(range(len(tgt)))
    assert all(0.0 <= b.score <= 1.0 + 1e-6 for b in beads)
    assert all(b.score == 0.0 for b in beads if not b.src or not b.tgt)


def test_max_size_limits_bead_shapes():
    src, tgt, gold = build(make_doc(12), ["1-1", "2-1", "1-1"])
    beads = align_parallel(src, tgt, BagEncoder(), AlignParams(max_size=2))
    assert all(len(b.src) + len(b.tgt) <= 2 for b in beads)
    assert score(gold, [(b.src, b.tgt) for b in beads]).strict_f1 < 1.0


def test_long_documents_use_the_coarse_to_fine_band():
    rng = np.random.default_rng(7)
    plan = list(rng.choice(["1-1"] * 12 + ["2-1", "1-2", "1-0", "0-1"], size=1500))
    need = sum({"2-1": 2, "1-0": 1, "0-1": 0}.get(p, 1) for p in plan)
    src, tgt, gold = build(make_doc(need + 2, seed=3), plan)
    params = AlignParams()
    assert len(src) * len(tgt) > params.full_cells
    beads = align_parallel(src, tgt, BagEncoder(), params)
    s = score(gold, [(b.src, b.tgt) for b in beads])
    assert s.strict_f1 > 0.97


def test_band_around_a_path_is_narrow_and_monotone():
    n = m = 1000
    band = Band.around([(i, i) for i in range(n + 1)], n, m, width=8)
    assert band.width <= 4 * 8 + 1  # within 8 rows and 8 columns of the diagonal
    assert np.all(np.diff(band.lo) >= 0) and np.all(np.diff(band.hi) >= 0)
    assert band.lo[0] == 0 and band.hi[-1] == m


def test_empty_sides_give_null_beads():
    enc = BagEncoder()
    assert align_parallel([], ["a b"], enc) [0].tgt == (0,)
    beads = align_parallel(["a b", "c d"], [], enc)
    assert [(b.src, b.tgt) for b in beads] == [((0,), ()), ((1,), ())]
    assert align_parallel([], [], enc) == []


def test_one_sentence_each_side():
    beads = align_parallel(["a b c"], ["a b c"], BagEncoder())
    assert [(b.src, b.tgt) for b in beads] == [((0,), (0,))]
    assert beads[0].score == pytest.approx(1.0, abs=1e-5)


def test_vecalign_line_format():
    src, tgt, _ = build(make_doc(5), ["1-1", "1-2", "1-0"])
    lines = [b.vecalign() for b in align_parallel(src, tgt, BagEncoder())]
    assert lines[0].startswith("[0]:[0]:")
    assert lines[1].startswith("[1]:[1, 2]:")
    assert lines[2] == "[2]:[]:0.000000"


def test_align_spans_needs_enough_span_sizes():
    enc = BagEncoder()
    src, tgt, _ = build(make_doc(10), ["1-1"] * 10)
    with pytest.raises(ValueError):
        align_spans(encode_spans(enc, src, 1), encode_spans(enc, tgt, 1), [1] * 10, [1] * 10, AlignParams(max_size=5))


# ---------------------------------------------------------------- real encoder, real languages

EN = [
    "The ministry announced a new programme for small businesses on Monday.",
    "It will provide cheap loans to companies in the technology sector.",
    "Officials expect more than two hundred firms to apply this year.",
    "The programme was prepared together with the national bank.",
    "Critics say the money is not enough.",
    "They point out that inflation remains high.",
    "The first loans will be issued in the spring.",
    "Applications can be submitted online.",
]
RU = [
    "В понедельник министерство объявило о новой программе для малого бизнеса.",
    "Она предоставит дешёвые кредиты компаниям технологического сектора.",
    "Чиновники ожидают, что в этом году заявки подадут более двухсот фирм.",
    # EN 3 deleted
    "Критики говорят, что денег недостаточно, и указывают на то, что инфляция остаётся высокой.",  # EN 4+5 merged
    "Первые кредиты будут выданы весной.",
    "Погода в столице в эти выходные будет тёплой и солнечной.",  # inserted
    "Заявки можно подать через интернет.",
]
GOLD = [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3,), ()), ((4, 5), (3,)), ((6,), (4,)), ((), (5,)), ((7,), (6,))]


def test_english_russian_document_with_merge_deletion_and_insertion(use_encoder):
    beads = align_parallel(EN, RU, use_encoder)
    pred = [(b.src, b.tgt) for b in beads]
    assert score(GOLD, pred).strict_f1 == 1.0, pred


def test_a_replaced_sentence_in_real_text_gives_two_null_beads(use_encoder):
    """The translation of one sentence is replaced by an unrelated one: not a pair, two null beads."""
    ru = [
        "В понедельник министерство объявило о новой программе для малого бизнеса.",
        "Она предоставит дешёвые кредиты компаниям технологического сектора.",
        "Чиновники ожидают, что в этом году заявки подадут более двухсот фирм.",
        "Футбольный клуб из Казани подписал контракт с бразильским нападающим.",  # instead of EN 3
        "Критики говорят, что денег недостаточно.",
        "Они указывают на то, что инфляция остаётся высокой.",
        "Первые кредиты будут выданы весной.",
        "Заявки можно подать через интернет.",
    ]
    gold = [((i,), (i,)) for i in range(8) if i != 3] + [((3,), ()), ((), (3,))]
    pred = [(b.src, b.tgt) for b in align_parallel(EN, ru, use_encoder)]
    assert score(gold, pred).strict_f1 == 1.0, pred


def test_shared_words_count_once_per_bead():
    from pipeline.align.parallel import shared_tokens

    src = ["Kato reached the summit in 1956.", "Kato came back.", "The weather was bad.", "Higeta stayed at camp 3."]
    tgt = ["Kato atteignit le sommet en 1956.", "Higeta resta au camp 3."]
    shared = shared_tokens(src, tgt, window=3)
    pairs = {divmod(k, len(tgt)): c for k, c in zip(shared.keys.tolist(), shared.counts.tolist())}
    # "kato" occurs twice within three source sentences, so a bead could hold it twice: not counted;
    # "3" and "the" are too short to be told from chance
    assert pairs == {(0, 0): 1.0, (3, 1): 2.0}  # 1956; higeta and camp
    # the 4-2 bead ending after source 3 and target 1 holds all three
    assert shared.in_beads(np.array([4]), np.array([[2]]), 4, 2).tolist() == [[3.0]]
    assert shared.in_beads(np.array([1]), np.array([[1]]), 1, 1).tolist() == [[1.0]]
    assert shared.in_beads(np.array([2]), np.array([[1]]), 1, 1).tolist() == [[0.0]]


def test_a_name_cut_off_by_a_sentence_boundary_joins_the_two_beads(use_encoder):
    en = [
        "The expedition left the base camp on 3 May.",
        "After two weeks of bad weather the team reached the col.",
        "The summit was first climbed in 1933 by Yevgeny",
        "Abalakov, and it has been visited many times since.",
        "The descent took three days.",
    ]
    de = [
        "Die Expedition verliess das Basislager am 3. Mai.",
        "Nach zwei Wochen schlechten Wetters erreichte die Mannschaft den Sattel.",
        "Der Gipfel wurde 1933 von Jewgeni Abalakov erstbestiegen.",
        "Seitdem wurde er viele Male besucht.",
        "Der Abstieg dauerte drei Tage.",
    ]
    pred = [(b.src, b.tgt) for b in align_parallel(en, de, use_encoder)]
    assert ((2, 3), (2, 3)) in pred, pred
    blind = [(b.src, b.tgt) for b in align_parallel(en, de, use_encoder, AlignParams(shared_token_weight=0))]
    assert ((2,), (2,)) in blind and ((3,), (3,)) in blind


def test_shared_words_can_carry_an_alignment():
    # embeddings that know nothing (every word differs across sides), numbers that match
    src = [f"alpha{i} beta{i} gamma{i} {1000 + i}" for i in range(12)]
    tgt = [f"delta{i} eps{i} {1000 + i} zeta{i}" for i in range(12)]
    del tgt[5]
    enc = BagEncoder(ignore_numbers=True)
    # these embeddings carry no signal at all (true pairs score about 0), so no similarity floor can hold
    blind = align_parallel(src, tgt, enc, AlignParams(min_similarity=None, shared_token_weight=0))
    seeing = align_parallel(src, tgt, enc, AlignParams(min_similarity=None))
    gold = [((i,), (i if i < 5 else i - 1,)) for i in range(12) if i != 5] + [((5,), ())]
    with_words = score(gold, [(b.src, b.tgt) for b in seeing])
    without = score(gold, [(b.src, b.tgt) for b in blind])
    assert with_words.lax_f1 == 1.0
    assert with_words.strict_f1 > without.strict_f1 + 0.3
    assert all(b.score < 0.5 for b in seeing)  # the reported score stays the embedding similarity


def test_long_insertion_in_a_long_document():
    """300 target sentences with no source counterpart, in the middle of 1,000 parallel ones."""
    rng = np.random.default_rng(0)

    def unit(x):
        return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)

    def spans(v, k=AlignParams().max_size - 1):
        c = np.concatenate([np.zeros((1, v.shape[1])), np.cumsum(v, axis=0)])
        return [unit(c[size:] - c[:-size]) for size in range(1, k + 1)]

    n, extra, half = 1000, 300, 500
    src = unit(rng.standard_normal((n, 64)))
    noisy = unit(src + 0.3 * unit(rng.standard_normal((n, 64))))
    tgt = np.concatenate([noisy[:half], unit(rng.standard_normal((extra, 64))), noisy[half:]])
    gold = [((i,), (i,)) for i in range(half)] + [((), (half + j,)) for j in range(extra)]
    gold += [((i,), (i + extra,)) for i in range(half, n)]
    beads = align_spans(spans(src), spans(tgt), [50] * n, [50] * len(tgt), AlignParams())
    assert score(gold, [(b.src, b.tgt) for b in beads]).strict_f1 == 1.0


def test_both_sides_share_one_span_mode():
    from pipeline.align.parallel import exact_spans

    assert exact_spans(AlignParams(), 400, 900) is True
    assert exact_spans(AlignParams(), 400, 1200) is False  # the longer side decides for both
    assert exact_spans(AlignParams(exact_spans=True), 5000, 5000) is True
    assert exact_spans(AlignParams(exact_spans=False), 10, 10) is False
