"""MDT members' offline contributions to one Decision Support Tool, and what they propose.

Each member of the multidisciplinary team completes their own part of a person's DST on their
own laptop. Their part is one item of the record's `contributions` repeating group (see
`CONTRIBUTION_KEYS`), attributed to them and never edited by anyone else. This module:

- checks an item (`contribution_problems`, `validate_contribution`): every level must be one
  the domain allows (domain/RULES.md section 2.1), a maximum is not enough;
- merges lists of items from different laptops (`merge_contributions`): a union keyed by
  `contribution_id`, keeping each member's latest revision, the same whatever the order;
- proposes a level per domain (`domain_proposals`): where members disagree the higher level
  is proposed and the disagreement is recorded by name (RULES.md 2.5); the coordinator
  confirms the final level;
- checks the MDT's make-up (`mdt_composition`, RULES.md 2.5).

Pure functions; imports no Qt and no storage module.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assessor_app.core.chc.levels import (
    CARE_ACT_ASSESSORS,
    DST_ALLOWED,
    DST_DOMAINS,
    DST_LEVELS,
    HEALTHCARE_PROFESSIONS,
    LEVEL_LABELS,
    OTHER_HEALTHCARE,
    PROFESSIONS,
    level_rank,
)
from assessor_app.core.errors import ValidationError

__all__ = [
    "CONTRIBUTION_KEYS",
    "DomainProposal",
    "InvalidContributionError",
    "MemberLevel",
    "canonical_json",
    "contribution_digest",
    "contribution_problems",
    "domain_proposals",
    "mdt_composition",
    "merge_contributions",
    "profession_phrase",
    "validate_contribution",
]

_MEMBER_KEYS: tuple[str, ...] = (
    "contribution_id",
    "contributor_name",
    "contributor_profession",
    "contributor_organisation",
    "contributor_contact",
    "contributed_on",
    "revision",
)
_DOMAIN_KEYS: tuple[str, ...] = tuple(
    key for domain, _ in DST_DOMAINS for key in (f"m_{domain}_level", f"m_{domain}_evidence")
)
CONTRIBUTION_KEYS: tuple[str, ...] = _MEMBER_KEYS + _DOMAIN_KEYS
"""Every key a contribution item may have: who, when, which revision, then for each DST
domain `m_<domain>_level` and `m_<domain>_evidence` (both absent if not assessed)."""

_ID_RE = re.compile(r"[0-9a-f]{8,64}\Z")
_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DOMAIN_NAMES = dict(DST_DOMAINS)


class InvalidContributionError(ValidationError):
    """A contribution item breaks a rule.

    A level its domain does not have, an unknown key, a missing name or date, a bad revision.
    """


@dataclass(frozen=True)
class MemberLevel:
    """What one member said about one domain, attributed to them."""

    contribution_id: str
    """The contribution it comes from."""
    name: str
    """The member's name."""
    profession: str
    """The member's profession, a key of `levels.PROFESSIONS`."""
    level: str | None
    """The level they proposed, a key of `levels.DST_LEVELS`; None if they gave none."""
    evidence: str
    """Their description of needs and the sources of evidence ("" if none)."""


@dataclass(frozen=True)
class DomainProposal:
    """The members' levels for one DST domain and the level the MDT is asked to confirm."""

    domain: str
    """The domain key, as in `levels.DST_DOMAINS`."""
    members: tuple[MemberLevel, ...]
    """Every member who gave a level or evidence for this domain: highest level first, then by
    name."""
    proposed_level: str | None
    """The highest level any member gave; None when nobody gave one."""
    disagreement: bool
    """True when members gave more than one distinct level."""
    record: str
    """A plain-English sentence for the record, naming who proposed what."""


# -- Canonical form --------------------------------------------------------------------------


