"""The merchandising config: everything a merchandiser controls, stored as versions (`config_store.py`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator

from reranker.merchandising.experiments import Experiment, Variant, running
from reranker.merchandising.rules import Ranking, RankingWeights, Rule, _Strict
from vindbaar.settings import Settings
from vindbaar.synonyms import SynonymsError, parse_synonyms

# One synonyms line as `parse_synonyms` reads it, spelled for JSON Schema too: a rule, a comment after '#',
# both, or nothing. Every term has a letter or digit (of the Latin, Greek and Cyrillic
# blocks: characters `vindbaar.text.words` finds words in, however a validator reads \w); no control characters
# (str.splitlines() splits at some). A term is read up to its first letter, then to its end: one way to
# match, so that checking a long line that does not match cannot backtrack exponentially.
_LETTER = (r"0-9A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0386\u0388-\u038a\u038c\u038e-\u03a1\u03a3-\u03ce"
           r"\u0400-\u0481\u048a-\u052f")  # fmt: skip
_CONTROL = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
_TERM = rf"[^,=#{_CONTROL}{_LETTER}]*[{_LETTER}][^,=#{_CONTROL}]*"
_RULE = f"{_TERM}(?:(?:,{_TERM})+|(?:,{_TERM})*=>{_TERM}(?:,{_TERM})*)"
SYNONYM_LINE = f"^(?:{_RULE})?[ \t]*(?:#[^{_CONTROL}]*)?$"


class MerchConfig(_Strict):
    """Everything a merchandiser controls. Each change is stored as a new version."""

    rules: list[Rule] = Field(default_factory=list)
    ranking: Ranking = Field(default_factory=Ranking)
    synonyms: list[Annotated[str, Field(pattern=SYNONYM_LINE)]] = Field(
        default_factory=list, description="Solr-format lines, added to the built-in file: 'a, b, c' (equivalent) "
        "or 'a, b => c' (one way), '#' starts a comment; each term holds a digit or a Latin, Greek or Cyrillic "
        "letter, and no ',', '=', '#' or control character.",
    )  # fmt: skip
    experiments: list[Experiment] = Field(default_factory=list, description="A/B and interleaving tests.")
    blocked_terms: list[str] = Field(
        default_factory=list, description="Words or phrases no autocomplete suggestion may contain."
    )

    @field_validator("synonyms")
    @classmethod
    def _synonyms_parse(cls, value: list[str]) -> list[str]:
        try:
            parse_synonyms("\n".join(value), "synonyms line")
        except SynonymsError as exc:
            raise ValueError(str(exc)) from exc
        return value

    def weights(self, settings: Settings) -> RankingWeights:
        """The ranking weights a search runs with under this config and the service's settings."""
        return self.ranking.over(RankingWeights.from_settings(settings))

    def running_experiment(self) -> Experiment | None:
        """The experiment running under this config, if any."""
        return running(self.experiments)

    def with_variant(self, variant: Variant) -> MerchConfig:
        """This config as `variant` changes it (its weights where set, its rules when given)."""
        overrides = {"lexical_weight": variant.lexical_weight, "semantic_weight": variant.semantic_weight,
                     "personalization_strength": variant.personalization_strength,
                     "click_learning_strength": variant.click_learning_strength,
                     "learned_ranking": variant.learned_ranking}  # fmt: skip
        ranking = self.ranking.model_copy(update={k: v for k, v in overrides.items() if v is not None})
        rules = self.rules if variant.rules is None else variant.rules
        return self.model_copy(update={"ranking": ranking, "rules": rules})

    @model_validator(mode="after")
    def _unique_ids(self) -> MerchConfig:
        for kind, ids in (("rule", [r.id for r in self.rules]), ("experiment", [e.id for e in self.experiments])):
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                raise ValueError(f"duplicate {kind} id {duplicates[0]!r}")
        if sum(e.status == "running" for e in self.experiments) > 1:
            raise ValueError("only one experiment may run at a time; stop the running one first")
        return self
