"""Typed records of the domain: profiles, people, assessment records, revisions, audit entries.

Plain frozen dataclasses with NewType ids; storage turns rows into these. Imports no Qt and
no storage module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NewType

PersonId = NewType("PersonId", str)
AssessmentId = NewType("AssessmentId", str)
ProfileId = NewType("ProfileId", str)
DocumentId = NewType("DocumentId", str)


class Role(StrEnum):
    """The assessor's professional role, recorded on every revision they author."""

    SOCIAL_WORKER = "social_worker"
    OCCUPATIONAL_THERAPIST = "occupational_therapist"
    NURSE = "nurse"
    OTHER_HEALTHCARE_PROFESSIONAL = "other_healthcare_professional"
    OTHER = "other"

    @property
    def label(self) -> str:
        """Human label, e.g. 'Occupational therapist'."""
        return self.value.replace("_", " ").capitalize()


class Setting(StrEnum):
    """Where the person lives now. Custody settings change who is responsible, never eligibility."""

    OWN_HOME = "own_home"
    CARE_HOME = "care_home"
    HOSPITAL = "hospital"
    PRISON = "prison"
    YOUNG_OFFENDER_INSTITUTION = "young_offender_institution"
    SECURE_TRAINING_CENTRE = "secure_training_centre"
    SECURE_CHILDRENS_HOME = "secure_childrens_home"
    APPROVED_PREMISES = "approved_premises"
    BAIL_ACCOMMODATION = "bail_accommodation"
    OTHER = "other"

    @property
    def label(self) -> str:
        """Human label, e.g. 'Young offender institution'."""
        return _SETTING_LABELS[self]

    @property
    def is_custody(self) -> bool:
        """True for settings where conviction status and release date apply."""
        return self in CUSTODY_SETTINGS


_SETTING_LABELS = {
    Setting.OWN_HOME: "Own home",
    Setting.CARE_HOME: "Care home",
    Setting.HOSPITAL: "Hospital",
    Setting.PRISON: "Prison",
    Setting.YOUNG_OFFENDER_INSTITUTION: "Young offender institution",
    Setting.SECURE_TRAINING_CENTRE: "Secure training centre",
    Setting.SECURE_CHILDRENS_HOME: "Secure children's home",
    Setting.APPROVED_PREMISES: "Approved premises",
    Setting.BAIL_ACCOMMODATION: "Bail accommodation",
    Setting.OTHER: "Other",
}

CUSTODY_SETTINGS = frozenset(
    {
        Setting.PRISON,
        Setting.YOUNG_OFFENDER_INSTITUTION,
        Setting.SECURE_TRAINING_CENTRE,
        Setting.SECURE_CHILDRENS_HOME,
        Setting.APPROVED_PREMISES,
        Setting.BAIL_ACCOMMODATION,
    }
)


class ConvictionStatus(StrEnum):
    """Conviction status of a person in custody; it decides direct-payment rules later."""

    REMANDED = "remanded"
    SENTENCED = "sentenced"
    UNCONVICTED_ON_BAIL = "unconvicted_on_bail"

    @property
    def label(self) -> str:
        """Human label, as the forms give it, e.g. 'Not convicted (on bail)'."""
        return _CONVICTION_LABELS[self]


_CONVICTION_LABELS = {
    ConvictionStatus.REMANDED: "Remanded in custody",
    ConvictionStatus.SENTENCED: "Sentenced",
    ConvictionStatus.UNCONVICTED_ON_BAIL: "Not convicted (on bail)",
}

SECURE_SETTINGS = frozenset(
    {
        Setting.PRISON,
        Setting.YOUNG_OFFENDER_INSTITUTION,
        Setting.SECURE_TRAINING_CENTRE,
        Setting.SECURE_CHILDRENS_HOME,
    }
)
"""Custody settings a person is held in (not approved premises or bail accommodation)."""

CONVICTION_SETTINGS: dict[ConvictionStatus, frozenset[Setting]] = {
    # Remanded in custody means held in a secure establishment; someone remanded on bail is
    # 'Not convicted (on bail)'.
    ConvictionStatus.REMANDED: SECURE_SETTINGS,
    # Sentenced people are in custody, on licence in approved premises, or on home detention
    # curfew in bail accommodation.
    ConvictionStatus.SENTENCED: CUSTODY_SETTINGS,
    # On bail, a person lives in approved premises or bail accommodation, never a prison.
    ConvictionStatus.UNCONVICTED_ON_BAIL: frozenset(
        {Setting.APPROVED_PREMISES, Setting.BAIL_ACCOMMODATION}
    ),
}
"""The custody settings each conviction status fits."""


def conviction_status_misfit(setting: Setting, status: ConvictionStatus) -> str | None:
    """Why `status` does not fit someone living in `setting`, or None when it does.

    The message names the settings the status fits, so the assessor knows which to change.
    """
    fits = CONVICTION_SETTINGS[status]
    if setting in fits:
        return None
    where = [s.label.lower() for s in Setting if s in fits]
    listed = ", ".join(where[:-1]) + f" or {where[-1]}" if len(where) > 1 else where[0]
    return (
        f"'{status.label}' does not fit someone in {setting.label.lower()}: it fits only {listed}."
    )


