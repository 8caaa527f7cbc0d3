"""The Ray executor: the same documents, counts and outputs as the local executor, from Ray Data actor pools.

The tests that run Ray share one local instance (``ray.init(num_cpus=2)``, started once per session: a
start costs seconds); the others check the pieces without Ray.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.config import RunConfig, TranslateConfig
from pipeline.errors import ModelNotInstalledError, UsageError
from pipeline.executors import LocalExecutor, ShardJob
from pipeline.ray_executor import (
    ShardPayload,
    StageWorker,
    plan_pools,
    stage_groups,
    worker_config,
)
from pipeline.services import Services
from pipeline.shards import list_sources, plan_shards
from pipeline.stages import STAGES, Progress, Scope, Stage, StageLog, document_stages, run_documents
from tests.argos_fixtures import packages_dir, ru_en  # noqa: F401  (fixtures)
from tests.conftest import output_files
from tests.test_resume import corpus_folder, snapshot

runner = CliRunner()


@pytest.fixture(scope="session")
def ray_session():
    """One local Ray instance for the session, on two CPUs."""
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=256 * 1024 ** 2)
    yield ray
    ray.shutdown()


def failing_stage(bad_doc_id: str) -> Stage:
    """A document stage that fails on one document (defined in a function, so Ray ships it by value)."""

    def explode(doc, services):
        if doc.doc_id == bad_doc_id:
            raise ValueError("no luck with this one")
        return doc

    return Stage("explode", Scope.DOCUMENT, explode, requires=frozenset({"documents.sentences"}))


def with_failing_stage(bad_doc_id: str) -> tuple[Stage, ...]:
    at = [s.name for s in STAGES].index("segment") + 1
    return STAGES[:at] + (failing_stage(bad_doc_id),) + STAGES[at:]


# -- the pieces, without Ray ---------------------------------------------------------------------------------------


def test_stage_groups_cut_around_translation():
    groups = stage_groups(STAGES)
    assert [(g.kind, g.names) for g in groups] == [
        ("cpu", ["ingest", "identify", "segment", "detect", "memory", "glossary-pre"]),
        ("translate", ["translate"]),
        ("encode", ["glossary-post", "align", "embed"]),
    ]
    assert sum(len(g.stages) for g in groups) == len(document_stages(STAGES))


def test_pools_for_cpu_and_gpu_clusters():
    config = RunConfig(input_dir=Path("."))
    cpu, translate, encode = plan_pools(STAGES, config, cpus=32, node_cpus=16)
    assert (cpu.min_size, cpu.max_size, cpu.num_cpus) == (1, 32, 1.0)
    assert (translate.num_cpus, translate.num_gpus, translate.max_size) == (4.0, 0, 8)
    nice = str(os.getpriority(os.PRIO_PROCESS, 0))
    assert translate.threads == 4 and translate.env == {"RAY_worker_niceness": nice, "OMP_NUM_THREADS": "4"}
    assert translate.remote_args() == {"num_cpus": 4.0, "runtime_env": {"env_vars": translate.env}}
    assert cpu.env == encode.env == {"RAY_worker_niceness": nice}
    threads = dataclasses.replace(config, translate=TranslateConfig(threads=8))
    assert plan_pools(STAGES, threads, cpus=32, node_cpus=16)[1].num_cpus == 8.0
    cuda = dataclasses.replace(config, translate=TranslateConfig(device="cuda"))
    _, gpu, _ = plan_pools(STAGES, cuda, cpus=32, gpus=2, translators=None)
    assert (gpu.num_gpus, gpu.num_cpus, gpu.max_size) == (1, 1.0, 2)
    assert gpu.remote_args() == {"num_cpus": 1.0, "num_gpus": 1, "runtime_env": {"env_vars": {"RAY_worker_niceness": nice}}}
    with pytest.raises(UsageError, match="no GPU"):
        plan_pools(STAGES, cuda, cpus=32, gpus=0)
    auto = dataclasses.replace(config, translate=TranslateConfig(device="auto"))
    assert plan_pools(STAGES, auto, cpus=32, gpus=1)[1].num_gpus == 1
    assert plan_pools(STAGES, auto, cpus=32, gpus=0)[1].num_gpus == 0
    fixed = plan_pools(STAGES, config, cpus=32, cpu_actors=3, encoder_actors=2)
    assert [(p.min_size, p.max_size) for p in fixed] == [(3, 3), (1, 8), (2, 2)]
    # two CPUs: the first actor of each pool must fit at once, or nothing would start
    small = plan_pools(STAGES, config, cpus=2)
    assert sum(p.num_cpus for p in small) <= 2 and all(p.num_cpus > 0 for p in small)


def test_worker_settings_name_what_the_driver_resolved(tmp_path, monkeypatch, seeds_dir):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    config = RunConfig(input_dir=Path("in"), out_dir=Path("out"))
    services = Services(config)
    worker = worker_config(config, services, threads=3)
    assert worker.input_dir == tmp_path / "in" and worker.out_dir == tmp_path / "out"
    assert worker.glossary.path == services.glossary_path and worker.glossary.path.is_absolute()
    assert worker.memory.use_default is False and worker.memory.paths == ()
    assert worker.translate.packages_dir == services.engine.root and worker.translate.threads == 3
    # nothing that shapes the results changed (the run's settings and shard keys come from the driver's)
    for name in ("target_lang", "detect", "align", "review", "shard_size"):
        assert getattr(worker, name) == getattr(config, name)
    without = dataclasses.replace(config, glossary=dataclasses.replace(config.glossary, enabled=False))
    assert worker_config(without, Services(without)).glossary.enabled is False


def test_actors_in_a_row_give_the_local_documents(tmp_path):
    """The three groups' workers, with every record pickled between them, as Ray runs them."""
    inp = corpus_folder(tmp_path / "in", 5)
    config = RunConfig(input_dir=inp, out_dir=tmp_path / "out")
    stages = document_stages(with_failing_stage("part1/003"))
    sources = list_sources(inp)
    local_log = StageLog()
    local = run_documents(list(sources), stages, Services(config), local_log)
    services = Services(config)
    payload = ShardPayload(list(sources))
    for group in stage_groups(stages):
        worker = StageWorker(worker_config(config, services), group.stages)
        payload = ShardPayload.loads(worker.run(ShardPayload.loads(payload.dumps())).dumps())
    assert payload.error is None
    assert payload.records == local
    assert [d.status.value for d in local].count("skipped") == 1 and local_log.counts["explode"]["failed"] == 1
    for mine, theirs in zip(payload.records, local):
        assert (mine.vectors is None) == (theirs.vectors is None)
        if mine.vectors is not None:
            assert mine.vectors.dtype == np.float32 and np.array_equal(mine.vectors, theirs.vectors)
    assert payload.log.counts == local_log.counts
    assert set(payload.log.seconds) == set(local_log.seconds)


