"""Small but valid Argos packages built on the spot, for tests and benchmarks.

No real translation model can ship with the project, yet the loading and
decoding code must be exercised on the real formats. :func:`build_argos_package`
writes a genuine ``.argosmodel`` zip: a SentencePiece model trained in a second
on the lexicon's words, a CTranslate2 Transformer whose weights are set by hand,
and ``metadata.json``. argostranslate and CTranslate2 load it like any package
from Argos' index.

The hand-set model glosses word by word. The encoder layers are zeroed, so the
encoder output is the token embedding plus a position code; in the decoder,
cross-attention compares the decoding step's position code with the source
position codes (sharp, large scale) and so reads the source token at the same
position; its values carry that token's identity into a "copy" subspace, and
the output projection maps each source piece to its target piece: a lexicon
word to its gloss, any other piece to itself (the vocabulary is shared), the
source ``</s>`` to the target ``</s>``. Every sub-space is stored together with
its negation, so the layer norms see a zero mean and a constant norm and (with
gamma set to that norm) act as the identity.

``random_weights=True`` builds a package of the shape of a real Argos ru→en
model (Transformer base, ~32k vocabulary, int8) with random weights, for
speed measurements only.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

LANG_NAMES = {"ru": "Russian", "en": "English", "de": "German", "fr": "French", "es": "Spanish", "uk": "Ukrainian"}

SPECIALS = ("<unk>", "<s>", "</s>")
_PUNCT = ".,!?;:-()«»\"'"
_ALPHABETS = (
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZäöüßÄÖÜéèêàç0123456789"
)
_FREQS = 16
"""Frequencies of the sinusoidal position code of the gloss model."""
_MAX_POSITIONS = 1024
_ATTENTION_GAP = 30.0
"""Logit margin between the aligned source position and any other."""
_OUTPUT_GAP = 30.0
"""Logit margin between the glossed target piece and any other."""


class LexiconError(ValueError):
    """A lexicon entry that the gloss model cannot express (not one piece on each side)."""


def _expand(lexicon: Mapping[str, str]) -> dict[str, str]:
    """The lexicon plus capitalised forms (``мир`` → ``world`` gives ``Мир`` → ``World``)."""
    out = dict(lexicon)
    for src, tgt in lexicon.items():
        cap_src, cap_tgt = src[:1].upper() + src[1:], tgt[:1].upper() + tgt[1:]
        out.setdefault(cap_src, cap_tgt)
    return out


def train_sentencepiece(words: list[str], *, vocab_size: int = 0, extra_lines: list[str] = (), seed: int = 0,
                        user_symbols: list[str] = ()) -> bytes:
    """A unigram SentencePiece model (serialized) in which every word of ``words`` is one piece."""
    rng = random.Random(seed)
    lines = [" ".join(_ALPHABETS), " ".join(_PUNCT)]
    for _ in range(max(200, 40 * len(words))):
        sample = rng.sample(words, min(4, len(words)))
        lines.append(" ".join(sample) + rng.choice(["", ".", ",", "!", "?"]))
    lines.extend(extra_lines)
    return _train(lines, vocab_size or len(set(words)) + 200, user_symbols, threads=1)


def _train(lines: list[str], vocab_size: int, user_symbols: Sequence[str], *, threads: int) -> bytes:
    """A serialized unigram SentencePiece model; ``vocab_size`` is an upper bound (``hard_vocab_limit`` off)."""
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        user_defined_symbols=list(user_symbols),
        minloglevel=2,
        num_threads=threads,
    )
    return model.getvalue()


def _position_codes(n: int, offset: int = 0) -> np.ndarray:
    """Rows ``p`` hold ``(cos ω_j (p-offset), sin ω_j (p-offset))`` for ``_FREQS`` frequencies."""
    omega = 1.0 / (1000.0 ** (np.arange(_FREQS) / (_FREQS - 1)))
    angles = np.outer(np.arange(n) - offset, omega)
    codes = np.empty((n, 2 * _FREQS), dtype=np.float32)
    codes[:, 0::2] = np.cos(angles)
    codes[:, 1::2] = np.sin(angles)
    return codes


def _min_position_gap(n: int) -> float:
    omega = 1.0 / (1000.0 ** (np.arange(_FREQS) / (_FREQS - 1)))
    d = np.arange(1, n)
    return float((_FREQS - np.cos(np.outer(d, omega)).sum(1)).min())


def _gloss_spec(pieces: list[str], mapping: np.ndarray, *, offset: int):
    """CTranslate2 Transformer spec (1+1 layers, 1 head) whose decoder step ``t`` emits ``mapping[src[t-offset]]``."""
    from ctranslate2.specs import TransformerSpec

    V, F2 = len(pieces), 2 * _FREQS
    tok, pos, cpy = 0, 2 * V, 2 * V + 2 * F2
    D = 4 * V + 2 * F2
    D += (-D) % 16
    a = 1.0  # token amplitude
    c = 1.0  # copy amplitude

    def mirrored(block_start: int, width: int, values: np.ndarray) -> np.ndarray:
        out = np.zeros((values.shape[0], D), dtype=np.float32)
        out[:, block_start:block_start + width] = values
        out[:, block_start + width:block_start + 2 * width] = -values
        return out

    eye = np.eye(V, dtype=np.float32)
    tok_emb = mirrored(tok, V, a * eye)
    enc_pe = mirrored(pos, F2, _position_codes(_MAX_POSITIONS))
    dec_pe = mirrored(pos, F2, _position_codes(_MAX_POSITIONS, offset))

    # Layer norms keep inputs as they are: zero mean, and gamma equal to the expected standard deviation.
    std_in = np.sqrt((2 * a * a + 2 * _FREQS) / D)
    std_out = np.sqrt((2 * a * a + 2 * _FREQS + 2 * c * c) / D)
    ones, zeros = np.ones(D, np.float32), np.zeros(D, np.float32)

    spec = TransformerSpec.from_config((1, 1), 1, pre_norm=True)
    enc, dec = spec.encoder, spec.decoder
    enc.scale_embeddings = False
    dec.scale_embeddings = False
    enc.embeddings[0].weight = tok_emb
    dec.embeddings.weight = tok_emb.copy()
    enc.position_encodings.encodings = enc_pe
    dec.position_encodings.encodings = dec_pe

    def zero_ffn(ffn) -> None:
        ffn.layer_norm.gamma, ffn.layer_norm.beta = ones, zeros
        ffn.linear_0.weight = np.zeros((4, D), np.float32)
        ffn.linear_0.bias = np.zeros(4, np.float32)
        ffn.linear_1.weight = np.zeros((D, 4), np.float32)
        ffn.linear_1.bias = zeros

    def zero_self_attention(att) -> None:
        att.layer_norm.gamma, att.layer_norm.beta = ones, zeros
        att.linear[0].weight = np.zeros((3 * D, D), np.float32)
        att.linear[0].bias = np.zeros(3 * D, np.float32)
        att.linear[1].weight = np.zeros((D, D), np.float32)
        att.linear[1].bias = zeros

    layer = enc.layer[0]
    zero_self_attention(layer.self_attention)
    zero_ffn(layer.ffn)
    enc.layer_norm.gamma, enc.layer_norm.beta = np.full(D, std_in, np.float32), zeros

    layer = dec.layer[0]
    zero_self_attention(layer.self_attention)
    zero_ffn(layer.ffn)
    cross = layer.attention
    cross.layer_norm.gamma, cross.layer_norm.beta = np.full(D, std_in, np.float32), zeros
    # Query: the decoder position code, scaled so the aligned source position wins by _ATTENTION_GAP logits
    # (CTranslate2 divides the scores by sqrt(head_dim) = sqrt(D)).
    scale = _ATTENTION_GAP * np.sqrt(D) / _min_position_gap(_MAX_POSITIONS)
    wq = np.zeros((D, D), np.float32)
    wq[pos:pos + F2, pos:pos + F2] = scale * np.eye(F2)
    wkv = np.zeros((2 * D, D), np.float32)
    wkv[pos:pos + F2, pos:pos + F2] = np.eye(F2)  # keys: the source position code
    wkv[D + tok:D + tok + V, tok:tok + V] = np.eye(V)  # values: the source token identity
    wo = np.zeros((D, D), np.float32)
    wo[cpy:cpy + V, tok:tok + V] = (c / a) * np.eye(V)
    wo[cpy + V:cpy + 2 * V, tok:tok + V] = -(c / a) * np.eye(V)
    cross.linear[0].weight, cross.linear[0].bias = wq, zeros
    cross.linear[1].weight, cross.linear[1].bias = wkv, np.zeros(2 * D, np.float32)
    cross.linear[2].weight, cross.linear[2].bias = wo, zeros
    dec.layer_norm.gamma, dec.layer_norm.beta = np.full(D, std_out, np.float32), zeros

    proj = np.zeros((V, D), np.float32)
    proj[mapping, cpy + np.arange(V)] = _OUTPUT_GAP / c
    dec.projection.weight = proj
    dec.projection.bias = np.zeros(V, np.float32)

    spec.config.add_source_eos = True
    spec.register_source_vocabulary(pieces)
    spec.register_target_vocabulary(pieces)
    return spec


def _random_spec(pieces: list[str], *, layers: int, d_model: int, heads: int, ffn: int, seed: int,
                 eos_bias: float = 0.0):
    """A Transformer of the given shape with random weights (decoding cost depends on shape, not values).

    ``eos_bias`` is added to the output logit of ``</s>``: with a few units the model ends its
    sentences after a handful of tokens, at lengths and with scores that vary from one input to the next.
    """
    from ctranslate2.specs import TransformerSpec

    rng = np.random.default_rng(seed)
    V, D = len(pieces), d_model

    def w(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape, dtype=np.float32) / np.sqrt(shape[-1])).astype(np.float32)

    def ln(norm) -> None:
        norm.gamma, norm.beta = np.ones(D, np.float32), np.zeros(D, np.float32)

    def lin(linear, out: int, inp: int) -> None:
        linear.weight, linear.bias = w(out, inp), np.zeros(out, np.float32)

    spec = TransformerSpec.from_config((layers, layers), heads, pre_norm=True)
    spec.encoder.embeddings[0].weight = w(V, D)
    spec.decoder.embeddings.weight = w(V, D)
    for layer in spec.encoder.layer:
        ln(layer.self_attention.layer_norm)
        lin(layer.self_attention.linear[0], 3 * D, D)
        lin(layer.self_attention.linear[1], D, D)
        ln(layer.ffn.layer_norm)
        lin(layer.ffn.linear_0, ffn, D)
        lin(layer.ffn.linear_1, D, ffn)
    for layer in spec.decoder.layer:
        ln(layer.self_attention.layer_norm)
        lin(layer.self_attention.linear[0], 3 * D, D)
        lin(layer.self_attention.linear[1], D, D)
        ln(layer.attention.layer_norm)
        lin(layer.attention.linear[0], D, D)
        lin(layer.attention.linear[1], 2 * D, D)
        lin(layer.attention.linear[2], D, D)
        ln(layer.ffn.layer_norm)
        lin(layer.ffn.linear_0, ffn, D)
        lin(layer.ffn.linear_1, D, ffn)
    ln(spec.encoder.layer_norm)
    ln(spec.decoder.layer_norm)
    lin(spec.decoder.projection, V, D)
    spec.decoder.projection.bias[SPECIALS.index("</s>")] = eos_bias
    spec.register_source_vocabulary(pieces)
    spec.register_target_vocabulary(pieces)
    return spec


def _pad_vocabulary(pieces: list[str], size: int) -> list[str]:
    seen = set(pieces)
    out = list(pieces)
    i = 0
    while len(out) < size:
        token = f"<extra_{i}>"
        i += 1
        if token not in seen:
            out.append(token)
    return out


def build_argos_package(
    path: str | Path,
    *,
    from_code: str,
    to_code: str,
    lexicon: Mapping[str, str] | None = None,
    version: str = "1.0",
    target_prefix: str = "",
    random_weights: bool = False,
    vocab_size: int | None = None,
    layers: int = 6,
    d_model: int = 512,
    heads: int = 8,
    ffn: int = 2048,
    quantization: str | None = None,
    seed: int = 0,
    training_text: list[str] = (),
    eos_bias: float = 0.0,
) -> Path:
    """Write a valid ``.argosmodel`` for ``from_code`` → ``to_code`` at ``path`` (a file, or a folder to put it in).

    Gloss model (default): every word of ``lexicon`` (and its capitalised form)
    becomes its gloss; every other SentencePiece piece is copied unchanged.
    Keys and values must each be a single word. The SentencePiece vocabulary
    holds the words, single characters and a few merges (about
    ``len(words) + 200`` pieces; the model grows with its square): words
    outside the lexicon are copied piece by piece, so a long sentence of
    unknown words may reach CTranslate2's 256-token decoding limit. Passing
    ``training_text`` and a larger ``vocab_size`` gives longer pieces.
    ``target_prefix`` (e.g.
    ``__de__``) is written to the metadata and forced by argostranslate as the
    first target token; the model is built to expect it.

    ``random_weights=True``: a real-size Transformer (``layers``+``layers``,
    ``d_model``, ``heads``, ``ffn``, a ``vocab_size`` vocabulary, 32000 by
    default, padded with ``<extra_N>`` pieces beyond what SentencePiece learns) with random
    weights; ``training_text`` feeds the SentencePiece model; ``eos_bias`` (a few units) makes it end
    its outputs early, at varying lengths, with log-probabilities far from zero (unlike the gloss model's,
    which is sure of every token).

    Weights are stored as int8 unless ``quantization`` names another
    CTranslate2 type (``float32``, ``int8_float16``, …).
    """
    import sentencepiece as spm

    path = Path(path)
    if path.is_dir():
        path = path / f"translate-{from_code}_{to_code}-{version.replace('.', '_')}.argosmodel"
    lexicon = _expand(dict(lexicon or {}))
    user_symbols = [target_prefix] if target_prefix else []

    if random_weights:
        vocab_size = vocab_size or 32000
        lines = list(training_text) or [" ".join(_ALPHABETS)]
        sp_bytes = _train_large(lines, vocab_size, seed, user_symbols)
    else:
        if not lexicon:
            raise LexiconError("a gloss package needs a non-empty lexicon")
        words = sorted(set(lexicon) | set(lexicon.values()))
        bad = [w for w in words if not w or any(ch.isspace() for ch in w)]
        if bad:
            raise LexiconError(f"lexicon entries must be single words: {bad}")
        sp_bytes = train_sentencepiece(words, vocab_size=vocab_size or 0, extra_lines=list(training_text), seed=seed,
                                       user_symbols=user_symbols)
    sp = spm.SentencePieceProcessor(model_proto=sp_bytes)
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    if tuple(pieces[:3]) != SPECIALS:
        raise RuntimeError(f"unexpected SentencePiece special pieces {pieces[:3]}")

    if random_weights:
        pieces = _pad_vocabulary(pieces, vocab_size)
        spec = _random_spec(pieces, layers=layers, d_model=d_model, heads=heads, ffn=ffn, seed=seed,
                            eos_bias=eos_bias)
        quantization = quantization or "int8"
    else:
        index = {p: i for i, p in enumerate(pieces)}
        mapping = np.arange(len(pieces))
        for src, tgt in lexicon.items():
            src_pieces, tgt_pieces = sp.encode(src, out_type=str), sp.encode(tgt, out_type=str)
            if len(src_pieces) != 1 or len(tgt_pieces) != 1:
                raise LexiconError(f"{src!r} → {tgt!r} is not one piece on each side: {src_pieces} → {tgt_pieces}")
            mapping[index[src_pieces[0]]] = index[tgt_pieces[0]]
        spec = _gloss_spec(pieces, mapping, offset=1 if target_prefix else 0)
        # Every weight row holds one magnitude (with its sign), so int8 stores it exactly, 4x smaller.
        quantization = quantization or "int8"

    spec.validate()
    if quantization:
        spec.optimize(quantization=quantization)
    name = f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"
    metadata = {
        "package_version": version,
        "argos_version": "1.9",
        "from_code": from_code,
        "from_name": LANG_NAMES.get(from_code, from_code),
        "to_code": to_code,
        "to_name": LANG_NAMES.get(to_code, to_code),
        "type": "translate",
        "links": [],
    }
    if target_prefix:
        metadata["target_prefix"] = target_prefix
    with tempfile.TemporaryDirectory(prefix="argos-build-") as tmp:
        root = Path(tmp) / name
        (root / "model").mkdir(parents=True)
        spec.save(str(root / "model"))
        (root / "sentencepiece.model").write_bytes(sp_bytes)
        (root / "metadata.json").write_text(json.dumps(metadata, ensure_ascii=False, indent=2), encoding="utf-8")
        (root / "README.md").write_text(
            f"Synthetic {from_code}→{to_code} package built by pipeline.translate.synthetic; not a real model.\n",
            encoding="utf-8",
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
            for file in sorted(root.rglob("*")):
                zf.write(file, file.relative_to(tmp).as_posix())
        shutil.move(str(partial), str(path))
    return path


def _train_large(lines: list[str], vocab_size: int, seed: int, user_symbols: list[str]) -> bytes:
    """A SentencePiece model for the real-size package: as many pieces as the text allows (padded later)."""
    return _train(lines, vocab_size, user_symbols, threads=2)
