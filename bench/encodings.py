"""``python -m bench encodings --data DIR [--split dev|test]``: reading legacy, mixed and damaged encodings back.

The documents of the WMT test sets (the folder of XML files of ``bench/comparable.py``) in Russian, Ukrainian,
German, French, Japanese and Chinese, each read back through :func:`pipeline.ingest.decode.decode` after one of
three treatments; a document is right when its text comes back exactly:

* **single**: the document (and, apart, its first 300 characters) in each legacy code page of its language;
* **mixed**: two documents joined, the first in UTF-8 and the second in the language's usual code page, and the
  other way round (two files concatenated);
* **stray bytes**: the document in UTF-8 with 1, 3 or 6 stray bytes (``ff``, ``92``, ``e9``) put in at random
  places; right when each became one U+FFFD and nothing else changed.

``dev`` is newstest2021 (ru, de, fr, ja), ``dev2`` the WMT24 test in its text layout (DIR/wmttest2024: ja, zh,
ru; news, social, speech and literary paragraphs, many short), ``test`` the WMT22 general test (ru, de, fr, ja,
zh, and uk when ``wmttest2022.uk-en.xml`` or ``.all.xml`` is in DIR), ``blind`` the WMT23 test (ru, uk), scored
before the Cyrillic code pages were told apart by their letters and not used to choose anything. The last line
is JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

from bench.common import machine
from bench.comparable import read_testset, read_wmt24

FILES = {
    "dev": (("newstest2021.ru-en", "ru"), ("newstest2021.de-fr", "de"), ("newstest2021.fr-de", "fr"),
            ("newstest2021.ja-en", "ja")),
    "test": (("wmttest2022.ru-en", "ru"), ("wmttest2022.de-fr", "de"), ("wmttest2022.fr-de", "fr"),
             ("wmttest2022.ja-en", "ja"), ("wmttest2022.en-zh", "zh"), ("wmttest2022.uk-en", "uk")),
    "dev2": (("wmttest2024/en-ja", "ja"), ("wmttest2024/ja-zh", "ja"), ("wmttest2024/en-zh", "zh"),
             ("wmttest2024/ja-zh", "zh"), ("wmttest2024/en-ru", "ru")),
    "blind": (("wmttest2023.ru-en", "ru"), ("wmttest2023.uk-en", "uk")),
}
CODE_PAGES = {
    "ru": ("cp1251", "koi8_r", "cp866", "mac_cyrillic", "iso8859_5"), "uk": ("cp1251", "koi8_u"),
    "de": ("cp1252", "iso8859_15"), "fr": ("cp1252", "iso8859_15"), "ja": ("shift_jis", "euc_jp"), "zh": ("gb18030",),
}
STRAY_BYTES = (b"\xff", b"\x92", b"\xe9")


def documents(data: Path, split: str, per_language: int) -> list[tuple[str, str]]:
    """``(language, text)`` of up to ``per_language`` documents of each file of ``split`` found in ``data``."""
    out = []
    for stem, lang in FILES[split]:
        if "/" in stem:  # the WMT24 layout: folder/pair
            folder, pair = stem.split("/")
            if not (data / folder / "documents" / f"{pair}.docs").is_file():
                raise FileNotFoundError(f"{data / folder}/documents/{pair}.docs not found")
            stories = read_wmt24(data / folder, pair)
        else:
            path = next((p for p in (data / f"{stem}.xml", data / f"{stem}.all.xml") if p.is_file()), None)
            if path is None:
                if lang == "uk":
                    continue
                raise FileNotFoundError(f"{data / stem}.xml not found")
            stories = read_testset(path)
        texts = ["\n".join(segs) for story in stories for side, segs in story.sides if side == lang]
        out.extend((lang, text) for text in texts[:per_language])
    return out


def _read(data: bytes) -> tuple[str | None, str]:
    from pipeline.ingest.decode import UndecodableError, decode

    try:
        result = decode(data)
    except UndecodableError:
        return None, "refused"
    return result.text, result.encoding


def single(docs: list[tuple[str, str]]) -> tuple[Counter, Counter, Counter]:
    total, right, wrong = Counter(), Counter(), Counter()
    for lang, doc in docs:
        for text in (doc, doc[:300]):
            for codec in CODE_PAGES[lang]:
                try:
                    data = text.encode(codec)
                except UnicodeEncodeError:
                    continue
                got, how = _read(data)
                total[lang] += 1
                right[lang] += got == text
                if got != text:
                    wrong[f"{lang} {codec} as {how}"] += 1
    return total, right, wrong


def mixed(docs: list[tuple[str, str]]) -> tuple[Counter, Counter, Counter]:
    total, right, read_as = Counter(), Counter(), Counter()
    for lang in sorted({lang for lang, _ in docs}):
        texts = [text for language, text in docs if language == lang]
        codec = CODE_PAGES[lang][0]
        for a, b in zip(texts[::2], texts[1::2]):
            try:
                legacy = b.encode(codec)
            except UnicodeEncodeError:
                continue
            for data, want in ((a.encode() + b"\n" + legacy, f"{a}\n{b}"), (legacy + b"\n" + a.encode(), f"{b}\n{a}")):
                got, how = _read(data)
                total[lang] += 1
                right[lang] += got == want
                read_as[f"{lang} as {how}"] += 1
    return total, right, read_as


def stray(docs: list[tuple[str, str]], seed: int) -> tuple[Counter, Counter, Counter]:
    rng = random.Random(seed)
    total, right, read_as = Counter(), Counter(), Counter()
    for lang, doc in docs:
        for n_bad in (1, 3, 6):
            where = sorted(rng.sample(range(len(doc)), min(n_bad, len(doc))))
            data, want, last = b"", "", 0
            for at in where:
                data += doc[last:at].encode() + rng.choice(STRAY_BYTES)
                want += doc[last:at] + "\ufffd"
                last = at
            data += doc[last:].encode()
            want += doc[last:]
            got, how = _read(data)
            total[lang] += 1
            right[lang] += got == want
            read_as[f"{lang} as {how}"] += 1
    return total, right, read_as


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench encodings", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of the WMT XML files")
    parser.add_argument("--split", choices=sorted(FILES), default="test")
    parser.add_argument("--docs", type=int, default=60, help="documents per language (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    try:
        docs = documents(args.data, args.split, args.docs)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"machine: {json.dumps(machine())}")
    results = {"split": args.split, "docs": len(docs)}
    readings = (("single", single(docs)), ("mixed", mixed(docs)), ("stray", stray(docs, args.seed)))
    for name, (total, right, notes) in readings:
        by_lang = {lang: f"{right[lang]}/{total[lang]}" for lang in sorted(total)}
        results[name] = {"right": sum(right.values()), "total": sum(total.values()), "by_language": by_lang,
                         "notes": dict(notes.most_common(8))}
        print(f"{name:>7}: {sum(right.values())}/{sum(total.values())} right  {json.dumps(by_lang)}")
        print(f"{'':>9}{json.dumps(dict(notes.most_common(8)), ensure_ascii=False)}")
    print(json.dumps(results, ensure_ascii=False))
    return 0
