"""People in the caseload: validation, revisions, the current-state projection and search.

Every change appends a revision to the person's hash chain; the `person` table is only the
latest state, kept for lists and search-as-you-type.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from typing import Any

from assessor_app.core.errors import NotFoundError, ValidationError
from assessor_app.core.nhs_number import normalise_nhs_number
from assessor_app.core.records import (
    ConvictionStatus,
    Person,
    PersonDetails,
    PersonId,
    Setting,
    conviction_status_misfit,
)
from assessor_app.core.storage import history, other_versions
from assessor_app.core.storage.search_fold import fold_for_search
from assessor_app.core.storage.vault import Vault

EARLIEST_BIRTH = dt.date(1900, 1, 1)

_PRISON_NUMBER = re.compile(r"[A-Z][0-9]{4}[A-Z]{2}")


def normalise_prison_number(text: str) -> str:
    """A prison number as HMPPS writes it (A1234BC), or "" for none.

    England and Wales prison numbers are one letter, four digits and two letters; lower case
    and spaces are accepted and put right.

    Raises:
        ValidationError: when it is not one letter, four digits and two letters.
    """
    compact = "".join(text.split()).upper()
    if compact and not _PRISON_NUMBER.fullmatch(compact):
        raise ValidationError(
            f"The prison number '{text.strip()}' is not one letter, four digits and two letters.",
            "Enter it as it is on the prison's records, for example A1234BC, or leave it blank.",
        )
    return compact


def validate_person_details(details: PersonDetails, *, today: dt.date) -> PersonDetails:
    """Check a person's details and return them normalised (NHS number as ten digits).

    Raises:
        ValidationError: with a message naming the detail and how to put it right.
    """
    if not details.given_name.strip() or not details.family_name.strip():
        raise ValidationError("Enter the person's first name and surname.")
    dob = details.date_of_birth
    if dob is not None and dob > today:
        raise ValidationError(
            f"The date of birth {dob:%d/%m/%Y} is in the future.", "Enter the date of birth."
        )
    if dob is not None and dob < EARLIEST_BIRTH:
        raise ValidationError(
            f"The date of birth {dob:%d/%m/%Y} is before 1900.", "Check the year."
        )
    nhs = normalise_nhs_number(details.nhs_number) if details.nhs_number else None
    if not details.setting.is_custody and (
        details.conviction_status is not None or details.expected_release_date is not None
    ):
        raise ValidationError(
            "Conviction status and release date apply only to people in custody.",
            "Set the setting to the prison or other establishment, or clear those details.",
        )
    if details.setting.is_custody and details.conviction_status is not None:
        misfit = conviction_status_misfit(details.setting, details.conviction_status)
        if misfit:
            raise ValidationError(misfit, "Change the setting or the conviction status.")
    prison_number = normalise_prison_number(details.prison_number)
    release = details.expected_release_date
    if release is not None and dob is not None and release < dob:
        raise ValidationError("The expected release date is before the date of birth.")
    return PersonDetails(
        **{
            **details_to_body(details),
            "given_name": details.given_name.strip(),
            "family_name": details.family_name.strip(),
            "nhs_number": nhs,
            "prison_number": prison_number,
            "date_of_birth": dob,
            "expected_release_date": release,
            "setting": details.setting,
            "conviction_status": details.conviction_status,
        }
    )


def details_to_body(details: PersonDetails) -> dict[str, Any]:
    """Plain JSON-able dict of a person's details (dates as ISO strings)."""
    body: dict[str, Any] = {}
    for name in PersonDetails.__dataclass_fields__:
        value = getattr(details, name)
        if isinstance(value, dt.date):
            value = value.isoformat()
        body[name] = value
    return body


