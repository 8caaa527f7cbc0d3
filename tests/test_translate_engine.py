"""The translation engine on fixture packages: batching, pivot, pass-through, cache, and equality with argostranslate."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.translate import engine as engine_module
from pipeline.translate.cache import TranslationCache
from pipeline.translate.engine import TranslationEngine, nothing_to_translate
from pipeline.translate.packages import install_file
from tests.argos_fixtures import built, packages_dir, ru_en, use_packages_dir  # noqa: F401  (fixtures)

SENTENCES = [
    "Привет мир!",
    "Большой мир и цепочки.",
    "Новости блокчейна",
    "Цепочка, мир, привет?",
    "Собака мир",
    "мир " * 30 + "!",
    "И",
]
EXPECTED = [
    "Hello world!",
    "Big world and chain.",
    "News blockchain",
    "Chain, world, hello?",
    "Собака world",
    "world " * 29 + "world !",
    "And",
]


class CountingTranslator:
    """Wraps a real ``ctranslate2.Translator`` and counts ``translate_batch`` calls and sentences."""

    calls = 0
    sentences = 0
    fail_after: int | None = None

    def __init__(self, real):
        self.real = real

    def translate_batch(self, batch, **kwargs):
        cls = type(self)
        if cls.fail_after is not None and cls.calls >= cls.fail_after:
            raise KeyboardInterrupt("killed")
        cls.calls += 1
        cls.sentences += len(batch)
        return self.real.translate_batch(batch, **kwargs)


@pytest.fixture()
def counting(monkeypatch):
    real_loader = engine_module.load_translator

    class Counter(CountingTranslator):
        calls = 0
        sentences = 0
        fail_after = None

    monkeypatch.setattr(engine_module, "load_translator", lambda *a, **k: Counter(real_loader(*a, **k)))
    return Counter


def test_batched_translation_glosses_every_sentence(ru_en, counting):
    engine = TranslationEngine(threads=1)
    outcomes = engine.translate([("ru", s) for s in SENTENCES], "en")
    assert [o.translation for o in outcomes] == EXPECTED
    assert {o.status for o in outcomes} == {"translated"}
    assert {o.model_id for o in outcomes} == {"translate-ru_en-1.0"}
    assert counting.calls == 1 and counting.sentences == len(SENTENCES)  # one batched call for everything


def test_batches_equal_single_sentences(ru_en):
    engine = TranslationEngine(threads=1, max_batch_size=3)
    pkg = engine.route("ru", "en")[0]
    batched = engine.decode_batch(pkg, SENTENCES)
    assert batched == [engine.decode_batch(pkg, [s])[0] for s in SENTENCES]


def test_passthrough_and_missing_pairs(ru_en):
    engine = TranslationEngine(threads=1)
    items = [
        ("en", "Already English."),
        ("ru", "https://example.com/a?b=1"),
        ("ru", "2024 — 15:30, 1.5%"),
        ("ru", "   "),
        ("uk", "Привіт світ"),
        ("und", "Привет мир"),
    ]
    outcomes = engine.translate(items, "en")
    assert [o.status for o in outcomes] == ["passthrough"] * 4 + ["untranslated"] * 2
    assert [o.translation for o in outcomes[:3]] == [text for _, text in items[:3]]
    assert "pipeline models install uk en" in outcomes[4].note
    assert "undetermined" in outcomes[5].note
    assert engine.missing_pairs(items, "en") == {("uk", "en")}


@pytest.mark.parametrize(
    "text,expected",
    [("12 345,6", True), ("...", True), ("www.example.org", True), ("mail me: a.b@c.org", False),
     ("a.b@c.org", True), ("Мир", False), ("#hashtag", True), ("", True)],
)
def test_nothing_to_translate(text, expected):
    assert nothing_to_translate(text) is expected


def test_line_breaks_are_translated_line_by_line(ru_en):
    engine = TranslationEngine(threads=1)
    [outcome] = engine.translate([("ru", "Привет\n\nмир")], "en")
    assert outcome.translation == "Hello\n\nworld"


def test_pivot_through_english(packages_dir):
    install_file(built()["ru_en"], packages_dir)
    install_file(built()["en_de"], packages_dir)
    engine = TranslationEngine(threads=1)
    assert [p.pair for p in engine.route("ru", "de")] == [("ru", "en"), ("en", "de")]
    outcomes = engine.translate([("ru", "Привет мир!"), ("en", "Hello chain"), ("de", "Hallo")], "de")
    assert [o.translation for o in outcomes] == ["Hallo welt!", "Hallo kette", "Hallo"]
    assert outcomes[0].model_id == "translate-ru_en-1.0+translate-en_de-1.0"
    assert outcomes[2].status == "passthrough"


def test_target_prefix_is_forced_and_removed(packages_dir):
    install_file(built()["en_de_underscore"], packages_dir)
    engine = TranslationEngine(threads=1)
    [outcome] = engine.translate([("en", "Hello world!")], "de")
    assert outcome.translation == "Hallo welt!"


def test_cache_hits_and_resume(ru_en, tmp_path, counting):
    cache_path = tmp_path / "cache.sqlite3"
    items = [("ru", s) for s in SENTENCES]

    # A run killed after its first committed chunk of two sentences...
    counting.fail_after = 1
    engine = TranslationEngine(threads=1, cache=TranslationCache(cache_path), chunk_size=2)
    with pytest.raises(KeyboardInterrupt):
        engine.translate(items, "en")
    assert len(TranslationCache(cache_path)) == 2

    # ...resumes: only the five others are decoded.
    counting.fail_after = None
    counting.calls = counting.sentences = 0
    engine = TranslationEngine(threads=1, cache=TranslationCache(cache_path), chunk_size=2)
    outcomes = engine.translate(items, "en")
    assert [o.translation for o in outcomes] == EXPECTED
    assert counting.sentences == len(SENTENCES) - 2
    assert sorted(o.status for o in outcomes).count("cached") == 2

    # A second run makes no model call at all.
    counting.calls = 0
    engine = TranslationEngine(threads=1, cache=TranslationCache(cache_path))
    outcomes = engine.translate(items, "en")
    assert counting.calls == 0
    assert [o.translation for o in outcomes] == EXPECTED and {o.status for o in outcomes} == {"cached"}
    assert engine.models_used()[0]["segments_from_cache"] == len(SENTENCES)


def test_cache_is_keyed_by_model_checksum(ru_en, tmp_path, counting):
    cache_path = tmp_path / "cache.sqlite3"
    TranslationEngine(threads=1, cache=TranslationCache(cache_path)).translate([("ru", "мир")], "en")
    install_file(built()["ru_en_v2"], ru_en)  # another model for the pair: cached "world" must not be served
    counting.calls = 0
    [outcome] = TranslationEngine(threads=1, cache=TranslationCache(cache_path)).translate([("ru", "мир")], "en")
    assert (outcome.translation, outcome.status, counting.calls) == ("peace", "translated", 1)


@pytest.fixture()
def argos_translate(monkeypatch):
    """argostranslate.translate with its sentence splitter replaced by the identity.

    argostranslate 1.11 splits each paragraph with MiniSBD or stanza, which
    download models (impossible offline). Each of our inputs is one sentence on
    one line, so splitting nothing is exactly what its splitter should do;
    everything after the split (tokenizer, target prefix, translate_batch with
    its own settings, detokenisation) is argostranslate's unchanged code.
    """
    import argostranslate.translate as argos

    class Identity:
        def __init__(self, pkg):
            self.pkg = pkg

        def split_sentences(self, text):
            return [text]

    for name in ("MiniSBDSentencizer", "StanzaSentencizer", "SpacySentencizerSmall"):
        monkeypatch.setattr(argos, name, Identity)
    argos.get_installed_languages.cache_clear()
    argos.installed_translates.clear()
    yield argos
    argos.get_installed_languages.cache_clear()
    argos.installed_translates.clear()


@pytest.mark.parametrize("package,pair", [("ru_en", ("ru", "en")), ("en_de_prefixed", ("en", "de"))])
def test_equal_to_argostranslate_sentence_by_sentence(packages_dir, monkeypatch, argos_translate, package, pair):
    install_file(built()[package], packages_dir)
    use_packages_dir(monkeypatch, packages_dir)
    sentences = SENTENCES if pair[0] == "ru" else EXPECTED
    engine = TranslationEngine(threads=1, max_batch_size=4)
    ours = [o.translation for o in engine.translate([(pair[0], s) for s in sentences], pair[1])]
    theirs = [argos_translate.translate(s, *pair) for s in sentences]
    assert ours == theirs
    assert len(set(ours)) == len(sentences)


def test_pivot_equal_to_argostranslate(packages_dir, monkeypatch, argos_translate):
    install_file(built()["ru_en"], packages_dir)
    install_file(built()["en_de"], packages_dir)
    use_packages_dir(monkeypatch, packages_dir)
    engine = TranslationEngine(threads=1)
    ours = [o.translation for o in engine.translate([("ru", s) for s in SENTENCES], "de")]
    assert ours == [argos_translate.translate(s, "ru", "de") for s in SENTENCES]


def test_threads_default_to_the_machine(ru_en):
    import os

    assert TranslationEngine().threads == len(os.sched_getaffinity(0))


def test_thread_layout():
    from pipeline.translate.engine import cpu_threads

    assert [cpu_threads(n) for n in (1, 2, 4, 8, 16)] == [(1, 1), (1, 2), (1, 4), (2, 4), (4, 4)]


def test_packages_dir_follows_the_environment_after_argostranslate_read_it(tmp_path, monkeypatch):
    """argostranslate.settings reads ARGOS_PACKAGES_DIR once at import; the pipeline reads it on every call."""
    import argostranslate.settings  # noqa: F401  (imported first on purpose)

    from pipeline.translate.packages import packages_dir as current

    for name in ("a", "b"):
        monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / name))
        assert current() == tmp_path / name


def test_cuda_without_gpu_is_a_usage_error(ru_en):
    import ctranslate2

    from pipeline.errors import UsageError

    if ctranslate2.get_cuda_device_count() > 0:
        pytest.skip("a GPU is present")
    with pytest.raises(UsageError, match="CUDA"):
        TranslationEngine(device="cuda")
    assert TranslationEngine(device="auto").device == "cpu"


def test_importing_pipeline_loads_no_backend():
    import subprocess
    import sys

    code = (
        "import sys, pipeline.api, pipeline.cli, pipeline.translate;"
        "print(sorted(m for m in ('ctranslate2', 'argostranslate', 'sentencepiece', 'torch') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "[]"


KILLED_RUN = r"""
import os, sys
from pipeline.translate import engine as engine_module
from pipeline.translate.cache import TranslationCache
from pipeline.translate.engine import TranslationEngine

