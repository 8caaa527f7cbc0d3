"""How `pipeline run` scales: 100, 1,000 and 10,000 generated distinct documents, each run in its own process.

Usage: ``python -m bench scale [--quick] [--sizes 100,1000,10000] [--no-ray] [--no-model] [--steps N]``.

Runs (``--quick``: 100 and 1,000 documents):

* every size with no translation model, local executor;
* 1,000 documents with the real-size random ru→en model (the one ``bench translate`` builds:
  Transformer base, 32k vocabulary, int8), decoding bounded to ``--steps`` target tokens as
  ``bench run`` does;
* 1,000 documents with no model on the Ray executor, in Ray's local mode (``ray.init`` on this
  machine's cores).

The documents are generated (:func:`generate_corpus`): one in three Russian, the others English, news
sentences of the project's own texts (the seed articles, the quality-estimation and glossary test
sentences) with most of their words replaced by other words of the same language, so that every
sentence of the folder is distinct (the translation and embedding caches serve nothing) and
different documents rarely say the same thing. Caches start empty in a temporary folder.

Each run reports seconds per stage (the run's manifest), its wall time, the peak memory of its
process (and, on Ray, the largest peak of its workers and their sum), and the machine's load. The
end compares 1,000 with 10,000 documents: how much each stage and the whole run grew. Ends with
one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import machine, peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SOURCES = (ROOT / "tests" / "data" / "qe_ru_en.tsv", *sorted((ROOT / "bench" / "data").glob("glossary_heldout*.tsv")))

_WORD = re.compile(r"\w[\w-]*", re.UNICODE)
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


# -- the documents ------------------------------------------------------------------------------------------------


def template_sentences() -> dict[str, list[str]]:
    """The project's own news sentences by language: the seed articles and the test sentences."""
    from pipeline.ingest import read_document
    from pipeline.segment import split_sentences

    out: dict[str, list[str]] = {"ru": [], "en": []}
    for path in sorted(SEEDS.glob("*.txt")):
        doc = read_document(path, doc_id=path.stem, rel_path=path.name)
        lang = "ru" if "цеп" in doc.text else "en"
        for para in doc.paragraphs:
            text = doc.text[para.start:para.end]
            out[lang].extend(text[a:b] for a, b in split_sentences(text, lang))
    for path in SOURCES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            for cell in line.split("\t"):
                if len(cell.split()) >= 4:
                    out["ru" if _CYRILLIC.search(cell) else "en"].append(cell.strip())
    return {lang: [s for s in dict.fromkeys(sents) if len(s.split()) >= 4] for lang, sents in out.items()}


class SentenceMaker:
    """Distinct sentences in one language: a template sentence with most of its longer words replaced."""

    def __init__(self, templates: list[str], rng: random.Random, replace: float = 0.8) -> None:
        self.templates = templates
        self.words = sorted({w for s in templates for w in _WORD.findall(s) if len(w) >= 4 and not w.isdigit()})
        self.rng = rng
        self.replace = replace
        self.seen: set[str] = set()

    def _word(self, match: re.Match) -> str:
        word = match.group(0)
        if word.isdigit():
            return str(self.rng.randint(2, 2030))
        if len(word) < 4 or self.rng.random() >= self.replace:
            return word
        new = self.rng.choice(self.words)
        return new[:1].upper() + new[1:] if word[:1].isupper() else new[:1].lower() + new[1:]

    def sentence(self) -> str:
        while True:
            text = _WORD.sub(self._word, self.rng.choice(self.templates))
            if text not in self.seen:
                self.seen.add(text)
                return text


