"""Matching «цепочка» (blockchain) in every form and only in its blockchain sense; the other seed entries."""

from __future__ import annotations

import pytest

from pipeline.glossary import pre_edit


def _blockchain(matcher, sentence):
    found = [m for m in matcher.find(sentence) if m.entry.id == "blockchain"]
    assert len(found) == 1, (sentence, found)
    return found[0]


# all six cases, singular and plural: the matched form and the inflected «блокчейн» expected in its place
INFLECTION = [
    ("Эта цепочка хранит криптовалюту.", "цепочка", "блокчейн"),
    ("Инвесторы ждут запуска цепочки.", "цепочки", "блокчейна"),
    ("Инвесторы доверяют цепочке.", "цепочке", "блокчейну"),
    ("Инвесторы выбрали цепочку.", "цепочку", "блокчейн"),
    ("Инвесторы довольны цепочкой.", "цепочкой", "блокчейном"),
    ("Инвесторы говорят о цепочке.", "цепочке", "блокчейне"),
    ("Цепочки привлекают инвесторов.", "Цепочки", "Блокчейны"),
    ("Число цепочек растёт, считают инвесторы.", "цепочек", "блокчейнов"),
    ("Инвесторы доверяют цепочкам.", "цепочкам", "блокчейнам"),
    ("Инвесторы выбирают цепочки.", "цепочки", "блокчейны"),
    ("Инвесторы интересуются цепочками.", "цепочками", "блокчейнами"),
    ("Инвесторы говорят о цепочках.", "цепочках", "блокчейнах"),
]


@pytest.mark.parametrize("sentence,matched,expected", INFLECTION)
def test_inflection_table(ru_matcher, sentence, matched, expected):
    m = _blockchain(ru_matcher, sentence)
    assert m.action == "apply", m.reason
    assert m.matched == matched
    assert m.replacement == expected
    edited = sentence.replace(matched, expected, 1).replace("Эта блокчейн", "Этот блокчейн")  # agreement, below
    assert pre_edit(sentence, [m]) == edited


# words agreeing with the feminine «цепочка» are re-inflected to agree with the masculine «блокчейн»:
# attributive adjectives, participles and pronouns before it in every case and number, and after a
# singular subject the past-tense verb, short form, predicative instrumental or relative «которая»
AGREEMENT = [
    ("Новая цепочка хранит криптовалюту.", "Новый блокчейн хранит криптовалюту."),
    ("Инвесторы ждут запуска публичной цепочки.", "Инвесторы ждут запуска публичного блокчейна."),
    ("Инвесторы доверяют частной цепочке.", "Инвесторы доверяют частному блокчейну."),
    ("Криптобиржа выбрала собственную цепочку.", "Криптобиржа выбрала собственный блокчейн."),
    ("Инвесторы довольны новой распределённой цепочкой.", "Инвесторы довольны новым распределённым блокчейном."),
    ("Инвесторы говорят о публичной цепочке.", "Инвесторы говорят о публичном блокчейне."),
    ("Токены выпущены на частной цепочке.", "Токены выпущены на частном блокчейне."),
    ("Майнеры создали свою цепочку.", "Майнеры создали свой блокчейн."),
    ("Эта цепочка хранит токены.", "Этот блокчейн хранит токены."),
    ("Публичные цепочки привлекают инвесторов.", "Публичные блокчейны привлекают инвесторов."),
    ("Инвесторы говорят о новых цепочках.", "Инвесторы говорят о новых блокчейнах."),
    ("Инвесторы интересуются частными цепочками.", "Инвесторы интересуются частными блокчейнами."),
    ("Число публичных цепочек растёт, считают инвесторы.", "Число публичных блокчейнов растёт, считают инвесторы."),
    ("Инвесторы доверяют публичным цепочкам.", "Инвесторы доверяют публичным блокчейнам."),
    ("Инвесторы выбирают частные цепочки.", "Инвесторы выбирают частные блокчейны."),
    ("Цепочка позволила криптобирже сэкономить.", "Блокчейн позволил криптобирже сэкономить."),
    ("Цепочка была создана майнерами.", "Блокчейн был создан майнерами."),
    ("Новая цепочка уже стала популярной у майнеров.", "Новый блокчейн уже стал популярным у майнеров."),
    ("Цепочка, которая хранит токены, работает с 2015 года.", "Блокчейн, который хранит токены, работает с 2015 года."),
    ("Цепочка, созданная майнерами, работает.", "Блокчейн, созданный майнерами, работает."),
    ("Цепочки позволили майнерам заработать.", "Блокчейны позволили майнерам заработать."),
    ("Инвесторы доверяют публичной цепочке поставок.", "Инвесторы доверяют публичной цепочке поставок."),  # skipped: untouched
    ("Новая цепочка блоков позволила майнерам заработать.", "Новый блокчейн позволил майнерам заработать."),
    # coordinated modifiers, and a conjunct sharing the preposition of the first one
    ("Токены выпущены на публичной и частной цепочке.", "Токены выпущены на публичном и частном блокчейне."),
    ("Криптобиржа выбрала новую, быструю цепочку.", "Криптобиржа выбрала новый, быстрый блокчейн."),
    ("Токены выпущены на бирже и частной цепочке.", "Токены выпущены на бирже и частном блокчейне."),
    ("Крупная криптобиржа и новая цепочка привлекли майнеров.", "Крупная криптобиржа и новый блокчейн привлекли майнеров."),
]


