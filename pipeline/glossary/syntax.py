"""Russian syntax for the glossary: dependency trees, contextual morphology, names and word vectors.

The models are slovnet's news models and navec's news embeddings, which the
``natasha`` wheel ships (about 34 MB, offline). :class:`Parser` loads them on
first use, each part only when asked for (the syntax model needs the
embeddings; the morphology and name models are loaded when a sentence needs
them). One parser serves a whole process: :func:`default_parser`.

Sentences are given as token texts (the glossary's own razdel tokens), so the
tree's indices are the matcher's token indices.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_EMBEDDING = "emb/navec_news_v1_1B_250K_300d_100q.tar"
_SYNTAX = "model/slovnet_syntax_news_v1.tar"
_MORPH = "model/slovnet_morph_news_v1.tar"
_NER = "model/slovnet_ner_news_v1.tar"

CASES = {"Nom": "nomn", "Gen": "gent", "Dat": "datv", "Acc": "accs", "Ins": "ablt", "Loc": "loct", "Par": "gent"}
"""Universal Dependencies case names as pymorphy (OpenCorpora) writes them."""
NUMBERS = {"Sing": "sing", "Plur": "plur"}
GENDERS = {"Masc": "masc", "Fem": "femn", "Neut": "neut"}


@dataclass(frozen=True, slots=True)
class Tree:
    """A dependency tree over a sentence's tokens (Universal Dependencies relations)."""

    heads: tuple[int, ...]
    """The head of each token, as a token index; -1 for the root."""
    rels: tuple[str, ...]

    @classmethod
    def of(cls, heads: Sequence[int], rels: Sequence[str]) -> Tree:
        """A tree from a parser's heads, with any cycle broken (its first token becomes a root) and heads
        outside the sentence dropped, so that every walk up the tree ends."""
        fixed = [h if 0 <= h < len(heads) and h != i else -1 for i, h in enumerate(heads)]
        for start in range(len(fixed)):
            path, node = [], start
            while node >= 0 and node not in path:
                path.append(node)
                node = fixed[node]
            if node >= 0:  # came back to a token of the path: a cycle
                fixed[node] = -1
        return cls(tuple(fixed), tuple(rels))

    def __len__(self) -> int:
        return len(self.heads)

    def children(self, i: int) -> list[int]:
        return [j for j, h in enumerate(self.heads) if h == i]

    def head(self, i: int) -> int:
        return self.heads[i]

    def rel(self, i: int) -> str:
        """The relation of token ``i`` to its head, without its subtype (``nsubj:pass`` → ``nsubj``)."""
        return self.rels[i].split(":")[0]

    def subtree(self, i: int) -> list[int]:
        out, todo = [], [i]
        while todo:
            k = todo.pop()
            out.append(k)
            todo.extend(self.children(k))
        return sorted(out)


@dataclass(frozen=True, slots=True)
class Tag:
    """Contextual part of speech and features of one token (slovnet's morphology model)."""

    pos: str
    feats: dict[str, str]

    @property
    def case(self) -> str:
        return CASES.get(self.feats.get("Case", ""), "")

    @property
    def number(self) -> str:
        return NUMBERS.get(self.feats.get("Number", ""), "")

    @property
    def gender(self) -> str:
        return GENDERS.get(self.feats.get("Gender", ""), "")


_CONTROLLER: Any = None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run numpy's BLAS on one thread inside the block: the models' matrices are small, and on a busy
    machine a pool of BLAS threads makes each call some twenty times slower, not faster."""
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    with _CONTROLLER.limit(limits=1, user_api="blas"):
        yield


def models_dir() -> Path:
    """The folder of natasha's bundled models (found without importing natasha itself)."""
    spec = importlib.util.find_spec("natasha")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("natasha is not installed (it ships the glossary's Russian syntax models)")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


class Parser:
    """slovnet syntax, morphology and name models over navec embeddings, each loaded on first use."""

    def __init__(self, folder: Path | None = None, batch_size: int = 16) -> None:
        self.folder = folder
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._navec: Any = None
        self._syntax: Any = None
        self._morph: Any = None
        self._ner: Any = None

    def _path(self, name: str) -> str:
        return str((self.folder or models_dir()) / name)

    @property
    def navec(self) -> Any:
        if self._navec is None:
            with self._lock:
                if self._navec is None:
                    from navec import Navec

                    self._navec = Navec.load(self._path(_EMBEDDING))
        return self._navec

    def _model(self, attr: str, name: str, kind: str) -> Any:
        model = getattr(self, attr)
        if model is None:
            navec = self.navec
            with self._lock:
                model = getattr(self, attr)
                if model is None:
                    import slovnet

                    model = getattr(slovnet, kind).load(self._path(name), batch_size=self.batch_size).navec(navec)
                    setattr(self, attr, model)
        return model

    def parse(self, sentences: Sequence[Sequence[str]]) -> list[Tree]:
        """The dependency tree of each sentence (given as its token texts)."""
        model = self._model("_syntax", _SYNTAX, "Syntax")
        out: list[Tree | None] = [None] * len(sentences)
        # batches of sentences of similar length pad less
        order = sorted((i for i, s in enumerate(sentences) if s), key=lambda i: len(sentences[i]))
        with one_blas_thread():
            for i, markup in zip(order, model.map([list(sentences[i]) for i in order])):
                out[i] = Tree.of([int(t.head_id) - 1 for t in markup.tokens], [t.rel for t in markup.tokens])
        return [t if t is not None else Tree((), ()) for t in out]

    def tag(self, sentences: Sequence[Sequence[str]]) -> list[list[Tag]]:
        """Contextual part of speech, case, number and gender of every token."""
        model = self._model("_morph", _MORPH, "Morph")
        out: list[list[Tag]] = [[] for _ in sentences]
        order = [i for i, s in enumerate(sentences) if s]
        with one_blas_thread():
            for i, markup in zip(order, model.map([list(sentences[i]) for i in order])):
                out[i] = [Tag(t.pos, dict(t.feats)) for t in markup.tokens]
        return out

    def names(self, text: str) -> list[tuple[int, int, str]]:
        """Named entities in ``text``: ``(start, end, type)`` with type ``PER``, ``LOC`` or ``ORG``."""
        model = self._model("_ner", _NER, "NER")
        with one_blas_thread():
            return [(s.start, s.stop, s.type) for s in model(text).spans]

    def vector(self, word: str) -> Any:
        """The navec vector of ``word`` (lower case), or None when it is not in the vocabulary."""
        return self.navec.get(word)


_DEFAULT: Parser | None = None
_DEFAULT_LOCK = threading.Lock()


def default_parser() -> Parser:
    """The process's parser (created on first call; its models load when first used)."""
    global _DEFAULT
    if _DEFAULT is None:
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = Parser()
    return _DEFAULT
