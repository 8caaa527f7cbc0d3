"""The target side: every occurrence checked, multi-word wrong renderings, plurals and articles."""

from __future__ import annotations

import pytest

from pipeline.glossary import Entry, Glossary, Matcher
from pipeline.glossary.target import POST_EDITED, UNVERIFIED, article_for, count_term, post_edit, verify

RENDERINGS = ["chain of blocks", "block chain", "chain"]


@pytest.mark.parametrize("text,expected", [
    ("The chain of blocks grows.", "The blockchain grows."),
    ("Chains of blocks and a chain.", "Blockchains and a blockchain."),
    ("A block chain is a ledger.", "A blockchain is a ledger."),
    ("Two block chains and the chain's owner.", "Two blockchains and the blockchain's owner."),
    ("chain-of-blocks ledgers", "blockchain ledgers"),
    ("The chain, the chain and the chain.", "The blockchain, the blockchain and the blockchain."),
    ("A blockchain and a chain.", "A blockchain and a blockchain."),  # the term itself is left alone
])
def test_every_wrong_rendering_becomes_the_term_without_leftovers(text, expected):
    fixed, n = post_edit(text, RENDERINGS, "blockchain")
    assert fixed == expected
    assert "block " not in fixed.lower().replace("blockchain", "") and " of blocks" not in fixed


def test_a_limit_replaces_the_first_ones():
    assert post_edit("a chain, two chains", ["chain"], "blockchain", 1) == ("a blockchain, two chains", 1)


@pytest.mark.parametrize("text,wrong,target,expected", [
    ("It is a network, an open network.", ["network"], "ecosystem", "It is an ecosystem, an open ecosystem."),
    ("A network grows.", ["network"], "ecosystem", "An ecosystem grows."),
    ("An II model and a II.", ["II"], "AI", "An AI model and an AI."),
    ("an ecosystem", ["ecosystem"], "network", "a network"),
    ("Networks grow.", ["network"], "ecosystem", "Ecosystems grow."),
])
def test_article_follows_the_new_term(text, wrong, target, expected):
    assert post_edit(text, wrong, target)[0] == expected


def test_article_for():
    assert [article_for(w) for w in ("AI", "NFT", "FBI", "user", "unit", "hour", "euro", "update", "blockchain")] == [
        "an", "an", "an", "a", "a", "an", "a", "an", "a"
    ]


def test_count_term_inflection():
    assert count_term("Blockchains, blockchain's and BLOCKCHAIN", "blockchain") == 3
    assert count_term("chains of blocks", "chain of blocks") == 1
    assert count_term("blockchainer", "blockchain") == 0


@pytest.fixture(scope="module")
def matcher():
    entries = (
        Entry("bc", "цепочка", "ru", "blockchain", "en", mt_form="блокчейн", wrong_renderings=("chain",)),
        Entry("bc-blocks", "цепочка блоков", "ru", "blockchain", "en", mt_form="блокчейн",
              wrong_renderings=("chain of blocks", "block chain")),
    )
    return Matcher(Glossary(entries), "ru")


def test_every_occurrence_is_checked_and_post_edited(matcher):
    matches = matcher.find("Цепочка и цепочка блоков.")
    assert [m.entry.id for m in matches if m.applied] == ["bc", "bc-blocks"]
    # one of two there: the other is post-edited, from any entry's renderings
    text, checks = verify("The blockchain and the chain of blocks.", matches)
    assert text == "The blockchain and the blockchain."
    assert checks["bc"].status == checks["bc-blocks"].status == POST_EDITED
    # every rendering, not only the first
    text, checks = verify("A chain and a block chain.", matches)
    assert text == "A blockchain and a blockchain." and checks["bc"].status == POST_EDITED
    # nothing to fix: as many as applied is needed, one is not enough
    text, checks = verify("The blockchain and the ledger.", matches)
    assert checks["bc"].status == UNVERIFIED and "found 1 time(s), applied 2" in checks["bc"].detail
