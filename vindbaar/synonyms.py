"""Search-time synonyms in the Solr format, expanded into alternative queries (no reindex needed)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vindbaar.errors import InvalidInput
from vindbaar.mappings import mappings_dir
from vindbaar.text import words

MAX_ALTERNATIVES = 8


class SynonymsError(InvalidInput):
    """A synonyms file has a line that is not a synonym rule."""


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(words(text))


@dataclass(frozen=True)
class SynonymRule:
    """``inputs`` are rewritten to each of ``outputs``; an equivalence set has inputs == outputs."""

    inputs: tuple[tuple[str, ...], ...]
    outputs: tuple[tuple[str, ...], ...]


def parse_synonyms(text: str, source: str = "<synonyms>") -> list[SynonymRule]:
    """Parse ``a, b, c`` (equivalent) and ``a, b => c`` (one-way) lines; ``#`` starts a comment.

    Raises:
        SynonymsError: naming `source` and the line number.
    """
    rules: list[SynonymRule] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        left, arrow, right = line.partition("=>")
        inputs = tuple(t for t in (_tokens(part) for part in left.split(",")) if t)
        outputs = tuple(t for t in (_tokens(part) for part in right.split(",")) if t) if arrow else inputs
        if not inputs or not outputs or (not arrow and len(inputs) < 2):
            raise SynonymsError(f"{source}:{number}: expected 'a, b, c' or 'a, b => c', got {raw.strip()!r}")
        rules.append(SynonymRule(inputs, outputs))
    return rules


def load_synonyms(path: Path | None) -> list[SynonymRule]:
    """Rules from `path`, or the built-in ``mappings/synonyms.txt``."""
    path = path or mappings_dir() / "synonyms.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SynonymsError(f"{path}: cannot read synonyms: {exc.strerror}") from exc
    return parse_synonyms(text, str(path))


def _find(tokens: tuple[str, ...], phrase: tuple[str, ...]) -> int:
    for start in range(len(tokens) - len(phrase) + 1):
        if tokens[start : start + len(phrase)] == phrase:
            return start
    return -1


def expand(query: str, rules: list[SynonymRule]) -> list[str]:
    """Alternative phrasings of `query` under `rules`, the query itself excluded (at most 8).

    ``expand("sony koptelefoon", [headphones, koptelefoon, …])`` → ``["sony headphones", …]``.
    """
    tokens = _tokens(query)
    alternatives: list[str] = []
    seen = {tokens}
    for rule in rules:
        for phrase in rule.inputs:
            start = _find(tokens, phrase)
            if start < 0:
                continue
            for output in rule.outputs:
                candidate = tokens[:start] + output + tokens[start + len(phrase) :]
                if candidate not in seen:
                    seen.add(candidate)
                    alternatives.append(" ".join(candidate))
            break
        if len(alternatives) >= MAX_ALTERNATIVES:
            break
    return alternatives[:MAX_ALTERNATIVES]
