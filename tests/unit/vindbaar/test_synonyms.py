"""Search-time synonyms: parsing and expansion (pure text logic)."""

from __future__ import annotations

import pytest

from vindbaar.synonyms import SynonymsError, expand, load_synonyms, parse_synonyms

RULES = parse_synonyms(
    """
    # equivalents
    headphones, koptelefoon, hoofdtelefoon
    tv, television
    laptop bag => notebook sleeve
    """
)


def test_equivalent_synonyms_expand_in_every_direction() -> None:
    assert expand("sony koptelefoon", RULES) == ["sony headphones", "sony hoofdtelefoon"]
    assert expand("headphones", RULES) == ["koptelefoon", "hoofdtelefoon"]


def test_one_way_synonyms_only_rewrite_their_left_side() -> None:
    assert expand("laptop bag", RULES) == ["notebook sleeve"]
    assert expand("notebook sleeve", RULES) == []


def test_a_query_without_synonyms_has_no_alternatives() -> None:
    assert expand("espresso machine", RULES) == []


def test_a_bad_synonym_line_is_reported_with_its_line_number() -> None:
    with pytest.raises(SynonymsError, match=r"shop\.txt:2"):
        parse_synonyms("tv, television\nlonely\n", "shop.txt")


def test_the_built_in_synonyms_file_parses() -> None:
    assert any(("koptelefoon",) in rule.inputs for rule in load_synonyms(None))
