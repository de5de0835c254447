"""The national CHC tools' domains, in form order, and the levels each one allows.

From the July 2022 Checklist and Decision Support Tool (domain/RULES.md sections 1.1 and 2.1).
The tools must appear as the national tools: these tuples are the single source the forms,
the rules and the tests are checked against. Imports nothing from the app.
"""

from __future__ import annotations

from types import MappingProxyType

DST_LEVELS: tuple[str, ...] = ("no_needs", "low", "moderate", "high", "severe", "priority")
"""Every DST level, lowest first; a domain allows a subset (see `DST_ALLOWED`)."""

LEVEL_LABELS = MappingProxyType(
    {
        "no_needs": "No needs",
        "low": "Low",
        "moderate": "Moderate",
        "high": "High",
        "severe": "Severe",
        "priority": "Priority",
    }
)
"""How each level is written on the tool."""

DST_DOMAINS: tuple[tuple[str, str], ...] = (
    ("breathing", "Breathing"),
    ("nutrition", "Nutrition – food and drink"),
    ("continence", "Continence"),
    ("skin", "Skin integrity (including tissue viability)"),
    ("mobility", "Mobility"),
    ("communication", "Communication"),
    ("psychological", "Psychological and emotional needs"),
    ("cognition", "Cognition"),
    ("behaviour", "Behaviour"),
    ("drug_therapies", "Drug therapies and medication: symptom control"),
    ("asc", "Altered states of consciousness"),
    ("other", "Other significant care needs to be taken into consideration"),
)
"""The 12 DST domains, in the tool's order: (key, name)."""

_UP_TO_HIGH = DST_LEVELS[:4]
_UP_TO_SEVERE = DST_LEVELS[:5]

DST_ALLOWED = MappingProxyType(
    {
        "breathing": DST_LEVELS,
        "nutrition": _UP_TO_SEVERE,
        "continence": _UP_TO_HIGH,
        "skin": _UP_TO_SEVERE,
        "mobility": _UP_TO_SEVERE,
        "communication": _UP_TO_HIGH,
        "psychological": _UP_TO_HIGH,
        "cognition": _UP_TO_SEVERE,
        "behaviour": DST_LEVELS,
        "drug_therapies": DST_LEVELS,
        "asc": ("no_needs", "low", "moderate", "high", "priority"),
        "other": _UP_TO_SEVERE,
    }
)
"""Levels each DST domain allows, lowest first. Altered states of consciousness has Priority
but no Severe; Continence, Communication and Psychological needs stop at High."""

PRIORITY_DOMAINS = tuple(k for k, _ in DST_DOMAINS if "priority" in DST_ALLOWED[k])
"""The four domains that carry a Priority level."""

CHECKLIST_DOMAINS: tuple[tuple[str, str], ...] = (
    ("breathing", "Breathing"),
    ("nutrition", "Nutrition"),
    ("continence", "Continence"),
    ("skin", "Skin integrity"),
    ("mobility", "Mobility"),
    ("communication", "Communication"),
    ("psychological", "Psychological and emotional needs"),
    ("cognition", "Cognition"),
    ("behaviour", "Behaviour"),
    ("drug_therapies", "Drug therapies and medication: symptom control"),
    ("asc", "Altered states of consciousness"),
)
"""The Checklist's 11 domains, in the tool's order (the DST's, less "other")."""

CHECKLIST_ASTERISKED = frozenset({"breathing", "behaviour", "drug_therapies", "asc"})
"""Checklist domains marked * (they carry a Priority level in the DST)."""

HEALTHCARE_PROFESSIONS = MappingProxyType(
    {
        "registered_nurse": "Registered nurse",
        "doctor": "Doctor",
        "occupational_therapist": "Occupational therapist",
        "physiotherapist": "Physiotherapist",
        "speech_language_therapist": "Speech and language therapist",
        "dietitian": "Dietitian",
        "psychologist": "Psychologist",
        "paramedic": "Paramedic",
        "pharmacist": "Pharmacist",
        "other_healthcare": "Other registered healthcare professional",
    }
)
"""Healthcare professions, for the MDT composition rule."""

OTHER_HEALTHCARE = "other_healthcare"
"""The healthcare profession not listed by name: the member's own profession is recorded with
it, and that tells two such members apart (`merge.mdt_composition`)."""

CARE_ACT_ASSESSORS = MappingProxyType(
    {
        "social_worker": "Social worker (assesses under the Care Act)",
        "care_act_assessor": "Other Care Act assessor",
    }
)
"""People responsible for assessing under the Care Act (the authority's assessor)."""

PROFESSIONS = MappingProxyType({**HEALTHCARE_PROFESSIONS, **CARE_ACT_ASSESSORS, "other": "Other"})
"""Every profession an MDT member can be recorded as."""


def level_rank(level: str) -> int:
    """Position of a level in `DST_LEVELS` (higher is more need); -1 for anything else."""
    return DST_LEVELS.index(level) if level in DST_LEVELS else -1