@pytest.mark.parametrize("sentence,expected", AGREEMENT)
def test_agreeing_words_reinflected(ru_matcher, sentence, expected):
    assert pre_edit(sentence, ru_matcher.find(sentence)) == expected


def test_agreement_leaves_other_feminine_words(ru_matcher):
    # «криптобиржа» is a noun, «крупная» agrees with it, not with the term
    sentence = "Крупная криптобиржа купила цепочку."
    assert pre_edit(sentence, ru_matcher.find(sentence)) == "Крупная криптобиржа купила блокчейн."
    # the replaced word stays where it is; only the agreeing words change
    m = _blockchain(ru_matcher, "Инвесторы говорят о публичной цепочке.")
    assert (m.matched, m.replacement) == ("цепочке", "блокчейне")
    assert [form for _, _, form in m.agreement] == ["публичном"]


# the ambiguous «цепочки» (genitive singular / nominative or accusative plural) settled by its context
AMBIGUOUS = [
    ("Беларусь ждёт инвесторов для цепочки и финтеха.", "блокчейна"),  # preposition governing the genitive
    ("Инвесторы финансируют развитие цепочки.", "блокчейна"),  # governing noun
    ("Финтех-компании внедряют цепочки.", "блокчейны"),  # governing verb: accusative plural
    ("Новые цепочки обрабатывают больше транзакций.", "блокчейны"),  # agreeing adjective, plural verb
    ("В цепочки вкладывают деньги инвесторы.", "блокчейны"),  # «в» + accusative
]


@pytest.mark.parametrize("sentence,expected", AMBIGUOUS)
def test_ambiguous_forms(ru_matcher, sentence, expected):
    m = _blockchain(ru_matcher, sentence)
    assert (m.action, m.replacement) == ("apply", expected), m.reason


# sense table: sentences in the blockchain sense (apply, with the expected replacement) ...
APPLY = [
    ("Стартапы в сфере финтеха всё чаще строят свои сервисы на цепочке.", "блокчейне"),
    ("Цепочка хранит историю всех операций с токенами.", "Блокчейн"),
    ("Инвесторы из Кореи готовы вложиться в белорусские проекты по созданию цепочки.", "блокчейна"),
    ("Майнинг криптовалюты требует огромных вычислительных мощностей для поддержки цепочки.", "блокчейна"),
    ("Технология цепочки гарантирует неизменность записей в реестре.", "блокчейна"),
    ("Смарт-контракты исполняются автоматически внутри цепочки.", "блокчейна"),
    ("Разработчики обновили цепочку, чтобы ускорить обработку транзакций.", "блокчейн"),
    ("Эфириум и другие цепочки конкурируют за разработчиков.", "блокчейны"),
    ("Власти Беларуси легализовали операции с цепочками и криптовалютами.", "блокчейнами"),
    ("Благодаря цепочке компания сократила расходы на обработку платежей.", "блокчейну"),
    ("Криптобиржа перенесла все активы клиентов на новую цепочку.", "блокчейн"),
    ("Эксперты обсудили перспективы цепочек в банковском секторе.", "блокчейнов"),
    ("Правительство Южной Кореи финансирует исследования цепочек и искусственного интеллекта.", "блокчейнов"),
    ("Записи в цепочке невозможно подделать, утверждают создатели токена.", "блокчейне"),
    ("Программисты Парка высоких технологий создают приложения для цепочки.", "блокчейна"),
    ("Цепочки позволяют инвесторам отслеживать каждую сделку.", "Блокчейны"),
    ("Финтех-компании интегрируют цепочку в платёжные системы.", "блокчейн"),
    ("Над цепочкой работает команда из двадцати разработчиков.", "блокчейном"),
    ("Узлы цепочки биткоина подтверждают новые блоки.", "блокчейна"),
    # no topic word: the governing preposition or noun, a blockchain-typical adjective, a use verb
    ("Минфин планирует выпускать облигации на цепочке.", "блокчейне"),
    ("Компания хранит сертификаты на распределённой цепочке.", "блокчейне"),
    ("Рынок решений на основе цепочки вырастет вдвое.", "блокчейна"),
    ("Президент поручил изучить применение частных цепочек в системе госуслуг.", "блокчейнов"),
    ("Сегодня цепочку используют даже крупные логистические компании.", "блокчейн"),
    ("Цепочками уже пользуются страховые компании.", "Блокчейнами"),
    # coordination with technology nouns, even after «по»
    ("Университет открыл программу по цепочкам и кибербезопасности.", "блокчейнам"),
    ("Форум посвящён искусственному интеллекту и цепочкам.", "блокчейнам"),
    ("Регулятор подготовил доклад о финтехе и цепочках.", "блокчейнах"),
]