def test_a_usage_error_in_an_actor_travels_to_the_driver(tmp_path):
    inp = corpus_folder(tmp_path / "in", 2)
    config = RunConfig(input_dir=inp, out_dir=tmp_path / "out", translate=TranslateConfig(strict=True))
    stages = document_stages(STAGES)
    groups = stage_groups(stages)
    services = Services(config)
    payload = ShardPayload(list(list_sources(inp)))
    for group in groups:
        payload = StageWorker(worker_config(config, services), group.stages).run(payload)
    assert isinstance(payload.error, ModelNotInstalledError)  # raised by translate, passed on by encode
    assert "pipeline models install" in str(pickle.loads(pickle.dumps(payload.error)))


def test_a_service_an_actor_cannot_load_fails_its_shards(tmp_path):
    config = RunConfig(input_dir=tmp_path, out_dir=tmp_path / "out")
    broken = dataclasses.replace(config, align=dataclasses.replace(config.align, encoder="no-such-encoder"))
    encode = stage_groups(STAGES)[-1]
    worker = StageWorker(broken, encode.stages)
    payload = worker.run(ShardPayload([]))
    assert isinstance(payload.error, UsageError) and "no-such-encoder" in str(payload.error)


def test_executor_options_are_checked_before_any_work(tmp_path, seeds_dir):
    result = runner.invoke(app, ["run", str(seeds_dir), "--out", str(tmp_path / "o"), "--executor", "spark"])
    assert result.exit_code == 2 and "unknown executor 'spark'" in result.output
    result = runner.invoke(app, ["run", str(seeds_dir), "--out", str(tmp_path / "o"), "--ray-address", "auto"])
    assert result.exit_code == 2 and "--ray-address needs --executor ray" in result.output
    assert not (tmp_path / "o").exists()


