"""The translation engine: installed Argos packages decoded by CTranslate2 in large length-sorted batches.

Packages are loaded through argostranslate (metadata, tokenizer,
``target_prefix``) and decoded exactly as ``argostranslate.translate`` decodes
them (see :class:`DecodingSettings`), but the engine feeds CTranslate2 our own
sentences: every sentence of every document for a language pair in one stream,
de-duplicated, sorted by token length, in batches. argostranslate's own
sentence splitter (stanza/MiniSBD, which download models) is never used.

A pair without a direct package pivots through English, as argostranslate
does. Sentences already in the target language, and segments with nothing to
translate (URLs, numbers, punctuation), pass through unchanged.

Every translation comes with the model's confidence in it (``mt_confidence``):
the mean log-probability per generated token of the hypothesis, the
unsupervised quality estimate of Fomicheva et al. (2020, "Seq-Logprob"). It is
read from the beam search's own score (:func:`mean_log_prob`), so it changes
nothing in decoding and costs nothing. A pivoted translation adds its two
legs' means (the product of their per-token probabilities), so it is never
surer than its weaker leg.

Decoded translations reach the cache every ``commit_seconds`` (2 s) while a
batch is being decoded, so a killed run loses at most those seconds of work.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import ModelNotInstalledError, TranslationError, UsageError
from pipeline.models import UNDETERMINED
from pipeline.translate.packages import InstalledPackage, argos_settings, install_hint, list_packages, packages_dir

log = logging.getLogger(__name__)

PIVOT = "en"

TRANSLATED, CACHED, PASSTHROUGH, UNTRANSLATED = "translated", "cached", "passthrough", "untranslated"

_URLISH = re.compile(r"(?:\s*(?:[a-z][a-z0-9+.-]*://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|[#@]\w+)[\s.,;:!?()]*)+", re.I)


def nothing_to_translate(text: str) -> bool:
    """True for text without words to translate: empty, numbers and punctuation only, URLs, e-mail addresses."""
    if not any(ch.isalpha() for ch in text):
        return True
    return _URLISH.fullmatch(text) is not None


@dataclass(frozen=True)
class DecodingSettings:
    """argostranslate 1.11's decoding of ``translate()`` (``apply_packaged_translation``, one hypothesis).

    ``beam_size`` is ``max(num_hypotheses, ARGOS_BEAM_SIZE)`` (4 by default),
    ``length_penalty`` 0.2, ``replace_unknowns`` on, and CTranslate2's default
    ``max_decoding_length`` of 256 (argostranslate passes none).
    """

    beam_size: int = 4
    num_hypotheses: int = 1
    length_penalty: float = 0.2
    replace_unknowns: bool = True
    max_decoding_length: int = 256
    min_decoding_length: int = 1

    @classmethod
    def from_argos(cls, **overrides: Any) -> DecodingSettings:
        """argostranslate's settings as its ``settings`` module reads them (``ARGOS_BEAM_SIZE``, settings.json)."""
        base = cls(beam_size=max(1, int(argos_settings().beam_size)))
        return cls(**{**asdict(base), **{k: v for k, v in overrides.items() if v is not None}})

    def options(self) -> dict[str, Any]:
        """The options of ``translate_batch`` that decide the output (``return_scores`` only reports)."""
        return {
            "beam_size": max(self.num_hypotheses, self.beam_size),
            "num_hypotheses": self.num_hypotheses,
            "length_penalty": self.length_penalty,
            "replace_unknowns": self.replace_unknowns,
            "max_decoding_length": self.max_decoding_length,
            "min_decoding_length": self.min_decoding_length,
        }


@dataclass(frozen=True)
class Outcome:
    translation: str
    status: str
    model_id: str = ""
    note: str = ""
    mt_confidence: float | None = None
    """Mean log-probability per token of the translation (pivots: the legs' sum); None without a model."""