# ... and in other senses (skip)
SKIP = [
    "Производитель перестроил цепочку поставок после санкций.",
    "Бабушка подарила внучке золотую цепочку с кулоном.",
    "Мутация возникает при копировании цепочки ДНК.",
    "Цепочка супермаркетов открыла новый магазин в Минске.",
    "Человек находится на вершине пищевой цепочки.",
    "Неудачная цепочка решений привела к банкротству компании.",
    "Аналитики изучили цепочку создания стоимости в автомобилестроении.",
    "Сообщение передавали по цепочке от одного сотрудника к другому.",
    "На двери висела стальная цепочка.",
    "Велосипедная цепочка нуждается в смазке.",
    "Полимер образует длинные цепочки молекул.",
    "Между событиями прослеживается чёткая цепочка.",
    "Очевидцы выстроились в цепочку, чтобы передавать мешки с песком.",
    "Компания контролирует всю цепочку производства от сырья до прилавка.",
    "Инвестор потерял ключи вместе с цепочкой.",
    "В цепочке питания океана планктон занимает нижнее звено.",
    "Звенья цепочки соединены проволокой.",
    "Логистическая цепочка компании растянулась на три страны.",
    "Технологические компании перестраивают цепочки поставок из-за пошлин.",
    # «на цепочке» and coordination in their other senses
    "Собака сидела на цепочке у ворот.",
    "Карманные часы на цепочке достались ему от деда.",
    "Она носит крестик на серебряной цепочке.",
    "Искусственный интеллект и цепочка поставок — главные темы логистической выставки.",
    "Нейросеть восстановила цепочку событий.",
    "Применение цепочки из металла сделало конструкцию прочнее.",
    "Производители блокчейн-оборудования жалуются на сбои в цепочке поставок из Китая.",
    "На цепочку нанизали бусины.",
    "Мастер использовал цепочку вместо верёвки.",
    "Банки и цепочки ресторанов поддержали акцию.",
]


@pytest.mark.parametrize("sentence,expected", APPLY)
def test_sense_apply(ru_matcher, sentence, expected):
    m = _blockchain(ru_matcher, sentence)
    assert m.action == "apply", m.reason
    assert m.replacement == expected


@pytest.mark.parametrize("sentence", SKIP)
def test_sense_skip(ru_matcher, sentence):
    m = _blockchain(ru_matcher, sentence)
    assert m.action == "skip", m.reason
    assert m.replacement == "" and m.reason


def test_chain_of_blocks_is_one_term(ru_matcher):
    found = ru_matcher.find("Данные записываются в цепочку блоков.")
    assert [(m.entry.id, m.matched, m.replacement) for m in found] == [
        ("blockchain-chain-of-blocks", "цепочку блоков", "блокчейн")
    ]


def test_layer_two_is_one_term(ru_matcher):
    found = ru_matcher.find("Цепочки второго уровня снижают комиссии за переводы.")
    assert [(m.entry.id, m.matched, m.replacement) for m in found] == [
        ("blockchain-layer-2", "Цепочки второго уровня", "Блокчейны второго уровня")
    ]
    sentence = "Разработчики запустили новую цепочку второго уровня."
    assert pre_edit(sentence, ru_matcher.find(sentence)) == "Разработчики запустили новый блокчейн второго уровня."


def test_capital_kept_at_sentence_start_and_after_quote(ru_matcher):
    assert _blockchain(ru_matcher, "Цепочкой пользуются инвесторы.").replacement == "Блокчейном"
    assert _blockchain(ru_matcher, "«Цепочка позволит банкам сэкономить», — сказал министр.").replacement == "Блокчейн"