def canonical_json(value: Any) -> bytes:
    """The one byte form of a JSON value: sorted keys, no spaces, ASCII only (escaped).

    Used for content comparison (`contribution_digest`) and for signatures, so two laptops
    always agree on the bytes.

    Raises:
        InvalidContributionError: the value holds something JSON cannot represent (a date
            object, NaN, a set).
    """
    try:
        return json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
        ).encode("ascii")
    except (TypeError, ValueError) as e:
        raise InvalidContributionError(
            "A contribution holds a value that cannot be saved or sent.",
            "Re-enter the contribution's dates and numbers, then try again.",
        ) from e


def _normalised(item: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy without unset answers (None), and a whole-number revision as an int.

    The form engine removes a cleared answer, but records made elsewhere may hold None; a
    NUMBER answer may come back as 2.0. Neither should make two copies of the same
    contribution look different.
    """
    out = {str(k): copy.deepcopy(v) for k, v in item.items() if v is not None}
    revision = out.get("revision")
    if isinstance(revision, float) and revision.is_integer():
        out["revision"] = int(revision)
    return out


def contribution_digest(item: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of a contribution, after `_normalised`.

    Breaks a tie between two different versions of one contribution at the same revision.
    """
    return hashlib.sha256(canonical_json(_normalised(item))).hexdigest()


# -- Checking one item -----------------------------------------------------------------------


def _levels_list(domain: str) -> str:
    labels = [LEVEL_LABELS[lv] for lv in DST_ALLOWED[domain]]
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def _text_problem(item: Mapping[str, Any], key: str, what: str, *, required: bool) -> list[str]:
    value = item.get(key)
    if value is None:
        return [f"Enter {what}."] if required else []
    if not isinstance(value, str):
        return [f"{what[0].upper()}{what[1:]} must be text."]
    if required and not value.strip():
        return [f"Enter {what}."]
    return []


MAX_NAME_LENGTH = 100
"""The longest member's name: a name is shown whole wherever a key is confirmed."""


def _name_problem(value: Any) -> list[str]:
    """A member's name must be one short line of printing characters.

    A name is shown to the coordinator beside the fingerprint to confirm; line breaks,
    direction overrides or invisible characters in it could make it show someone else's
    fingerprint first.
    """
    if not isinstance(value, str) or not value.strip():
        return []
    if len(value) > MAX_NAME_LENGTH:
        return [f"The member's name is longer than {MAX_NAME_LENGTH} characters."]
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in value):
        return ["The member's name holds line breaks or invisible characters."]
    return []


def contribution_problems(item: Any) -> list[str]:
    """Everything wrong with one contribution item, in plain English; empty when it is valid.

    A level must be one its domain allows (`levels.DST_ALLOWED`), not merely one no higher
    than the domain's top level: Altered states of consciousness has no Severe. A level or
    evidence that is absent (or None) means the member did not assess that domain.

    Args:
        item: One item of the record's `contributions` list.
    """
    if not isinstance(item, Mapping):
        return ["A contribution must be a set of answers."]
    problems: list[str] = []
    unknown = sorted(str(k)[:40] for k in item if k not in CONTRIBUTION_KEYS)
    if unknown:
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        problems.append(
            "The contribution has answers this version does not know: "
            f"{', '.join(unknown[:5])}{more}."
        )
    cid = item.get("contribution_id")
    if not isinstance(cid, str) or not _ID_RE.match(cid):
        problems.append("The contribution reference must be 8 to 64 lowercase hex characters.")
    problems += _text_problem(item, "contributor_name", "the member's name", required=True)
    problems += _name_problem(item.get("contributor_name"))
    profession = item.get("contributor_profession")
    if not isinstance(profession, str) or profession not in PROFESSIONS:
        problems.append("Choose the member's profession from the list.")
    problems += _text_problem(item, "contributor_organisation", "the organisation", required=False)
    problems += _text_problem(item, "contributor_contact", "the contact details", required=False)
    day = item.get("contributed_on")
    if not isinstance(day, str) or not _ISO_DATE_RE.match(day):
        problems.append("Enter the date of the contribution as year-month-day.")
    else:
        try:
            dt.date.fromisoformat(day)
        except ValueError:
            problems.append(f"The contribution's date {day} does not exist.")
    revision = item.get("revision")
    if isinstance(revision, float) and revision.is_integer():
        revision = int(revision)
    if isinstance(revision, bool) or not isinstance(revision, int) or revision < 1:
        problems.append("The contribution's revision must be a whole number of at least 1.")
    for domain, name in DST_DOMAINS:
        level = item.get(f"m_{domain}_level")
        if level is not None:
            if not isinstance(level, str) or level not in DST_LEVELS:
                problems.append(
                    f"{name}: '{str(level)[:40]}' is not a Decision Support Tool level."
                )
            elif level not in DST_ALLOWED[domain]:
                problems.append(
                    f"{name}: {LEVEL_LABELS[level]} is not a level of this domain "
                    f"(its levels are {_levels_list(domain)})."
                )
        problems += _text_problem(
            item, f"m_{domain}_evidence", f"the {name} evidence", required=False
        )
    return problems