def generate_corpus(out_dir: Path, n_docs: int, seed: int = 11) -> Path:
    """``n_docs`` news-like articles in 20 subfolders: one in three Russian, the others English; 3-8
    paragraphs of 1-5 sentences each (about 18 sentences per article), every sentence of the folder distinct."""
    rng = random.Random(seed)
    templates = template_sentences()
    makers = {lang: SentenceMaker(sents, random.Random(rng.random())) for lang, sents in templates.items()}
    for i in range(n_docs):
        lang = "ru" if i % 3 == 0 else "en"
        maker = makers[lang]
        paragraphs = [" ".join(maker.sentence() for _ in range(rng.randint(1, 5))) for _ in range(rng.randint(3, 8))]
        title = maker.sentence().rstrip(".!?")
        sub = out_dir / f"feed{i % 20:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{i:05d}_{lang}.md").write_text(f"# {title}\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return out_dir


# -- one run, in its own process ----------------------------------------------------------------------------------


class TreeMemory:
    """Peak resident memory of this process's descendants (Ray's workers), sampled from ``/proc`` twice a second.

    Each process's own peak (``VmHWM``) is kept until it exits, so an actor's peak is seen even
    when it is gone by the end of the run.
    """

    def __init__(self, interval: float = 0.5) -> None:
        import threading

        self.interval = interval
        self.peaks: dict[int, float] = {}
        self.names: dict[int, set[str]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sample()
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
        mine, frontier = set(), {os.getpid()}
        while frontier:
            frontier = {pid for pid, parent in parents.items() if parent in frontier and pid not in mine}
            mine |= frontier
        for pid in mine:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            peak = int(fields.get("VmHWM", "0 kB").split()[0]) / 1024
            self.peaks[pid] = max(peak, self.peaks.get(pid, 0.0))
            self.names.setdefault(pid, set()).add(cmdline)

    def workers(self) -> list[float]:
        """The peaks of the processes that ran stages (Ray names its actors ``ray::MapWorker(…)``), in MiB."""
        return [self.peaks[pid] for pid, names in self.names.items()
                if any(n.startswith("ray::MapWorker") for n in names)]

    def total(self) -> float:
        """The sum of every descendant's peak (Ray's own processes too): an upper bound of their memory at once."""
        return round(sum(self.peaks.values()), 1)


def process_peak_mb() -> float:
    """This process's peak resident memory (``VmHWM``), in MiB.

    ``getrusage``'s ``ru_maxrss`` (:func:`bench.common.peak_rss_mb`) survives ``exec``: a run started
    from this benchmark's process would report the larger peak of its parent (the model build).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return peak_rss_mb()


def _no_mining(state, services) -> None:
    state.cross_source_pairs = ()
    state.counts["mine"] = {"cross_source_pairs": 0}


def run_one(input_dir: Path, out_dir: Path, executor: str, steps: int, skip_mining: bool) -> dict:
    """One `pipeline run` in this process: its stages' seconds, counts, and peak memory."""
    import dataclasses

    from pipeline.api import run_batch
    from pipeline.config import RunConfig, TranslateConfig
    from pipeline.stages import STAGES

    stages = tuple(dataclasses.replace(s, fn=_no_mining) if skip_mining and s.name == "mine" else s for s in STAGES)
    result: dict = {"executor": executor, "load_before": [round(x, 2) for x in os.getloadavg()]}
    runner = None
    if executor == "ray":
        import ray

        from pipeline.ray_executor import RayExecutor

        t0 = time.perf_counter()
        ray.init(num_cpus=len(os.sched_getaffinity(0)), include_dashboard=False, logging_level="WARNING")
        result["ray_start_seconds"] = round(time.perf_counter() - t0, 2)
        runner = RayExecutor()
    config = RunConfig(input_dir=input_dir, out_dir=out_dir, quiet=True,
                       translate=TranslateConfig(max_decoding_length=steps))
    with TreeMemory() as tree:
        t0 = time.perf_counter()
        report = run_batch(config, stages=stages, executor=runner)
        seconds = time.perf_counter() - t0
    counts = {s["name"]: s["counts"] for s in report.manifest["stages"]}
    workers = tree.workers()
    result.update({
        "documents": sum(counts["ingest"].values()),
        "sentences": counts["segment"].get("sentences", 0),
        "translated": counts["translate"].get("translated", 0),
        "cross_source_pairs": counts["mine"].get("cross_source_pairs", 0),
        "pairs": counts["review"].get("pairs", 0),
        "seconds": round(seconds, 2),
        "stages": report.manifest["timing"]["stages"],
        "peak_rss_mb": process_peak_mb(),
        "workers_peak_rss_mb": round(max(workers), 1) if workers else None,
        "workers_peak_rss_sum_mb": round(sum(workers), 1) if workers else None,
        "workers": len(workers),
        "descendants_peak_rss_sum_mb": tree.total() if executor == "ray" else None,
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "mining": "skipped" if skip_mining else "corpus-wide (pipeline.align.mining.mine_corpus)",
    })
    return result


# -- the runs -----------------------------------------------------------------------------------------------------


def child(size: int, executor: str, model: bool, args: argparse.Namespace, work: Path, corpus: Path,
          packages: Path) -> dict:
    """One run in a fresh process, caches empty; its JSON line."""
    name = f"{size}-{executor}-{'model' if model else 'nomodel'}"
    env = {**os.environ, "XDG_CACHE_HOME": str(work / name / "cache"), "XDG_DATA_HOME": str(work / name / "data"),
           "ARGOS_PACKAGES_DIR": str(packages if model else work / "no-packages")}
    command = [sys.executable, "-m", "bench", "scale", "--one", str(corpus), str(work / name / "out"), executor,
               "--steps", str(args.steps)] + (["--skip-mining"] if args.skip_mining else [])
    print(f"{name}: running (load {os.getloadavg()[0]:.2f})", flush=True)
    proc = subprocess.run(command, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result.update(size=size, model=f"random real-size, {args.steps} steps" if model else "none")
    return result


def describe(result: dict) -> str:
    stages = ", ".join(f"{k} {v:.1f}" for k, v in result["stages"].items() if v >= 0.05)
    workers = ""
    if result.get("workers_peak_rss_mb"):
        workers = (f"; {result['workers']} Ray workers, largest peak {result['workers_peak_rss_mb']:.0f} MiB, "
                   f"sum of peaks {result['workers_peak_rss_sum_mb']:.0f} MiB")
    return (f"{result['size']:>6} docs {result['executor']:>5} model={result['model']}: {result['seconds']:.1f}s, "
            f"{result['sentences']} sentences, {result['cross_source_pairs']} cross-source pairs, "
            f"peak RSS {result['peak_rss_mb']:.0f} MiB{workers}; load {result['load_before'][0]}→"
            f"{result['load_after'][0]}\n        {stages}")


def growth(small: dict, big: dict) -> dict:
    stages = {name: round(big["stages"][name] / seconds, 1)
              for name, seconds in small["stages"].items() if seconds >= 0.05 and name in big["stages"]}
    return {"from": small["size"], "to": big["size"], "seconds": round(big["seconds"] / small["seconds"], 2),
            "stages": stages, "peak_rss": round(big["peak_rss_mb"] / small["peak_rss_mb"], 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench scale", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 documents only")
    parser.add_argument("--sizes", default=None, help="comma-separated sizes (default 100,1000,10000)")
    parser.add_argument("--no-model", action="store_true", help="skip the run with the translation model")
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray executor run")
    parser.add_argument("--steps", type=int, default=48, help="target tokens decoded per sentence (default 48)")
    parser.add_argument("--skip-mining", action="store_true",
                        help="replace cross-source mining by a stage that mines nothing (to time the rest)")
    parser.add_argument("--one", nargs=3, metavar=("INPUT", "OUT", "EXECUTOR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        inp, out, executor = args.one
        print(json.dumps(run_one(Path(inp), Path(out), executor, args.steps, args.skip_mining)))
        return 0

    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([100, 1000] if args.quick else [100, 1000, 10000])
    print(f"machine: {machine()}", flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        packages = work / "packages"
        if not args.no_model and 1000 in sizes:
            from bench.translate import build_package
            from pipeline.translate.packages import install_file

            t0 = time.perf_counter()
            install_file(build_package(work / "model"), packages)
            print(f"built and installed a real-size random ru→en package in {time.perf_counter() - t0:.1f}s", flush=True)
        for size in sizes:
            corpus = generate_corpus(work / f"docs-{size}", size)
            runs = [("local", False)]
            if size == 1000 and not args.no_model:
                runs.append(("local", True))
            if size == 1000 and not args.no_ray:
                runs.append(("ray", False))
            for executor, model in runs:
                results.append(child(size, executor, model, args, work, corpus, packages))
                print(describe(results[-1]), flush=True)
    local = {r["size"]: r for r in results if r["executor"] == "local" and r["model"] == "none"}
    summary: dict = {"machine": machine(), "runs": results}
    if 1000 in local and 10000 in local:
        summary["growth_1000_to_10000"] = growth(local[1000], local[10000])
        g = summary["growth_1000_to_10000"]
        print(f"1,000 → 10,000 documents: time x{g['seconds']}, peak RSS x{g['peak_rss']}; per stage {g['stages']}")
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