def test_no_match_without_the_term(ru_matcher):
    assert ru_matcher.find("Инвесторы обсуждают финансовые рынки.") == []
    assert ru_matcher.find("") == []


SEED = "seeds/000_5286f2786187ce81.txt"


def test_seed_article_every_error_found(ru_matcher, seeds_dir):
    text = (seeds_dir / "000_5286f2786187ce81.txt").read_text(encoding="utf-8")
    found = [m for line in text.splitlines() for m in ru_matcher.find(line)]
    chains = [(m.matched, m.action, m.replacement) for m in found if m.entry.id == "blockchain"]
    assert chains == [
        ("цепочке", "apply", "блокчейне"),
        ("цепочки", "apply", "блокчейна"),
        ("цепочки", "apply", "блокчейны"),
        ("цепочки", "apply", "блокчейна"),
    ]
    applied = {m.entry.id: m.replacement for m in found if m.applied}
    assert applied["ai"] == "ИИ"
    assert applied["korea-joongang-daily"] == "Korea JoongAng Daily"
    assert applied["dapkiunas-full"] == "Andrei Dapkiunas"
    assert applied["dapkiunas"] == "Dapkiunas"
    assert applied["popkov"] == "Sergei Popkov"
    assert applied["digital-economy"] == "цифровая экономика"
    assert applied["digitalization-of-economy"] == "цифровизации экономики"
    assert applied["self-driving-vehicles"] == "беспилотные транспортные средства"
    assert applied["minister-communications-informatization"] == "министр связи и информатизации"
    assert applied["public-administration"] == "государственное управление"
    assert applied["fintech"] == "fintech"
    assert {"fourth-industrial-revolution", "groundbreaking-state-legislation"} <= applied.keys()
    assert all(m.applied for m in found)


def test_surname_in_oblique_case(ru_matcher):
    found = ru_matcher.find("Журналисты встретились с Дапкюнасом в Сеуле.")
    assert [(m.entry.id, m.matched, m.replacement) for m in found] == [("dapkiunas", "Дапкюнасом", "Dapkiunas")]


def test_multiword_term_inflected(ru_matcher):
    found = ru_matcher.find("Рынок самоходных транспортных средств растёт.")
    assert [(m.entry.id, m.replacement) for m in found] == [
        ("self-driving-vehicles", "беспилотных транспортных средств")
    ]
    found = ru_matcher.find("Он встретился с министром телекоммуникаций и информатизации.")
    assert [m.replacement for m in found] == ["министром связи и информатизации"]


# the «gov» and «coord» rule tests on a glossary of their own
def _decide(rules: str, sentence: str) -> tuple[str, str]:
    from pipeline.glossary import Entry, Glossary, Matcher

    entry = Entry("t", "цепочка", "ru", "blockchain", "en", rules=rules, mt_form="блокчейн")
    [m] = Matcher(Glossary((entry,)), "ru").find(sentence)
    return m.action, m.reason


@pytest.mark.parametrize("sentence,action", [
    ("Облигации выпущены на цепочке.", "apply"),
    ("Облигации выпущены на новой публичной цепочке.", "apply"),  # past agreeing adjectives
    ("Облигации выпущены в цепочке.", "skip"),
    ("Эксперты обсудили технологию частных цепочек.", "apply"),  # a governing noun
    ("На цепочке висел ключ.", "apply"),  # the rule sees the preposition, not the words about
])
def test_gov_rule(sentence, action):
    assert _decide("apply if gov на, технология; else skip", sentence)[0] == action


@pytest.mark.parametrize("sentence,action", [
    ("Цепочка и искусственный интеллект изменят рынок.", "apply"),
    ("Цепочка, ИИ и облачные вычисления изменят рынок.", "apply"),
    ("Форум посвящён искусственному интеллекту и цепочкам.", "apply"),
    ("Власти говорят о финтехе и новых цепочках.", "apply"),
    ("Искусственный интеллект нашёл цепочку.", "skip"),  # not coordinated
    ("Цепочка и кулон лежали на столе.", "skip"),
])
def test_coord_rule(sentence, action):
    assert _decide("apply if coord интеллект, ии, финтех, вычисление; else skip", sentence)[0] == action


def test_gov_and_coord_reasons():
    assert _decide("apply if gov на", "Токены живут на цепочке.") == ("apply", "gov «на» (rule 1)")
    assert _decide("apply if coord финтех; else skip", "Регулятор говорит о финтехе и цепочках.") == (
        "apply", "coord «финтехе» (rule 1)"
    )


# -- token boundaries, names, the tree ----------------------------------------------------------------------