def test_without_ray_the_ray_executor_is_a_one_line_usage_error(tmp_path, seeds_dir):
    code = ("import sys; sys.modules['ray'] = None\n"  # as if Ray were not installed
            "from pipeline.cli import main\n"
            f"sys.argv = ['pipeline', 'run', {str(seeds_dir)!r}, '--out', {str(tmp_path / 'o')!r}, '--executor', 'ray']\n"
            "main()")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'pipeline[ray]'" in lines[0], proc.stderr
    assert not (tmp_path / "o").exists()


def test_a_cluster_address_that_answers_nothing_is_a_one_line_usage_error_at_once(tmp_path, seeds_dir):
    import socket
    import time

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for address, message in ((f"127.0.0.1:{port}", f"cannot reach the Ray cluster at 127.0.0.1:{port}"),
                             ("head-node", "--ray-address head-node: expected HOST:PORT")):
        code = ("from pipeline.cli import main; import sys\n"
                f"sys.argv = ['pipeline', 'run', {str(seeds_dir)!r}, '--out', {str(tmp_path / 'o')!r}, "
                f"'--executor', 'ray', '--ray-address', {address!r}]\n"
                "main()")
        started = time.monotonic()
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2 and len(lines) == 1 and message in lines[0], proc.stderr
        assert time.monotonic() - started < 60  # Ray's own retries take minutes
    assert not (tmp_path / "o").exists()


def test_the_executors_do_not_import_ray():
    code = "import sys, pipeline.executors, pipeline.ray_executor, pipeline.cli; print('ray' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "False", proc.stderr


# -- on Ray (local mode) -----------------------------------------------------------------------------------------


def test_seeds_give_byte_identical_outputs_on_both_executors(ray_session, ru_en, seeds_dir, tmp_path):
    local, ray = tmp_path / "local" / "out", tmp_path / "ray" / "out"  # review.html's title is the folder's name
    for out, executor in ((local, "local"), (ray, "ray")):
        result = runner.invoke(app, ["run", str(seeds_dir), "--out", str(out), "--quiet", "--executor", executor])
        assert result.exit_code == 0, result.output
    assert output_files(local) == output_files(ray)
    assert snapshot(local) == snapshot(ray)
    manifest = json.loads((ray / "manifest.json").read_text(encoding="utf-8"))
    counts = {s["name"]: s["counts"] for s in manifest["stages"]}
    assert counts["translate"]["translated"] > 0  # the Ray run translated with the fixture model
    assert manifest["translation"]["models"][0]["id"] == "translate-ru_en-1.0"


def test_shards_come_back_in_order_with_their_counts_and_failures(ray_session, tmp_path):
    from pipeline.ray_executor import RayExecutor

    inp = corpus_folder(tmp_path / "in", 8)
    config = RunConfig(input_dir=inp, out_dir=tmp_path / "out", shard_size=3)
    services = Services(config)
    stages = document_stages(with_failing_stage("part1/005"))
    jobs = [ShardJob(f"shard-{i}", tuple(shard)) for i, shard in enumerate(plan_shards(list_sources(inp), 3))]
    assert len(jobs) > 3
    local = list(LocalExecutor().run(jobs, stages, services, Progress()))
    remote = list(RayExecutor(cpu_actors=1, translators=1, encoder_actors=1).run(jobs, stages, services, Progress()))
    assert [d.key for d in remote] == [job.key for job in jobs]
    for mine, theirs, job in zip(remote, local, jobs):
        assert [d.doc_id for d in mine.documents] == [s.doc_id for s in job.sources]
        assert mine.documents == theirs.documents and mine.log.counts == theirs.log.counts
        for a, b in zip(mine.documents, theirs.documents):
            assert (a.vectors is None and b.vectors is None) or np.array_equal(a.vectors, b.vectors)
    failed = [d for done in remote for d in done.documents if d.reason.startswith("explode:")]
    assert [d.doc_id for d in failed] == ["part1/005"] and failed[0].reason == "explode: unexpected ValueError: no luck with this one"