def details_from_body(body: dict[str, Any]) -> PersonDetails:
    """Inverse of `details_to_body`.

    A revision's note of a fork choice (`history.SUPERSEDES`) is not a detail: left out.

    Raises:
        ValidationError: when a value is not what it should be (e.g. an impossible date).
    """
    try:
        values = dict(body)
        values.pop(history.SUPERSEDES, None)
        unknown = set(values) - set(PersonDetails.__dataclass_fields__)
        if unknown:
            raise ValidationError(f"Unknown person details: {', '.join(sorted(unknown))}.")
        for name in _TEXT_FIELDS:
            if name in values and not isinstance(values[name], str | None):
                raise ValidationError(f"The person's {name.replace('_', ' ')} must be text.")
            if name in values and values[name] is None and name not in _OPTIONAL_TEXT:
                values[name] = ""
        for date_field in ("date_of_birth", "expected_release_date"):
            if values.get(date_field):
                values[date_field] = dt.date.fromisoformat(values[date_field])
            else:
                values[date_field] = None
        values["setting"] = _choice(Setting, values.get("setting", Setting.OWN_HOME.value))
        status = values.get("conviction_status")
        values["conviction_status"] = _choice(ConvictionStatus, status) if status else None
        return PersonDetails(**values)
    except (TypeError, ValueError) as e:
        raise ValidationError(f"The person's details are not valid: {e}.") from e


def _choice(kind: type[Setting] | type[ConvictionStatus], value: Any) -> Any:
    try:
        return kind(value)
    except ValueError:
        what = "setting" if kind is Setting else "conviction status"
        allowed = ", ".join(member.value for member in kind)
        raise ValidationError(
            f"The person's {what} {str(value)[:40]!r} is not one this app knows: use one of "
            f"{allowed}."
        ) from None


_TEXT_FIELDS = (
    "given_name",
    "family_name",
    "nhs_number",
    "authority_person_id",
    "prison_number",
    "address",
    "communication_needs",
    "preferred_format",
    "establishment_name",
)
_OPTIONAL_TEXT = ("nhs_number",)


def person_search_text(details: PersonDetails) -> str:
    """What search-as-you-type matches a person by (folded: no accents, lower case)."""
    parts = [
        details.family_name,
        details.given_name,
        details.nhs_number or "",
        details.authority_person_id,
        details.prison_number,
        details.date_of_birth.strftime("%d/%m/%Y") if details.date_of_birth else "",
    ]
    return fold_for_search(" ".join(p for p in parts if p))