def mean_log_prob(score: float, hypothesis_length: int, *, length_penalty: float, prefix_length: int,
                  max_decoding_length: int) -> float | None:
    """The mean log-probability per generated token, from CTranslate2's beam-search ``score``.

    CTranslate2 (4.x, ``decoding.cc``: ``finalize_hypothesis_score``) returns
    ``sum(log p) / L ** length_penalty``: the sum runs over the generated
    tokens, the end token included when the hypothesis ended with one, the
    forced target prefix adding 0; ``L`` counts the returned hypothesis (prefix
    included) plus that end token. A hypothesis shorter than
    ``max_decoding_length`` ended with the end token; one that reached it did not.
    So the sum is ``score * L ** length_penalty`` and its mean over the
    ``L - prefix_length`` scored tokens is the confidence. The step-0 end token is
    masked by ``min_decoding_length``, so the first token's probability is the one
    the search used, renormalised without it.
    """
    ended = hypothesis_length < max_decoding_length
    length = hypothesis_length + (1 if ended else 0)
    scored = length - prefix_length
    if scored <= 0 or not math.isfinite(score):
        return None
    return score * length ** length_penalty / scored


def combine_confidences(values: Iterable[float | None]) -> float | None:
    """Confidence of a chain of translations (a pivot): the sum of the legs' means; None if any leg has none."""
    total = 0.0
    for value in values:
        if value is None:
            return None
        total += value
    return total


