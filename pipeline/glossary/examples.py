"""Deciding a match from an entry's labelled example sentences when no context rule does.

An entry may carry example sentences, each labelled ``apply`` or ``skip``
(``examples`` column: ``apply: Банки переводят расчёты на цепочку. | skip:
Кулон висит на тонкой цепочке.``). A match is compared with them through its
*context*: the content words of its sentence, weighted by how close they stand
to the term in the dependency tree (its head, dependents and their neighbours
count most; the rest of the sentence a little). Words are compared by their
navec embeddings, so «криптобиржа» is close to «биржа» and «токен», «браслет» to
«кулон»: the similarity of two contexts is how well each word of one finds a
close word in the other, weighted both ways.

The nearest examples vote, each by its similarity; the share of the winning
label is the decision's confidence, and a decision below the matcher's review
threshold is flagged for a reviewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.glossary.morph import Token, normalize
from pipeline.glossary.rules import distances
from pipeline.glossary.syntax import Parser, Tree, one_blas_thread

APPLY = "apply"
SKIP = "skip"
LABELS = (APPLY, SKIP)
SEPARATOR = "|"
"""Separates the examples of an ``examples`` cell."""

NEIGHBOURS = 5
"""How many nearest examples vote."""
TEMPERATURE = 0.05
"""Softness of the vote: an example's weight is exp(similarity / TEMPERATURE)."""
DISTANCE_WEIGHTS = {0: 0.0, 1: 1.0, 2: 0.5, 3: 0.2}
"""Weight of a context word by its distance from the term in the tree (the term itself counts nothing)."""
SENTENCE_WEIGHT = 0.1
"""Weight of the sentence's other content words."""
RARITY_SCALE = 1e7
RARITY_POWER = 1.0
"""A word's weight is multiplied by its rarity (see :meth:`Vectors.rarity`) to this power."""

_CONTENT_POS = frozenset({"NOUN", "ADJF", "ADJS", "PRTF", "PRTS", "VERB", "INFN", "GRND", "LATN", "COMP"})
_STOP_LEMMAS = frozenset({"быть", "стать", "мочь", "являться", "весь", "это", "который", "свой", "такой", "самый",
                          "год", "один", "этот", "тот", "также", "ещё", "уже"})


