"""CTranslate2 decoding inside a Ray actor against in-process, side by side, on one model and input.

Usage: ``python -m bench ray_decode [--sentences N] [--steps N] [--rounds N]``.

Ray starts its workers its own way: at niceness 15 (``worker_niceness``), with
``OMP_NUM_THREADS`` set to the actor's CPUs (1 when it asks for none or one), and
possibly with allocator settings (Dask's ``MALLOC_TRIM_THRESHOLD_`` made
CTranslate2 2.3x slower in a Dask worker). This measures the translation engine
on the real-size random model (the one ``bench translate`` builds: Transformer
base, 32k vocabulary, int8; ``--steps`` target tokens per sentence) in four
places, in alternating rounds, best round kept:

(a) in this process;
(b) in a Ray actor started with Ray's defaults (``num_cpus=1``);
(c) in a Ray actor started as the Ray executor starts its CPU translators
    (:func:`pipeline.ray_executor.worker_env`: the driver's niceness, ``OMP_NUM_THREADS``);
(d) for contrast, as (c) plus Dask's ``MALLOC_TRIM_THRESHOLD_=65536``.

On a busy machine the niceness decides (b); (c) and (d) differ in the allocator setting alone.

Each place loads the model and decodes a warm-up batch before its timed call;
every place decodes with the same threads. The environment each actor saw is
printed (the variables that differ from this process's). Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.common import machine

WATCHED = ("OMP_NUM_THREADS", "RAY_worker_niceness", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MALLOC_TRIM_THRESHOLD_",
           "MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "MALLOC_CONF", "LD_PRELOAD", "CT2_USE_EXPERIMENTAL_PACKED_GEMM")


class Decoder:
    """The engine on one package, loaded and warmed up; ``decode`` times one call over ``texts``."""

    def __init__(self, packages: str, threads: int, steps: int) -> None:
        from pipeline.translate.engine import DecodingSettings, TranslationEngine

        self.engine = TranslationEngine(root=Path(packages), threads=threads, decoding=DecodingSettings.from_argos(
            min_decoding_length=steps, max_decoding_length=steps))
        self.pkg = self.engine.route("ru", "en")[0]

    def environment(self) -> dict[str, str]:
        maps = Path("/proc/self/maps").read_text() if Path("/proc/self/maps").exists() else ""
        env = {k: os.environ[k] for k in WATCHED if k in os.environ}
        env["jemalloc loaded"] = str("jemalloc" in maps)
        env["niceness"] = str(os.getpriority(os.PRIO_PROCESS, 0))
        return env

    def decode(self, texts: list[str]) -> float:
        self.engine.decode_batch(self.pkg, texts[:8])  # load and warm up outside the timing
        t0 = time.perf_counter()
        self.engine.decode_batch(self.pkg, texts)
        return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ray_decode", description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=256, help="sentences per timed call (default 256)")
    parser.add_argument("--steps", type=int, default=32, help="target tokens per sentence (default 32)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds, best kept (default 3)")
    args = parser.parse_args(argv)

    import ray

    from bench.translate import build_package, make_documents
    from pipeline.ray_executor import worker_env
    from pipeline.translate.engine import default_threads
    from pipeline.translate.packages import install_file

    threads = default_threads()
    texts = [s for doc in make_documents(args.sentences) for para in doc for s in para][:args.sentences]
    with tempfile.TemporaryDirectory(prefix="bench-ray-decode-") as tmp:
        packages = Path(tmp) / "packages"
        install_file(build_package(Path(tmp) / "build"), packages)
        # logical CPUs for both actors at once (they decode in turn, never together)
        ray.init(num_cpus=threads + 2, include_dashboard=False, logging_level="WARNING")
        remote = ray.remote(Decoder)
        places = {
            "in-process": Decoder(str(packages), threads, args.steps),
            "ray default": remote.options(num_cpus=1).remote(str(packages), threads, args.steps),
            "ray executor": remote.options(num_cpus=threads, runtime_env={"env_vars": worker_env(threads)}).remote(
                str(packages), threads, args.steps),
            # for contrast: Dask's allocator setting, which made CTranslate2 2.3x slower in a Dask worker
            "dask's malloc": remote.options(num_cpus=1, runtime_env={"env_vars": {
                **worker_env(threads), "MALLOC_TRIM_THRESHOLD_": "65536"}}).remote(str(packages), threads, args.steps),
        }

        def call(place, method, *a):
            target = places[place]
            return getattr(target, method)(*a) if place == "in-process" else ray.get(getattr(target, method).remote(*a))

        environments = {place: call(place, "environment") for place in places}
        seconds: dict[str, list[float]] = {place: [] for place in places}
        for r in range(args.rounds):
            for place in places:
                seconds[place].append(call(place, "decode", texts))
                print(f"round {r + 1} {place:>12}: {seconds[place][-1]:.2f}s", flush=True)
        ray.shutdown()
    best = {place: min(values) for place, values in seconds.items()}
    for place, env in environments.items():
        print(f"{place:>12}: best {best[place]:.2f}s, environment {env}")
    summary = {
        "sentences": len(texts), "steps": args.steps, "threads": threads, "rounds": args.rounds,
        "seconds": {place: [round(v, 2) for v in values] for place, values in seconds.items()},
        "ratio_ray_default": round(best["ray default"] / best["in-process"], 3),
        "ratio_ray_executor": round(best["ray executor"] / best["in-process"], 3),
        "ratio_dask_malloc": round(best["dask's malloc"] / best["in-process"], 3),
        "environments": environments, "load": os.getloadavg(), "machine": machine(),
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