@dataclass
class ModelStats:
    package: InstalledPackage
    translated: int = 0
    """Distinct segments decoded by the model in this run."""
    cached: int = 0
    """Distinct segments served from the cache."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.package.model_id,
            "from": self.package.from_code,
            "to": self.package.to_code,
            "version": self.package.version,
            "checksum": f"sha256:{self.package.checksum}",
            "segments_translated": self.translated,
            "segments_from_cache": self.cached,
        }


def default_threads() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def resolve_device(device: str) -> str:
    """``cpu``, ``cuda`` (an error without a GPU) or ``auto`` (a GPU when CTranslate2 sees one)."""
    if device not in ("cpu", "cuda", "auto"):
        raise UsageError(f"unknown device {device!r} (use cpu, cuda or auto)")
    if device == "cpu":
        return "cpu"
    import ctranslate2

    has_gpu = ctranslate2.get_cuda_device_count() > 0
    if device == "cuda" and not has_gpu:
        raise UsageError("--device cuda: CTranslate2 sees no CUDA device (or was built without CUDA)")
    return "cuda" if has_gpu else "cpu"


def cpu_threads(threads: int) -> tuple[int, int]:
    """``(inter_threads, intra_threads)`` for ``threads`` cores.

    Up to 4 cores: one model replica using them all. Beyond, replicas of 4
    threads each decode different batches of the same call in parallel, which
    scales better than one replica on many cores (the replicas share weights).
    """
    if threads <= 4:
        return 1, threads
    return threads // 4, 4


def load_translator(model_dir: Path, *, device: str, threads: int, compute_type: str) -> Any:
    """A ``ctranslate2.Translator`` on ``device`` using ``threads`` cores on CPU."""
    import ctranslate2

    kwargs: dict[str, Any] = {"device": device, "compute_type": compute_type}
    if device == "cpu":
        inter, intra = cpu_threads(threads)
        kwargs.update(inter_threads=inter, intra_threads=intra)
    return ctranslate2.Translator(str(model_dir), **kwargs)


def missing_model_message(pairs: Iterable[tuple[str, str]], root: Path) -> str:
    pairs = sorted(set(pairs))
    names = ", ".join(f"{a}→{b}" for a, b in pairs)
    hints = "; ".join(install_hint(a, b) for a, b in pairs)
    return f"no translation model for {names} in {root}: {hints}"


class TranslationEngine:
    """Installed packages, their CTranslate2 translators (loaded on first use) and the cache."""

    def __init__(
        self,
        *,
        root: Path | None = None,
        device: str = "cpu",
        threads: int = 0,
        cache: Any = None,
        decoding: DecodingSettings | None = None,
        compute_type: str | None = None,
        max_batch_size: int = 64,
        chunk_size: int = 1024,
        commit_seconds: float = 2.0,
    ) -> None:
        self.root = packages_dir() if root is None else Path(root)
        self.device = resolve_device(device)
        self.threads = threads or default_threads()
        self.cache = cache
        self.decoding = decoding or DecodingSettings.from_argos()
        if compute_type is None:
            compute_type = argos_settings().compute_type
        self.compute_type = compute_type
        self.max_batch_size = max_batch_size
        self.chunk_size = chunk_size
        """Sentences per ``translate_batch`` call."""
        self.commit_seconds = commit_seconds
        """Decoded translations are committed to the cache at least this often (and at the end of each chunk)."""
        self.packages: dict[tuple[str, str], InstalledPackage] = {}
        for pkg in list_packages(self.root):  # sorted by version: the newest wins
            self.packages[pkg.pair] = pkg
        self._translators: dict[Path, Any] = {}
        self.stats: dict[str, ModelStats] = {}
        self.model_calls = 0
        """``translate_batch`` calls made, over the engine's life."""

    # -- routing -------------------------------------------------------------------------------------------------
    def route(self, from_code: str, to_code: str) -> list[InstalledPackage] | None:
        """The packages to chain for a pair: direct, else through English; ``None`` when there is none."""
        direct = self.packages.get((from_code, to_code))
        if direct is not None:
            return [direct]
        if PIVOT not in (from_code, to_code):
            first, second = self.packages.get((from_code, PIVOT)), self.packages.get((PIVOT, to_code))
            if first is not None and second is not None:
                return [first, second]
        return None

    def classify(self, lang: str, text: str, target: str) -> str | None:
        """``passthrough`` / ``untranslated`` when no model is needed or none exists, else ``None``."""
        if lang == target or nothing_to_translate(text):
            return PASSTHROUGH
        if lang in (UNDETERMINED, ""):
            return UNTRANSLATED
        return None if self.route(lang, target) is not None else UNTRANSLATED

    def missing_pairs(self, items: Iterable[tuple[str, str]], target: str) -> set[tuple[str, str]]:
        return {
            (lang, target)
            for lang, text in items
            if lang not in (UNDETERMINED, "") and self.classify(lang, text, target) == UNTRANSLATED
        }

    def require(self, from_code: str, to_code: str) -> list[InstalledPackage]:
        route = self.route(from_code, to_code)
        if route is None:
            raise ModelNotInstalledError(missing_model_message([(from_code, to_code)], self.root))
        return route

    # -- decoding ------------------------------------------------------------------------------------------------
    def settings_key(self) -> str:
        """What besides package and source text decides a translation (part of the cache key)."""
        return json.dumps(
            {**self.decoding.options(), "device": self.device, "compute_type": self.compute_type}, sort_keys=True
        )

    def translator(self, pkg: InstalledPackage) -> Any:
        if pkg.path not in self._translators:
            try:
                self._translators[pkg.path] = load_translator(
                    pkg.model_dir, device=self.device, threads=self.threads, compute_type=self.compute_type
                )
            except Exception as exc:
                raise TranslationError(f"cannot load the CTranslate2 model of {pkg.model_id}: {exc}") from exc
        return self._translators[pkg.path]

    def _stats(self, pkg: InstalledPackage) -> ModelStats:
        return self.stats.setdefault(pkg.model_id, ModelStats(pkg))

    def decode_stream(
        self, pkg: InstalledPackage, texts: Sequence[str], tokens: Sequence[list[str]] | None = None
    ) -> Iterator[tuple[int, str, float | None]]:
        """Translate ``texts`` with one package, no cache: ``(index, translation, mt_confidence)`` as each is done.

        One ``translate_batch`` call for all ``texts``, sorted by token length and
        cut into ``max_batch_size`` batches by CTranslate2 (on several replicas at
        once when there are); results come back in that sorted order, each as
        soon as its batch is decoded, so a caller can store them while the rest
        is still being decoded.
        """
        if not texts:
            return
        tokenizer = pkg.argos.tokenizer
        prefix = pkg.argos.target_prefix
        if tokens is None:
            tokens = [tokenizer.encode(t) for t in texts]
        order = sorted(range(len(tokens)), key=lambda i: len(tokens[i]))
        batch = [tokens[i] for i in order]
        options = self.decoding.options()
        self.model_calls += 1
        try:
            pending = self.translator(pkg).translate_batch(
                batch,
                target_prefix=[[prefix]] * len(batch) if prefix else None,
                max_batch_size=self.max_batch_size,
                batch_type="examples",
                asynchronous=True,
                return_scores=True,
                **options,
            )
        except TranslationError:
            raise
        except Exception as exc:
            raise TranslationError(f"{pkg.model_id}: CTranslate2 failed: {exc}") from exc
        for i, future in zip(order, pending):
            try:
                result = future.result()
            except Exception as exc:
                raise TranslationError(f"{pkg.model_id}: CTranslate2 failed: {exc}") from exc
            hypothesis = result.hypotheses[0]
            confidence = None
            if result.scores:
                confidence = mean_log_prob(
                    result.scores[0], len(hypothesis), length_penalty=options["length_penalty"],
                    prefix_length=1 if prefix else 0, max_decoding_length=options["max_decoding_length"],
                )
            yield i, detokenize(tokenizer, hypothesis, prefix), confidence

    def decode_batch(
        self, pkg: InstalledPackage, texts: Sequence[str], tokens: Sequence[list[str]] | None = None
    ) -> list[str]:
        """Translate ``texts`` with one package, no cache: tokenise, sort by length, batch, detokenise."""
        out = [""] * len(texts)
        for i, translation, _ in self.decode_stream(pkg, texts, tokens):
            out[i] = translation
        return out

    def translate_texts(
        self,
        pkg: InstalledPackage,
        texts: Iterable[str],
        *,
        track: Callable[[Iterable[Any], str, int], Iterable[Any]] | None = None,
    ) -> dict[str, tuple[str, float | None, bool]]:
        """``{source: (translation, mt_confidence, from_cache)}`` for the distinct ``texts``, through the cache.

        Translations are committed to the cache every ``commit_seconds`` of
        decoding and at the end of each chunk (also when decoding is
        interrupted), so a killed run loses only the last few seconds.
        A cached row without a confidence (written before confidences were
        kept) is decoded again and updated.
        """
        unique = list(dict.fromkeys(texts))
        stats = self._stats(pkg)
        done: dict[str, tuple[str, float | None, bool]] = {}
        package_key = f"{pkg.model_id}|{pkg.from_code}|{pkg.to_code}|sha256:{pkg.checksum}"
        settings_key = self.settings_key()
        if self.cache is not None and unique:
            for src, (tgt, confidence) in self.cache.get_many(package_key, settings_key, unique).items():
                if confidence is not None:
                    done[src] = (tgt, confidence, True)
        stats.cached += len(done)
        todo = [t for t in unique if t not in done]
        if not todo:
            return done
        # Sorted by token length, so each chunk's batches are homogeneous.
        tokenizer = pkg.argos.tokenizer
        tokenized = {t: tokenizer.encode(t) for t in todo}
        todo.sort(key=lambda t: len(tokenized[t]))
        chunks = [todo[i:i + self.chunk_size] for i in range(0, len(todo), self.chunk_size)]
        iterator: Iterable[list[str]] = chunks
        if track is not None:
            iterator = track(chunks, f"{pkg.from_code}→{pkg.to_code}", len(chunks))
        for chunk in iterator:
            pending: list[tuple[str, str, float | None]] = []
            last_commit = time.monotonic()
            try:
                for i, translation, confidence in self.decode_stream(pkg, chunk, [tokenized[t] for t in chunk]):
                    src = chunk[i]
                    done[src] = (translation, confidence, False)
                    stats.translated += 1
                    if self.cache is not None:
                        pending.append((src, translation, confidence))
                        if time.monotonic() - last_commit >= self.commit_seconds:
                            self.cache.put_many(package_key, settings_key, pending)
                            pending, last_commit = [], time.monotonic()
            finally:
                if self.cache is not None and pending:
                    self.cache.put_many(package_key, settings_key, pending)
        return done

    def translate(
        self,
        items: Sequence[tuple[str, str]],
        target: str,
        *,
        track: Callable[[Iterable[Any], str, int], Iterable[Any]] | None = None,
    ) -> list[Outcome]:
        """One :class:`Outcome` per ``(lang, text)``; a line break inside a text splits it as argostranslate does."""
        outcomes: list[Outcome | None] = [None] * len(items)
        groups: dict[tuple[str, ...], list[int]] = {}
        for i, (lang, text) in enumerate(items):
            status = self.classify(lang, text, target)
            if status == PASSTHROUGH:
                outcomes[i] = Outcome(text, PASSTHROUGH)
            elif status == UNTRANSLATED:
                note = (
                    "source language undetermined" if lang in (UNDETERMINED, "")
                    else f"no translation model for {lang}→{target}; {install_hint(lang, target)}"
                )
                outcomes[i] = Outcome("", UNTRANSLATED, note=note)
            else:
                groups.setdefault((lang,), []).append(i)
        for (lang,), indices in groups.items():
            route = self.require(lang, target)
            model_id = "+".join(p.model_id for p in route)
            try:
                for pkg in route:  # a model that does not load fails the whole pair at once
                    self.translator(pkg)
            except TranslationError as exc:
                log.warning("%s", exc)
                for i in indices:
                    outcomes[i] = Outcome("", UNTRANSLATED, model_id, note=str(exc))
                continue
            results = self._translate_isolating(route, [items[i][1] for i in indices], track=track, budget=[8])
            for i, result in zip(indices, results):
                if isinstance(result, TranslationError):
                    outcomes[i] = Outcome("", UNTRANSLATED, model_id, note=str(result))
                else:
                    translation, confidence, cached = result
                    outcomes[i] = Outcome(translation, CACHED if cached else TRANSLATED, model_id,
                                          mt_confidence=confidence)
        return [o for o in outcomes if o is not None]

    def _translate_isolating(
        self, route: list[InstalledPackage], texts: list[str], *, track=None, budget: list[int]
    ) -> list[tuple[str, float | None, bool] | TranslationError]:
        """:meth:`_translate_route`, but a failure costs only the texts it happens on.

        When the backend fails on a batch, the texts are tried again in halves (what was
        translated before the failure comes from the cache when there is one), down to the
        single texts it fails on, which come back as the :class:`TranslationError`. After
        ``budget[0]`` such texts the failure is taken as the backend's, not the texts', and the
        rest fail without more tries.
        """
        try:
            return list(self._translate_route(route, texts, track=track))
        except TranslationError as exc:
            if len(texts) == 1 or budget[0] <= 0:
                budget[0] -= len(texts)
                log.warning("%s (%d sentence(s) left untranslated)", exc, len(texts))
                return [exc] * len(texts)
            half = len(texts) // 2
            return (self._translate_isolating(route, texts[:half], budget=budget)
                    + self._translate_isolating(route, texts[half:], budget=budget))

    def _translate_route(
        self, route: list[InstalledPackage], texts: list[str], *, track=None
    ) -> list[tuple[str, float | None, bool]]:
        """Each text through every package of the route, line by line: ``(translation, mt_confidence, cached)``.

        A pivot's confidence is the sum of its legs' (:func:`combine_confidences`); a text of several
        lines gets the mean of its lines', weighted by their source length. Cached only when every step was.
        """
        lines_of = [text.split("\n") for text in texts]
        # line → (current text, confidences of the steps so far, cached so far)
        current = {line: (line, [], True) for lines in lines_of for line in lines if line.strip()}
        for pkg in route:
            step = self.translate_texts(pkg, [t for t, _, _ in current.values()], track=track)
            current = {
                src: (step[t][0], [*confs, step[t][1]], cached and step[t][2])
                for src, (t, confs, cached) in current.items()
            }
        results = []
        for lines in lines_of:
            parts = [(line, *current[line]) for line in lines if line.strip()]
            translation = "\n".join(current[line][0] if line.strip() else line for line in lines)
            confidences = [(combine_confidences(confs), len(line)) for line, _, confs, _ in parts]
            results.append((translation, _weighted_mean(confidences), all(p[3] for p in parts)))
        return results

    def models_used(self) -> list[dict[str, Any]]:
        return [s.as_dict() for _, s in sorted(self.stats.items())]


def _weighted_mean(values: Sequence[tuple[float | None, int]]) -> float | None:
    """Mean of ``(value, weight)`` pairs; None when there is none or any value is None."""
    if not values or any(v is None for v, _ in values):
        return None
    weight = sum(max(1, w) for _, w in values)
    return sum(v * max(1, w) for v, w in values) / weight


def detokenize(tokenizer: Any, tokens: Sequence[str], target_prefix: str = "") -> str:
    """argostranslate's detokenisation: the package tokenizer, minus the target prefix and one leading space.

    One deliberate difference: the forced ``target_prefix`` token is dropped
    before decoding. argostranslate 1.11 decodes it with the sentence and then
    strips the prefix string, but its SentencePiece decoder turns ``_`` into
    spaces first, so a prefix such as ``__de__`` leaks into its output as
    `` de  ``. For prefixes without ``_`` both ways give the same text.
    """
    tokens = list(tokens)
    if target_prefix and tokens[:1] == [target_prefix]:
        tokens = tokens[1:]
    value = tokenizer.decode(tokens)
    if target_prefix and value.startswith(target_prefix):
        value = value[len(target_prefix):]
    if value[:1] == " ":
        value = value[1:]
    return value
