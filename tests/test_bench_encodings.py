from bench.encodings import main, mixed, single, stray

RU = ("Минск и Сеул подписали соглашение о сотрудничестве в области блокчейна.\nЦепочка поставок остаётся прежней.\n"
      "Стороны обсудили искусственный интеллект и цифровую экономику.")
JA = "東京で新しい技術協力の合意が署名されました。\n両国は人工知能の研究を進めます。\n協力は来年から始まります。"


def test_the_three_readings_count_what_comes_back():
    docs = [("ru", RU), ("ru", RU.replace("Минск", "Гомель")), ("ja", JA), ("ja", JA.replace("東京", "大阪"))]
    total, right, _ = single(docs)
    assert total == {"ru": 20, "ja": 8} and right["ru"] == 20
    total, right, read_as = mixed(docs)
    assert total == {"ru": 2, "ja": 2} and right == total
    assert read_as == {"ru as utf-8+cp1251": 2, "ja as utf-8+shift_jis": 2}
    total, right, read_as = stray(docs, seed=1)
    assert total == {"ru": 6, "ja": 6} and right == total and read_as == {"ru as utf-8": 6, "ja as utf-8": 6}


def test_a_missing_folder_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["--data", str(tmp_path / "none"), "--split", "dev"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
