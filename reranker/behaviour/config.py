"""How behaviour is stored and learned from, read once from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from vindbaar.index_names import IndexNames
from vindbaar.settings import Settings


@dataclass(frozen=True)
class BehaviourConfig:
    """Where behaviour is stored and how long it counts."""

    names: IndexNames
    half_life_days: float = 14.0
    consent_required: bool = True
    retention_days: int = 365
    timeout_s: float = 2.0
    search_log_capacity: int = 10_000

    @classmethod
    def from_settings(cls, settings: Settings) -> BehaviourConfig:
        """Where and how behaviour is stored, from the settings."""
        return cls(
            names=IndexNames(settings.index_alias),
            half_life_days=settings.event_half_life_days,
            consent_required=settings.consent_required,
            retention_days=settings.event_retention_days,
            timeout_s=settings.search_timeout_s,
            search_log_capacity=settings.search_log_capacity,
        )

    @property
    def half_life_s(self) -> float:
        return self.half_life_days * 86400


def subject_key(kind: str, subject_id: str) -> str:
    """The id of a subject's profile document: ``user:<id>`` or ``session:<id>``."""
    return f"{kind}:{subject_id}"