def validate_contribution(item: Any) -> dict[str, Any]:
    """Check one contribution and return a normalised copy (no None answers, int revision).

    Raises:
        InvalidContributionError: listing every problem `contribution_problems` finds.
    """
    problems = contribution_problems(item)
    if problems:
        raise InvalidContributionError(
            "This contribution cannot be used: " + " ".join(problems),
            "Correct the contribution (its author can send a new revision); nothing was changed.",
        )
    return _normalised(item)


# -- Merging ---------------------------------------------------------------------------------


def _merge_key(item: Mapping[str, Any]) -> tuple[int, str]:
    revision = item.get("revision")
    if isinstance(revision, bool) or not isinstance(revision, int) or revision < 1:
        raise InvalidContributionError(
            "A contribution has no valid revision number, so it cannot be merged.",
            "Ask its author to send it again; nothing was changed.",
        )
    return revision, contribution_digest(item)


def _sort_key(item: Mapping[str, Any]) -> tuple[str, str, str]:
    name = item.get("contributor_name")
    name = name if isinstance(name, str) else ""
    return name.casefold(), name, str(item["contribution_id"])


def merge_contributions(*lists: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The union of contributions from any number of lists, one item per contribution id.

    When one id appears more than once, the item with the highest `revision` is kept; two
    different items at the same revision are told apart by `contribution_digest` (the higher
    wins), never by the order they came in. So the result is the same whatever the order of
    the lists or of the items in them, merging twice changes nothing, and no contribution id
    is ever lost. The inputs are not changed; the result holds normalised copies.

    Args:
        *lists: Lists of contribution items, such as the record's own and one from a file.

    Returns:
        One item per contribution id, sorted by member name (case-insensitive), then id.

    Raises:
        InvalidContributionError: an item has no contribution id or no valid revision.
    """
    best: dict[str, tuple[tuple[int, str], dict[str, Any]]] = {}
    for items in lists:
        for raw in items:
            if not isinstance(raw, Mapping):
                raise InvalidContributionError(
                    "A contribution is not a set of answers, so it cannot be merged.",
                    "Ask its author to send it again; nothing was changed.",
                )
            cid = raw.get("contribution_id")
            if not isinstance(cid, str) or not cid:
                raise InvalidContributionError(
                    "A contribution has no reference, so it cannot be merged.",
                    "Ask its author to send it again; nothing was changed.",
                )
            item = _normalised(raw)
            key = _merge_key(item)
            if cid not in best or key > best[cid][0]:
                best[cid] = (key, item)
    return sorted((item for _, item in best.values()), key=_sort_key)


# -- Proposals -------------------------------------------------------------------------------


def profession_phrase(profession: str) -> str:
    """A profession as it reads inside a sentence: "registered nurse", "social worker".

    Drops the bracketed note of a label and lowers its first letter; an unknown key is
    shown as "profession not recorded".
    """
    label = PROFESSIONS.get(profession)
    if label is None:
        return "profession not recorded"
    label = label.split(" (")[0]
    return label[:1].lower() + label[1:]


def _who(member: MemberLevel) -> str:
    return f"{member.name} ({profession_phrase(member.profession)})"


def _join(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _record(members: Sequence[MemberLevel], proposed: str | None) -> str:
    leveled = [m for m in members if m.level is not None]
    silent = [m for m in members if m.level is None]
    distinct = sorted({m.level for m in leveled if m.level}, key=level_rank, reverse=True)
    sentences: list[str] = []
    if not leveled:
        sentences.append("No member proposed a level.")
    elif len(leveled) == 1:
        sentences.append(f"{_who(leveled[0])} proposed {LEVEL_LABELS[distinct[0]]}.")
    elif len(distinct) == 1:
        names = _join([_who(m) for m in leveled])
        sentences.append(f"Members agreed: {names} proposed {LEVEL_LABELS[distinct[0]]}.")
    else:
        groups = [
            f"{_join([_who(m) for m in leveled if m.level == lv])} proposed {LEVEL_LABELS[lv]}"
            for lv in distinct
        ]
        sentences.append(
            f"Members disagreed: {'; '.join(groups)}. The higher level, "
            f"{LEVEL_LABELS[proposed or distinct[0]]}, is proposed; the coordinator confirms the "
            "final level and the reasons for the disagreement are recorded."
        )
    if silent:
        verb = "gives" if len(silent) == 1 else "give"
        sentences.append(f"{_join([_who(m) for m in silent])} {verb} evidence but no level.")
    return " ".join(sentences)


def domain_proposals(contributions: Sequence[Mapping[str, Any]]) -> dict[str, DomainProposal]:
    """For every DST domain, each member's level and evidence, and the level proposed.

    Where members disagree, the higher level is proposed and the record names who proposed
    what (RULES.md 2.5): the MDT selects the higher level and records the disagreement. The
    contributions are merged first, so only each member's latest revision counts.

    Args:
        contributions: The record's contribution items.

    Raises:
        InvalidContributionError: an item cannot be merged, or gives a level its domain does
            not have (never silently left out).
    """
    merged = merge_contributions(contributions)
    out: dict[str, DomainProposal] = {}
    for domain, name in DST_DOMAINS:
        members: list[MemberLevel] = []
        for item in merged:
            level = item.get(f"m_{domain}_level")
            evidence = item.get(f"m_{domain}_evidence")
            evidence = evidence if isinstance(evidence, str) else ""
            if level is not None and level not in DST_ALLOWED[domain]:
                raise InvalidContributionError(
                    f"{item.get('contributor_name') or 'A member'}'s contribution gives {name} "
                    f"a level it does not have ('{level}'; its levels are "
                    f"{_levels_list(domain)}).",
                    "Ask them to correct it and send a new revision; nothing was changed.",
                )
            if level is None and not evidence.strip():
                continue
            member_name = item.get("contributor_name")
            if not isinstance(member_name, str) or not member_name.strip():
                member_name = "Unnamed member"
            profession = item.get("contributor_profession")
            members.append(
                MemberLevel(
                    contribution_id=str(item["contribution_id"]),
                    name=member_name.strip(),
                    profession=profession if isinstance(profession, str) else "",
                    level=level,
                    evidence=evidence,
                )
            )
        members.sort(
            key=lambda m: (-level_rank(m.level or ""), m.name.casefold(), m.name, m.contribution_id)
        )
        levels = {m.level for m in members if m.level is not None}
        proposed = max(levels, key=level_rank) if levels else None
        out[domain] = DomainProposal(
            domain=domain,
            members=tuple(members),
            proposed_level=proposed,
            disagreement=len(levels) > 1,
            record=_record(members, proposed),
        )
    return out


# -- MDT composition -------------------------------------------------------------------------

_MINIMUM = (
    "An MDT needs at least two professionals from different healthcare professions, or one "
    "healthcare professional and one person who assesses under the Care Act (such as a social "
    "worker)."
)


def _professions(members: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """Each member's profession as (what tells professions apart, how it reads).

    "Other registered healthcare professional" is told apart by the profession recorded with
    it (`other_profession`, compared ignoring case and spacing): a podiatrist and a
    radiographer are two professions, two podiatrists one. Without it, such a member counts
    as the same profession as every other one (nothing shows they differ).
    """
    found: list[tuple[str, str]] = []
    for member in members:
        value = member.get("profession", member.get("contributor_profession"))
        key = value if isinstance(value, str) else ""
        phrase = profession_phrase(key)
        other = member.get("other_profession")
        if key == OTHER_HEALTHCARE and isinstance(other, str) and other.strip():
            named = " ".join(other.split())
            key, phrase = f"{OTHER_HEALTHCARE}:{named.casefold()}", named
        found.append((key, phrase))
    return found


def _is_health(key: str) -> bool:
    return key.split(":", 1)[0] in HEALTHCARE_PROFESSIONS


def mdt_composition(members: Iterable[Mapping[str, Any]]) -> tuple[bool, str]:
    """Whether the members make a valid MDT (RULES.md 2.5), and why, in plain English.

    Valid with at least two different healthcare professions (`levels.HEALTHCARE_PROFESSIONS`),
    or at least one healthcare profession and one Care Act assessor
    (`levels.CARE_ACT_ASSESSORS`). Two social workers, or two nurses, are not an MDT; nor are
    two "other registered healthcare professionals" unless the professions recorded with
    them differ.

    Args:
        members: Dicts with a `profession` key (and, for "other registered healthcare
            professional", `other_profession`), or contribution items (which have
            `contributor_profession`).

    Returns:
        (valid, message): the message names the professions found and, if not valid, what is
        missing.
    """
    professions = _professions(members)
    phrases = dict(professions)
    health_keys = {key for key, _ in professions if _is_health(key)}
    if any(key.startswith(f"{OTHER_HEALTHCARE}:") for key in health_keys):
        # One whose profession is not recorded may be the same as one whose profession is.
        health_keys.discard(OTHER_HEALTHCARE)
    health = sorted(health_keys)
    care_act = sorted({key for key, _ in professions if key in CARE_ACT_ASSESSORS})
    health_text = _join(sorted(phrases[k] for k in health))
    care_text = _join(sorted(phrases[k] for k in care_act))
    if len(health) >= 2:
        return True, (
            f"The MDT has professionals from {len(health)} different healthcare professions "
            f"({health_text})."
        )
    if health and care_act:
        return True, (
            f"The MDT has a healthcare professional ({health_text}) and a Care Act assessor "
            f"({care_text})."
        )
    if not professions:
        return False, f"No MDT members are recorded yet. {_MINIMUM}"
    if len(professions) == 1:
        only = professions[0][1]
        return False, (f"Only one member is recorded ({only}). {_MINIMUM} Add a second member.")
    if health:
        return False, (
            f"All the healthcare professionals recorded are from one profession ({health_text}) "
            "and there is no Care Act assessor: members of the same healthcare profession are "
            "not an MDT. Add a "
            "professional from a different healthcare profession, or a social worker or other "
            "Care Act assessor."
        )
    if care_act:
        return False, (
            f"There is no healthcare professional: Care Act assessors alone ({care_text}) are "
            "not an MDT, however many there are. Add a professional from a healthcare "
            "profession, such as a registered nurse."
        )
    return False, (
        "None of the members recorded is from a healthcare profession or a Care Act assessor. "
        f"{_MINIMUM}"
    )