@pytest.mark.parametrize("match", ["form", "exact", "lemma"])
def test_digits_and_latin_letters_keep_their_token_boundaries(match):
    from pipeline.glossary import Entry, Glossary, Matcher

    matcher = Matcher(Glossary((Entry("g20", "G20", "ru", "G20", "en", match=match, mt_form="G20"),)), "ru")
    sentence = "Лидеры G7, G20 и G207 встретились; G2 и G-20 не пришли."
    found = matcher.find(sentence)
    assert [m.matched for m in found] == ["G20"]
    assert pre_edit(sentence, found) == sentence  # nothing becomes G207 or G2020
    assert matcher.find("Саммит G7 прошёл в Риме.") == []
    assert matcher.find("Саммит G207 прошёл.") == [] and matcher.find("СаммитG20 прошёл.") == []


@pytest.mark.parametrize("sentence,name", [
    ("Сеть пекарен «Золотая цепочка» открыла точку рядом с биржей токенов.", "Золотая цепочка"),
    ("Криптобиржа «Цепочка» выпустила токены.", "Цепочка"),
    ("«Цепочка» привлекла инвесторов в токены.", "Цепочка"),
    ("Фонд «Цепочка добра» принимает пожертвования в токенах.", "Цепочка добра"),
])
def test_terms_inside_names_are_left_alone(ru_matcher, sentence, name):
    m = _blockchain(ru_matcher, sentence)
    assert (m.action, m.reason) == ("skip", f"inside the name «{name}»")


def test_a_quotation_is_not_a_name(ru_matcher):
    m = _blockchain(ru_matcher, "«Цепочка позволит банкам сэкономить на токенах», — сказал министр.")
    assert m.action == "apply"


@pytest.mark.parametrize("rules,sentence,action", [
    # adj: any adjective or participle modifying the term, wherever it stands
    ("skip if adj золотой; else apply", "Бабушка подарила золотую тонкую цепочку.", "skip"),
    ("skip if adj золотой; else apply", "Цепочка, подаренная бабушкой, была золотой.", "apply"),  # a predicate
    ("skip if adj золотой; else apply", "Золотой кулон висел на цепочке.", "apply"),  # «золотой» modifies «кулон»
    # dep: what depends on the term, with or without a preposition
    ("skip if dep кулон; else apply", "Она носит цепочку с кулоном.", "skip"),
    ("skip if dep кулон; else apply", "Кулон лежал рядом, а цепочка висела на гвозде.", "apply"),
    # linked: at most N links away in the tree, not anywhere in the sentence
    ("apply if linked токен within 1; else skip", "Цепочка хранит токены.", "skip"),  # «токены»: 2 links away
    ("apply if linked токен; else skip", "Цепочка хранит токены.", "apply"),
    ("apply if linked токен within 1; else skip", "Цепочка токенов растёт.", "apply"),
    # next-gen: a complement, bare or with «из»
    ("skip if next-gen; else apply", "Мальчик сделал цепочку из скрепок.", "skip"),
    ("skip if next-gen; else apply", "Данные перенесли из цепочки в реестр.", "apply"),
])
def test_rules_read_the_tree(rules, sentence, action):
    assert _decide(rules, sentence)[0] == action


def test_no_parse_without_a_need():
    from pipeline.glossary import Entry, Glossary, Matcher

    class NoParser:
        def __getattr__(self, name):
            raise AssertionError(f"the parser was used ({name})")

    entries = (Entry("ai", "ии", "ru", "AI", "en", match="form", mt_form="ИИ"),
               Entry("fintech", "fintech", "ru", "fintech", "en", match="form", mt_form="fintech"))
    matcher = Matcher(Glossary(entries), "ru", parser=NoParser())
    found = matcher.find("Компании (ии) и Fintech растут.")
    assert [(m.entry.id, m.replacement) for m in found] == [("ai", "ИИ"), ("fintech", "fintech")]


def test_importing_the_glossary_loads_no_model():
    import subprocess
    import sys

    heavy = ("natasha", "slovnet", "navec", "numpy", "torch", "transformers", "pandas", "ctranslate2", "argostranslate")
    code = "import sys, pipeline.glossary; print(','.join(m for m in %r if m in sys.modules))" % (heavy,)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_a_cycle_in_a_parse_is_broken():
    from pipeline.glossary.syntax import Tree

    tree = Tree.of([1, 2, 0, 7], ["nsubj", "obj", "root", "punct"])
    assert tree.heads[3] == -1  # outside the sentence
    assert -1 in tree.heads[:3] and sorted(tree.subtree(next(i for i in range(3) if tree.heads[i] == -1))) == [0, 1, 2]