real = engine_module.load_translator
calls = []

class DiesOnSecondBatch:
    def __init__(self, inner):
        self.inner = inner

    def translate_batch(self, batch, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            os._exit(137)  # like SIGKILL: no cleanup, no finally, no atexit
        return self.inner.translate_batch(batch, **kwargs)

engine_module.load_translator = lambda *a, **k: DiesOnSecondBatch(real(*a, **k))
engine = TranslationEngine(threads=1, cache=TranslationCache(sys.argv[1]), chunk_size=3)
engine.translate([("ru", line) for line in sys.argv[2:]], "en")
"""


def test_a_killed_process_resumes_from_the_cache(ru_en, tmp_path, counting):
    import os
    import subprocess
    import sys

    cache_path = tmp_path / "cache.sqlite3"
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.run([sys.executable, "-c", KILLED_RUN, str(cache_path), *SENTENCES], env=env, cwd=root,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 137, proc.stderr
    assert len(TranslationCache(cache_path)) == 3  # the first chunk was committed before the kill

    engine = TranslationEngine(threads=1, cache=TranslationCache(cache_path))
    outcomes = engine.translate([("ru", s) for s in SENTENCES], "en")
    assert [o.translation for o in outcomes] == EXPECTED
    assert counting.sentences == len(SENTENCES) - 3
    assert [o.status for o in outcomes].count("cached") == 3


def test_a_sentence_the_backend_fails_on_leaves_only_itself_untranslated(ru_en, monkeypatch):
    """One bad sentence (CTranslate2 raising on it) must not cost every other sentence of its language."""
    real_loader = engine_module.load_translator
    poison = "Собака мир"

    class Failing(CountingTranslator):
        def translate_batch(self, batch, **kwargs):
            if any("".join(tokens).replace("▁", " ").strip() == poison for tokens in batch):
                raise RuntimeError("out of memory")
            return self.real.translate_batch(batch, **kwargs)

    monkeypatch.setattr(engine_module, "load_translator", lambda *a, **k: Failing(real_loader(*a, **k)))
    engine = TranslationEngine(threads=1)
    outcomes = engine.translate([("ru", s) for s in SENTENCES], "en")
    statuses = [o.status for o in outcomes]
    bad = SENTENCES.index(poison)
    assert statuses[bad] == "untranslated" and "out of memory" in outcomes[bad].note
    assert [o.translation for i, o in enumerate(outcomes) if i != bad] == [e for i, e in enumerate(EXPECTED) if i != bad]
    assert statuses.count("translated") == len(SENTENCES) - 1


def test_a_backend_that_fails_on_everything_is_not_tried_sentence_by_sentence(ru_en, monkeypatch):
    real_loader = engine_module.load_translator

    class Broken(CountingTranslator):
        calls = 0

        def translate_batch(self, batch, **kwargs):
            type(self).calls += 1
            raise RuntimeError("device lost")

    monkeypatch.setattr(engine_module, "load_translator", lambda *a, **k: Broken(real_loader(*a, **k)))
    engine = TranslationEngine(threads=1, chunk_size=1)
    texts = [f"мир {n}" for n in range(200)]
    outcomes = engine.translate([("ru", t) for t in texts], "en")
    assert {o.status for o in outcomes} == {"untranslated"} and "device lost" in outcomes[-1].note
    assert Broken.calls < 40