class ExampleError(ValueError):
    """An ``examples`` cell that cannot be read; the message says which item and why."""


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled example sentence of an entry."""

    label: str
    """``apply`` (the term is meant in the entry's sense) or ``skip``."""
    text: str

    def __str__(self) -> str:
        return f"{self.label}: {self.text}"


def parse_examples(cell: str) -> tuple[Example, ...]:
    """The examples of an ``examples`` cell (``label: sentence | label: sentence``)."""
    if not cell.strip():
        return ()
    out = []
    for number, item in enumerate(cell.split(SEPARATOR), 1):
        label, sep, text = item.strip().partition(":")
        label = label.strip().lower()
        if not sep or label not in LABELS:
            raise ExampleError(f"example {number} must start with 'apply:' or 'skip:', got {item.strip()[:40]!r}")
        if not text.strip():
            raise ExampleError(f"example {number} has no sentence after '{label}:'")
        out.append(Example(label, text.strip()))
    return tuple(out)


def format_examples(examples: Sequence[Example]) -> str:
    return f" {SEPARATOR} ".join(str(e) for e in examples)


# -- contexts -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """The words around one occurrence of a term, with their weights."""

    words: tuple[str, ...]
    weights: tuple[float, ...]


def context_of(tokens: Sequence[Token], tree: Tree | None, first: int, last: int) -> Context:
    """The content words of the sentence, weighted by their distance from the term's words in ``tree``."""
    span = range(first, last + 1)
    near = distances(tree, list(span), max(DISTANCE_WEIGHTS)) if tree is not None and len(tree) == len(tokens) else {}
    words: dict[str, float] = {}
    for i, tok in enumerate(tokens):
        if i in span or not tok.word:
            continue
        lemma = _content_lemma(tok)
        if lemma is None:
            continue
        weight = DISTANCE_WEIGHTS.get(near[i], SENTENCE_WEIGHT) if i in near else SENTENCE_WEIGHT
        words[lemma] = max(words.get(lemma, 0.0), weight)
    return Context(tuple(words), tuple(words.values()))


def _content_lemma(tok: Token) -> str | None:
    top = tok.top
    if top is None or top.pos not in _CONTENT_POS or top.grammemes & {"Apro", "Anum"}:
        return None
    lemma = normalize(top.lemma)
    return None if lemma in _STOP_LEMMAS or len(lemma) < 2 else lemma


# -- the classifier -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Neighbour:
    example: Example
    similarity: float


@dataclass(frozen=True, slots=True)
class Vote:
    """What the examples decided: the label, its confidence (0.5-1) and the examples that voted."""

    label: str
    confidence: float
    neighbours: tuple[Neighbour, ...]

    def describe(self) -> str:
        near = "; ".join(f"{n.example.label} {n.similarity:.2f} «{_short(n.example.text)}»" for n in self.neighbours[:3])
        return f"examples: {self.label} {self.confidence:.2f} (nearest: {near})"


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


class Vectors:
    """Unit-length navec vectors of words, looked up once."""

    def __init__(self, parser: Parser) -> None:
        self.parser = parser
        self._cache: dict[str, Any] = {}

    def get(self, word: str) -> Any:
        if word in self._cache:
            return self._cache[word]
        import numpy as np

        vec = self.parser.vector(word)
        if vec is None and "-" in word:
            parts = [self.parser.vector(p) for p in word.split("-") if p]
            parts = [p for p in parts if p is not None]
            vec = np.mean(parts, axis=0) if parts else None
        if vec is not None:
            norm = float(np.linalg.norm(vec))
            vec = (vec / norm).astype("float32") if norm else None
        self._cache[word] = vec
        return vec

    def rarity(self, word: str) -> float:
        """How informative ``word`` is: its inverse frequency in navec's news corpus, scaled to about 0-1
        («год», «компания»: little; «токен», «кулон»: much)."""
        import math

        vocab = self.parser.navec.vocab
        count = vocab.count(word) if word in vocab else 0
        return min(1.0, max(0.05, math.log(RARITY_SCALE / (count + 1)) / math.log(RARITY_SCALE)))

    def matrix(self, context: Context) -> tuple[Any, Any]:
        """The context's word vectors (one row per known word) and their weights."""
        import numpy as np

        rows, weights = [], []
        for word, weight in zip(context.words, context.weights):
            vec = self.get(word)
            if vec is not None and weight > 0:
                rows.append(vec)
                weights.append(weight * self.rarity(word) ** RARITY_POWER)
        if not rows:
            return np.zeros((0, 300), dtype="float32"), np.zeros(0, dtype="float32")
        return np.stack(rows), np.asarray(weights, dtype="float32")


class ExampleIndex:
    """The labelled contexts of one entry, ready to compare a new context with."""

    def __init__(self, examples: Sequence[Example], contexts: Sequence[Context], vectors: Vectors) -> None:
        import numpy as np

        self.examples = tuple(examples)
        self.vectors = vectors
        mats = [vectors.matrix(c) for c in contexts]
        self._sizes = np.array([len(w) for _, w in mats])
        keep = self._sizes > 0
        self._kept = [i for i, k in enumerate(keep) if k]
        self._rows = np.concatenate([m for m, _ in mats]) if len(self._kept) else np.zeros((0, 300), "float32")
        self._weights = np.concatenate([w for _, w in mats]) if len(self._kept) else np.zeros(0, "float32")
        sizes = self._sizes[keep]
        self._starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int) if len(sizes) else np.zeros(0, int)
        self._totals = np.add.reduceat(self._weights, self._starts) if len(sizes) else np.zeros(0)

    def __len__(self) -> int:
        return len(self.examples)

    def similarities(self, context: Context) -> Any:
        """How close ``context`` is to each example's (0 where a context has no known word)."""
        import numpy as np

        out = np.zeros(len(self.examples), dtype="float32")
        query, weights = self.vectors.matrix(context)
        if not len(weights) or not len(self._kept):
            return out
        with one_blas_thread():
            sims = query @ self._rows.T  # query words x example words
            # each query word's best match in each example, and each example word's best match in the query
            best_in_example = np.maximum.reduceat(sims, self._starts, axis=1)  # query words x examples
            forward = (weights @ best_in_example) / weights.sum()
            backward = np.add.reduceat(sims.max(axis=0) * self._weights, self._starts) / self._totals
        out[self._kept] = (forward + backward) / 2
        return out

    def vote(self, context: Context, k: int = NEIGHBOURS) -> Vote | None:
        """The label the nearest examples give ``context``; None when nothing can be compared."""
        import numpy as np

        sims = self.similarities(context)
        if not sims.any():
            return None
        order = np.argsort(-sims, kind="stable")[:k]
        top = sims[order]
        weights = np.exp((top - top.max()) / TEMPERATURE)
        share = {label: float(weights[[self.examples[i].label == label for i in order]].sum()) for label in LABELS}
        total = sum(share.values())
        label = max(LABELS, key=lambda lab: share[lab])
        neighbours = tuple(Neighbour(self.examples[i], float(sims[i])) for i in order)
        return Vote(label, share[label] / total, neighbours)
