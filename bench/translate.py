"""Translation throughput: plain argostranslate vs. our translate stage vs. raw CTranslate2, on one model and input.

Usage: ``python -m bench translate [--quick] [--sentences N] [--argos-sentences N] [--steps N]``.

The model is an Argos package of the shape of a real ru→en model (Transformer
base: 6+6 layers, d_model 512, 8 heads, FFN 2048, 32k vocabulary, int8) with
random weights, built by :mod:`pipeline.translate.synthetic`: decoding cost
depends on shape, not on values. Random weights rarely emit ``</s>``, so every
path decodes exactly ``--steps`` target tokens per sentence
(``min_decoding_length = max_decoding_length``).

The input is Russian sentences of realistic lengths made from the seed article
(words shuffled, dropped and repeated; all distinct, so no path gains from
duplicates), grouped into documents of paragraphs.

(a) ``argostranslate.translate`` per document with its default settings. Its
    sentence splitter (MiniSBD/stanza) downloads models, so it is replaced by
    the pipeline's own segmenter; its translator is wrapped only to bound the
    output length like the other paths. Being ~10x slower, it runs on a subset
    of the documents; rates are per sentence.
(b) our translate stage (``pipeline.translate.run``) on the same documents, cache off (``--cache``: a new
    cache file per run, so the time includes writing every translation to it as decoding goes).
(c) raw ``ctranslate2.Translator.translate_batch`` on pre-tokenised, length-sorted
    input in batches of 64, the same decoding options and threads as (b).

Model loading is excluded from every timing. Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from bench.common import machine, peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def seed_sentences() -> list[str]:
    from pipeline.ingest import read_document
    from pipeline.segment import split_sentences

    path = next(p for p in sorted(SEEDS.glob("*.txt")) if "цеп" in p.read_text(encoding="utf-8"))
    doc = read_document(path, doc_id=path.stem, rel_path=path.name)
    out = []
    for para in doc.paragraphs:
        text = doc.text[para.start:para.end]
        out.extend(text[a:b] for a, b in split_sentences(text, "ru"))
    return [s for s in out if len(s.split()) >= 3]


def make_documents(n_sentences: int, seed: int = 7) -> list[list[list[str]]]:
    """Documents → paragraphs → sentences: ``n_sentences`` distinct Russian sentences of realistic lengths."""
    rng = random.Random(seed)
    base = seed_sentences()
    words = [w for s in base for w in s.rstrip(".!?…").split()]
    seen: set[str] = set()
    sentences: list[str] = []
    while len(sentences) < n_sentences:
        model = rng.choice(base).rstrip(".!?…").split()
        length = max(3, min(60, int(rng.gauss(len(model), len(model) / 3))))
        picked = [rng.choice(model) if rng.random() < 0.7 else rng.choice(words) for _ in range(length)]
        sentence = " ".join(picked)
        sentence = sentence[0].upper() + sentence[1:] + rng.choice([".", ".", ".", "?", "!"])
        if sentence not in seen:
            seen.add(sentence)
            sentences.append(sentence)
    docs, i = [], 0
    while i < len(sentences):
        doc = []
        for _ in range(rng.randint(3, 8)):
            k = rng.randint(1, 4)
            if i >= len(sentences):
                break
            doc.append(sentences[i:i + k])
            i += k
        docs.append(doc)
    return docs


def build_package(out: Path) -> Path:
    """The real-size package; its SentencePiece model learns from the seeds and varied seed sentences,
    so Russian words take about as many pieces as with a real 32k-piece model."""
    from pipeline.translate.synthetic import build_argos_package

    text = [line for p in sorted(SEEDS.glob("*.txt")) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    text += [s for doc in make_documents(4000, seed=99) for para in doc for s in para]
    return build_argos_package(out, from_code="ru", to_code="en", random_weights=True, training_text=text)


def to_records(docs: list[list[list[str]]]):
    from pipeline.models import Document, Sentence, Span

    records = []
    for d, paragraphs in enumerate(docs):
        text, spans, sentences = "", [], []
        for p, para in enumerate(paragraphs):
            start = len(text)
            for s in para:
                sentences.append(Sentence(doc_id=f"d{d}", sent_idx=len(sentences), para_idx=p, start=len(text),
                                          end=len(text) + len(s), text=s, lang="ru", lang_score=1.0))
                text += s + " "
            text = text.rstrip(" ")
            spans.append(Span(start, len(text)))
            text += "\n\n"
        records.append(Document(doc_id=f"d{d}", path=f"d{d}.txt", sha256=hashlib.sha256(text.encode()).hexdigest(),
                                text=text, paragraphs=tuple(spans), lang="ru", lang_score=1.0,
                                sentences=tuple(sentences)))
    return records


class Bounded:
    """A translator whose ``translate_batch`` decodes exactly ``steps`` tokens (for argostranslate's path)."""

    def __init__(self, inner, steps: int) -> None:
        self.inner, self.steps = inner, steps

    def translate_batch(self, *args, **kwargs):
        kwargs.update(max_decoding_length=self.steps, min_decoding_length=self.steps)
        return self.inner.translate_batch(*args, **kwargs)


def run_argos(pkg_dir: Path, docs: list[list[list[str]]], steps: int) -> float:
    import ctranslate2
    from argostranslate import settings

    settings.package_data_dir = pkg_dir
    settings.package_dirs = [pkg_dir]
    import argostranslate.translate as argos

    from pipeline.segment import split_sentences

    class OurSplitter:
        """Stand-in for MiniSBD/stanza (they download models): the pipeline's own segmenter."""

        def __init__(self, pkg):
            self.pkg = pkg

        def split_sentences(self, text):
            return [text[a:b] for a, b in split_sentences(text, self.pkg.from_code)]

    argos.MiniSBDSentencizer = argos.StanzaSentencizer = OurSplitter
    argos.get_installed_languages.cache_clear()
    translation = argos.get_translation_from_codes("ru", "en")
    inner = translation.underlying  # CachedTranslation → PackageTranslation
    inner.translator = Bounded(
        ctranslate2.Translator(str(inner.pkg.package_path / "model"), device=settings.device,
                               inter_threads=settings.inter_threads, intra_threads=settings.intra_threads,
                               compute_type=settings.compute_type),
        steps,
    )
    argos.translate("Привет.", "ru", "en")  # warm-up
    t0 = time.perf_counter()
    for doc in docs:
        argos.translate("\n".join(" ".join(p) for p in doc), "ru", "en")
    return time.perf_counter() - t0


def run_ours(pkg_dir: Path, records, steps: int, cache_path: Path | None = None) -> tuple[float, int]:
    from pipeline.translate import translate_documents
    from pipeline.translate.cache import TranslationCache
    from pipeline.translate.engine import DecodingSettings, TranslationEngine

    cache = TranslationCache(cache_path) if cache_path is not None else None
    engine = TranslationEngine(root=pkg_dir, cache=cache,
                               decoding=DecodingSettings.from_argos(min_decoding_length=steps, max_decoding_length=steps))
    first = [s.text for s in records[0].sentences[:8]]
    engine.decode_batch(engine.route("ru", "en")[0], first)  # load and warm up the model outside the timing
    t0 = time.perf_counter()
    documents = translate_documents(records, engine, "en")
    seconds = time.perf_counter() - t0
    done = sum(1 for d in documents for s in d.sentences if s.translation_status == "translated")
    return seconds, done


def run_raw(pkg_dir: Path, sentences: list[str], steps: int, threads: int) -> float:
    import ctranslate2
    import sentencepiece as spm

    folder = next(p for p in pkg_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    sp = spm.SentencePieceProcessor(model_file=str(folder / "sentencepiece.model"))
    tokens = sorted((sp.encode(s, out_type=str) for s in sentences), key=len)
    translator = ctranslate2.Translator(str(folder / "model"), device="cpu", inter_threads=1, intra_threads=threads,
                                        compute_type="auto")
    warm = [sp.encode(s, out_type=str) for s in sentences[:8]]
    translator.translate_batch(warm, max_batch_size=64, beam_size=4, length_penalty=0.2, replace_unknowns=True,
                               min_decoding_length=steps, max_decoding_length=steps)  # warm-up, as for (b)
    t0 = time.perf_counter()
    translator.translate_batch(tokens, max_batch_size=64, batch_type="examples", beam_size=4, num_hypotheses=1,
                               length_penalty=0.2, replace_unknowns=True, min_decoding_length=steps,
                               max_decoding_length=steps)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench translate", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small input (under a minute)")
    parser.add_argument("--sentences", type=int, default=None, help="sentences for (b) and (c) (default 2000; quick 128)")
    parser.add_argument("--argos-sentences", type=int, default=None,
                        help="sentences for (a), a subset of the documents (default 400; quick 24)")
    parser.add_argument("--steps", type=int, default=32, help="target tokens decoded per sentence (default 32)")
    parser.add_argument("--paths", default="abc", help="which paths to run (default abc)")
    parser.add_argument("--repeat", type=int, default=None, help="runs of (b) and (c), best kept (default 2; quick 1)")
    parser.add_argument("--cache", action="store_true", help="(b) writes a new translation cache as it decodes")
    args = parser.parse_args(argv)
    n = args.sentences or (128 if args.quick else 2000)
    n_argos = args.argos_sentences or (24 if args.quick else 400)
    args.repeat = args.repeat or (1 if args.quick else 2)
    from pipeline.translate.engine import default_threads

    threads = default_threads()
    docs = make_documents(n)
    sentences = [s for doc in docs for para in doc for s in para]
    argos_docs, count = [], 0
    for doc in docs[:: max(1, round(n / n_argos))]:  # spread over the input, same length distribution
        if count >= n_argos:
            break
        argos_docs.append(doc)
        count += sum(len(p) for p in doc)
    tokens_mean = None
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-translate-") as tmp:
        tmp_path = Path(tmp)
        t0 = time.perf_counter()
        archive = build_package(tmp_path / "build")
        from pipeline.translate.packages import install_file

        pkg_dir = tmp_path / "packages"
        pkg = install_file(archive, pkg_dir)
        build_s = time.perf_counter() - t0
        sp = pkg.argos.tokenizer
        tokens_mean = sum(len(sp.encode(s)) for s in sentences) / len(sentences)
        print(f"model: random-weight Transformer base, 32k vocabulary, int8 (built in {build_s:.1f}s); "
              f"{len(sentences)} sentences in {len(docs)} documents, {tokens_mean:.1f} source tokens on average, "
              f"{args.steps} target tokens each; {threads} threads", flush=True)
        # (b) and (c) alternate, best of --repeat: the machines are shared and noisy.
        for attempt in range(args.repeat):
            if "c" in args.paths:
                sec = run_raw(pkg_dir, sentences, args.steps, threads)
                print(f"   ct2: {sec:.2f}s", flush=True)
                best = results.get("ct2", {}).get("seconds", float("inf"))
                results["ct2"] = {"sentences": len(sentences), "seconds": min(sec, best)}
            if "b" in args.paths:
                cache_path = tmp_path / f"cache-{attempt}.sqlite3" if args.cache else None
                sec, done = run_ours(pkg_dir, to_records(docs), args.steps, cache_path)
                print(f"  ours: {sec:.2f}s", flush=True)
                assert done == len(sentences), (done, len(sentences))
                best = results.get("ours", {}).get("seconds", float("inf"))
                results["ours"] = {"sentences": done, "seconds": min(sec, best)}
        if "a" in args.paths:
            subset = [s for d in argos_docs for p in d for s in p]
            print(f"(a) on {len(subset)} of the sentences, {sum(len(sp.encode(s)) for s in subset) / len(subset):.1f} "
                  "source tokens on average", flush=True)
            sec = run_argos(pkg_dir, argos_docs, args.steps)
            results["argos"] = {"sentences": len(subset), "seconds": sec}
    for name, res in results.items():
        res["sentences_per_s"] = res["sentences"] / res["seconds"]
        print(f"{name:>6}: {res['sentences']:5d} sentences in {res['seconds']:7.2f}s = {res['sentences_per_s']:6.2f} sentences/s")
    ours = results.get("ours", {}).get("sentences_per_s")
    argos = results.get("argos", {}).get("sentences_per_s")
    ct2 = results.get("ct2", {}).get("sentences_per_s")
    summary = {
        "ours_vs_argos": round(ours / argos, 2) if ours and argos else None,
        "ours_vs_ct2": round(ours / ct2, 3) if ours and ct2 else None,
        "sentences_per_s": round(ours, 2) if ours else None,
        "argos_sentences_per_s": round(argos, 2) if argos else None,
        "ct2_sentences_per_s": round(ct2, 2) if ct2 else None,
        "peak_rss_mb": peak_rss_mb(),
        "sentences": len(sentences),
        "argos_sentences": results.get("argos", {}).get("sentences"),
        "steps": args.steps,
        "threads": threads,
        "machine": machine(),
    }
    print(f"ours/argos = {summary['ours_vs_argos']}, ours/ct2 = {summary['ours_vs_ct2']}, "
          f"peak RSS {summary['peak_rss_mb']} MB")
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