class PeopleRepository:
    """Reads and writes people in one vault."""

    def __init__(self, vault: Vault):
        self.vault = vault

    def add(
        self,
        details: PersonDetails,
        *,
        today: dt.date | None = None,
        person_id: PersonId | None = None,
    ) -> Person:
        """Add a person to the caseload (under `person_id` when importing from elsewhere)."""
        clean = validate_person_details(details, today=today or dt.date.today())
        new_id = person_id or PersonId(secrets.token_hex(8))
        return self._write(new_id, clean, "person.create")

    def exists(self, person_id: str) -> bool:
        """True when the person is in this profile."""
        row = self.vault.conn.execute("SELECT 1 FROM person WHERE id = ?", (person_id,))
        return row.fetchone() is not None

    def update(
        self, person_id: PersonId, details: PersonDetails, *, today: dt.date | None = None
    ) -> Person:
        """Save changed details as a new revision."""
        self.get(person_id)
        clean = validate_person_details(details, today=today or dt.date.today())
        return self._write(person_id, clean, "person.update")

    def settle_fork(
        self, person_id: PersonId, details: PersonDetails, supersedes: str, action: str
    ) -> Person:
        """Write the choice between two versions of a person's details.

        Two revisions, in one transaction: the choice, holding `details` (one version's, as
        they were saved: not validated again, so a choice never fails on a rule that changed
        since) and naming the other version's newest revision (`history.SUPERSEDES`), which
        marks every version kept from the gateway settled; then the same details plainly, so
        the person's newest revision reads as details alone to any app.
        """
        self.get(person_id)
        return self._write(person_id, details, action, supersedes=supersedes)

    def _write(
        self, person_id: PersonId, details: PersonDetails, action: str, *, supersedes: str = ""
    ) -> Person:
        body = details_to_body(details)
        author = self.vault.profile.name
        with self.vault.transaction() as conn:
            if supersedes:
                # The choice is its own revision, naming the version it settles; the details
                # then follow in a plain one, so a person's newest revision never carries the
                # note (an app from before people forked refuses details with a key it does
                # not know, and would lose the caseload list over it).
                choice = body | {history.SUPERSEDES: supersedes}
                chosen = history.append_revision(conn, "person", person_id, author, choice)
                history.append_audit(
                    conn, self.vault.profile.id, action, "person", person_id,
                    revision_hash=chosen.hash,
                )  # fmt: skip
                other_versions.settle(conn, person_id, chosen.hash, history.now_utc())
                action = "person.update"
            rev = history.append_revision(conn, "person", person_id, author, body)
            conn.execute(
                "INSERT INTO person (id, family_name, given_name, search_text, body, revision, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "family_name = excluded.family_name, given_name = excluded.given_name, "
                "search_text = excluded.search_text, body = excluded.body, "
                "revision = excluded.revision, updated_at = excluded.updated_at, usn = -1",
                (
                    person_id,
                    details.family_name,
                    details.given_name,
                    person_search_text(details),
                    history.canonical_json(body),
                    rev.seq,
                    rev.created_at.isoformat(),
                ),
            )
            history.append_audit(
                conn, self.vault.profile.id, action, "person", person_id, revision_hash=rev.hash
            )
        return Person(person_id, details, rev.created_at)

    def get(self, person_id: str) -> Person:
        """One person by id.

        Raises:
            NotFoundError: no such person in this profile.
        """
        row = self.vault.conn.execute(
            "SELECT id, body, updated_at FROM person WHERE id = ?", (person_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(
                f"There is no person with id {person_id} in this profile.",
                "Search the caseload for them.",
            )
        return _row_to_person(row)

    def search(self, text: str, *, limit: int = 100) -> list[Person]:
        """People whose name, NHS number, ids or date of birth contain every word typed.

        Accents and case do not matter ("nguyen" finds Nguyễn, "ZOE" finds Zoë). An empty
        search lists the caseload alphabetically.
        """
        tokens = [t for t in fold_for_search(text).replace(",", " ").split() if t]
        sql = "SELECT id, body, updated_at FROM person"
        params: list[Any] = []
        if tokens:
            sql += " WHERE " + " AND ".join("search_text LIKE ? ESCAPE '\\'" for _ in tokens)
            params = [f"%{_escape_like(t)}%" for t in tokens]
        sql += " ORDER BY family_name COLLATE NOCASE, given_name COLLATE NOCASE LIMIT ?"
        params.append(limit)
        return [_row_to_person(r) for r in self.vault.conn.execute(sql, params)]

    def names(self, people: tuple[str | None, str | None] = (None, None)) -> dict[PersonId, str]:
        """Each person's name as lists show it ("Family, Given"), by id.

        Read from the name columns alone (no details decoded): for the to-do list, which
        names thousands.

        Args:
            people: Only people whose id is at least the first and below the second (None: no
                bound), as `AssessmentRepository.projected` takes them.
        """
        sql = "SELECT id, family_name, given_name FROM person WHERE 1"
        params: list[str] = []
        low, high = people
        if low is not None:
            sql += " AND id >= ?"
            params.append(low)
        if high is not None:
            sql += " AND id < ?"
            params.append(high)
        return {PersonId(r[0]): f"{r[1]}, {r[2]}" for r in self.vault.conn.execute(sql, params)}

    def count(self) -> int:
        """How many people are in the caseload."""
        return int(self.vault.conn.execute("SELECT count(*) FROM person").fetchone()[0])


def _escape_like(token: str) -> str:
    return token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _row_to_person(row: Any) -> Person:
    return Person(
        PersonId(row[0]),
        details_from_body(json.loads(row[1])),
        dt.datetime.fromisoformat(row[2]),
    )