class RecordStatus(StrEnum):
    """Life cycle of an assessment record."""

    DRAFT = "draft"
    COMPLETED = "completed"
    SIGNED = "signed"
    AMENDED = "amended"
    QUEUED = "queued"
    SYNCED = "synced"
    ACKNOWLEDGED = "acknowledged"


@dataclass(frozen=True)
class Profile:
    """The assessor who owns a vault."""

    id: ProfileId
    """Random id, also the vault's folder name."""
    name: str
    """The assessor's full name, as printed on documents they author."""
    role: Role
    """Professional role."""
    authority: str
    """The local authority (or NHS body) they work for."""


@dataclass(frozen=True)
class PersonDetails:
    """Everything typed about a person. Validated by `people.validate_person_details`."""

    given_name: str
    """First name(s)."""
    family_name: str
    """Surname."""
    date_of_birth: dt.date | None = None
    """Date of birth, if known."""
    nhs_number: str | None = None
    """Ten digits, Modulus 11 checked; optional because prisoners often lack one."""
    authority_person_id: str = ""
    """The council's own person identifier."""
    prison_number: str = ""
    """Prison number, in custody."""
    address: str = ""
    """Postal address (or the establishment's)."""
    communication_needs: str = ""
    """How to communicate with them: interpreter, BSL, easy read, hearing loop..."""
    preferred_format: str = ""
    """Preferred format for written information: standard, large print, easy read, braille..."""
    setting: Setting = Setting.OWN_HOME
    """Where they live now."""
    establishment_name: str = ""
    """Name of the prison, care home, hospital or approved premises."""
    conviction_status: ConvictionStatus | None = None
    """In custody only."""
    expected_release_date: dt.date | None = None
    """In custody only."""

    @property
    def display_name(self) -> str:
        """'Family, Given' as caseload lists show it."""
        return f"{self.family_name}, {self.given_name}"


@dataclass(frozen=True)
class Person:
    """A person in the caseload, at their latest revision."""

    id: PersonId
    """Random id."""
    details: PersonDetails
    """Current details."""
    updated_at: dt.datetime
    """When last changed (UTC)."""


@dataclass(frozen=True)
class Assessment:
    """An assessment record at its latest revision."""

    id: AssessmentId
    """Random id."""
    person_id: PersonId
    """Who it is about."""
    form_id: str
    """Form definition id."""
    form_version: int
    """The definition version the answers are stored against."""
    status: RecordStatus
    """Life-cycle state."""
    author: str
    """Name of the assessor who started it."""
    answers: dict[str, Any] = field(default_factory=dict)
    """Answers keyed by field id, as the form engine stores them."""
    revision: int = 0
    """Number of the latest revision (1-based; 0 before the first save)."""
    revision_hash: str = ""
    """Hash of the latest revision."""
    updated_at: dt.datetime | None = None
    """When last changed (UTC)."""


@dataclass(frozen=True)
class Revision:
    """One immutable entry in an entity's hash-chained history."""

    entity_type: str
    """'person' or 'assessment'."""
    entity_id: str
    """Id of the person or assessment."""
    seq: int
    """1-based position in this entity's history."""
    created_at: dt.datetime
    """When it was saved (UTC)."""
    author: str
    """Who saved it."""
    body: dict[str, Any]
    """The full state at this revision."""
    prev_hash: str
    """Hash of revision seq-1, or 64 zeros for the first."""
    hash: str
    """SHA-256 over the canonical form of this revision including prev_hash."""


@dataclass(frozen=True)
class AuditEntry:
    """One hash-chained line of the audit log: who did what, when, to which record (ids only)."""

    seq: int
    """1-based position in the log."""
    at: dt.datetime
    """When (UTC)."""
    actor: str
    """The profile id of who did it."""
    action: str
    """Verb, e.g. 'person.create', 'assessment.save', 'vault.unlock'."""
    entity_type: str
    """Kind of record touched, or '' for vault-wide actions."""
    entity_id: str
    """Id of the record touched, or ''."""
    prev_hash: str
    """Hash of entry seq-1."""
    hash: str
    """SHA-256 over this entry including prev_hash."""


def custody_move_prompt(before: PersonDetails, after: PersonDetails) -> str | None:
    """What to prompt when a person's setting crosses into or out of custody, else None.

    A care and support plan is reviewed on every entry to custody and every release
    (REQUIREMENTS CU-28); a move between establishments is a transfer, prompted too.
    """
    was, now = before.setting.is_custody, after.setting.is_custody
    name = f"{after.given_name} {after.family_name}"
    if not was and now:
        return (
            f"{name} is now in custody ({after.setting.label.lower()}). Review their care and "
            "support plan, and tell the establishment's authority if it is not yours."
        )
    if was and not now:
        return (
            f"{name} has left custody. Review their care and support plan, and check which "
            "authority is now responsible (ordinary residence applies again)."
        )
    if was and now and before.establishment_name != after.establishment_name:
        return (
            f"{name} has moved to {after.establishment_name or 'another establishment'}. Review "
            "their plan; if the new establishment is in another authority's area, tell it."
        )
    return None
