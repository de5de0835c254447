"""The typed shape of a loaded form definition: frozen dataclasses and the field-type enum.

`definition.py` re-exports these and owns loading; this module holds only the data so that the
parser and the checks can build and inspect it without an import cycle. Imports no Qt.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from assessor_app.core.errors import ValidationError

OptionValue = str | int
"""The value of a choice option or rating level as stored in the answers."""


class FieldType(StrEnum):
    """Every kind of question a form can ask; the values are the YAML `type` names."""

    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    DATE = "date"
    NUMBER = "number"
    MONEY = "money"
    YES_NO = "yes_no"
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    RATING = "rating"
    REPEATING_GROUP = "repeating_group"
    SIGNATURE = "signature"
    OUTCOME = "outcome"
    NOTICE = "notice"


LETTERS = frozenset(
    {"eligibility_record", "ineligible_advice", "checklist_outcome", "financial_statement"}
)
"""Every letter a form may name in `letters:` (the catalogue is `core/pdf/letters.py`)."""

EXTRAS = frozenset({"contribution_exchange"})
"""Every editor extra a form may name in `extras:`: ``contribution_exchange`` offers the MDT
contribution files (import and export) in the editor."""

LAYOUTS = frozenset({"checklist_domains", "dst_domain"})
"""Every printed layout a section may name in `layout:` (`core/pdf/record_document.py`):
``checklist_domains`` prints the Checklist's domains as one table; ``dst_domain`` marks a DST
domain section, before the first of which the record prints the table of domain levels."""

DISPLAY_ONLY = frozenset({FieldType.OUTCOME, FieldType.NOTICE})
"""Field types that show something and never take an answer: outcomes and notices."""


def is_answered(value: Any) -> bool:
    """Whether an answer counts as given: not None, blank text, or an empty list or mapping."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | dict):
        return bool(value)
    return True


def same_value(answer: Any, expected: Any) -> bool:
    """Equality that keeps booleans apart from numbers (in Python ``True == 1``)."""
    if isinstance(answer, bool) or isinstance(expected, bool):
        return isinstance(answer, bool) and isinstance(expected, bool) and answer == expected
    return bool(answer == expected)


@dataclass(frozen=True)
class Option:
    """One choice in a single or multiple choice question, or one level of a rating scale."""

    value: OptionValue
    """What is stored in the answers."""

    label: str
    """What the assessor sees."""

    help: str | None = None
    """Optional longer explanation of this option."""


@dataclass(frozen=True)
class Condition:
    """When a field is shown: exactly one of `equals`, `any_of`, `is_set` or `all_of` is used."""

    field: str = ""
    """Id of the field whose answer controls visibility ("" for an `all_of` condition)."""

    equals: Any = None
    """Shown when the answer equals this (or, for a list answer, contains it)."""

    any_of: tuple[Any, ...] | None = None
    """Shown when the answer is one of these (or, for a list answer, includes one of them)."""

    is_set: bool | None = None
    """Shown when the field is answered (True) or not answered (False)."""

    all_of: tuple[Condition, ...] | None = None
    """Shown when every one of these conditions holds (a section's condition and a field's own
    condition are combined this way)."""

    def fields(self) -> tuple[str, ...]:
        """Ids of every field this condition reads, in order, without repeats."""
        if self.all_of is None:
            return (self.field,)
        return tuple(dict.fromkeys(f for c in self.all_of for f in c.fields()))

    def holds(self, answers: Mapping[str, Any]) -> bool:
        """Whether the condition is met by `answers` (keyed by field id)."""
        if self.all_of is not None:
            return all(c.holds(answers) for c in self.all_of)
        value = answers.get(self.field)
        if self.is_set is not None:
            return is_answered(value) == self.is_set
        wanted = self.any_of if self.any_of is not None else (self.equals,)
        given = value if isinstance(value, list) else [value]
        return any(same_value(g, w) for g in given for w in wanted)


@dataclass(frozen=True)
class FieldDef:
    """One question. Attributes that do not apply to the field's type keep their defaults."""

    id: str
    """Unique across the whole form, including fields inside repeating groups."""

    type: FieldType
    """The kind of question, which decides the answer's type."""

    label: str
    """The question as the assessor sees it."""

    required: bool = False
    """Whether a visible field must be answered before the section is complete."""

    help: str | None = None
    """Optional guidance shown with the question."""

    show_when: Condition | None = None
    """The field is hidden (and not required) unless this holds; None means always shown."""

    options: tuple[Option, ...] = ()
    """The choices of a single_choice or multiple_choice field."""

    scale: tuple[Option, ...] = ()
    """The levels of a rating field, in order."""

    min: int | float | None = None
    """Smallest allowed number (for money, in pence)."""

    max: int | float | None = None
    """Largest allowed number (for money, in pence)."""

    max_length: int | None = None
    """Most characters allowed in a text answer."""

    pattern: str | None = None
    """Regular expression a text answer must match in full."""

    pattern_message: str | None = None
    """What to tell the assessor when the pattern does not match."""

    not_in_future: bool = False
    """A date answer must not be after today."""

    not_before: str | None = None
    """Earliest allowed date, as ISO ``YYYY-MM-DD``."""

    integer_only: bool = False
    """A number answer must be a whole number."""

    fields: tuple[FieldDef, ...] = ()
    """The fields of each item of a repeating_group."""

    min_items: int | None = None
    """Fewest items a repeating_group may have."""

    max_items: int | None = None
    """Most items a repeating_group may have."""

    item_label: str | None = None
    """What one item of a repeating_group is called, e.g. "income source"."""

    rule: str | None = None
    """Name of the registered rule that computes an outcome field."""

    parent: str | None = None
    """Id of the repeating_group this field sits in; None for a top-level field."""

    prefill: str | None = None
    """Where a new record's answer comes from, e.g. ``person.setting`` (see `prefill.py`)."""

    signer: str | None = None
    """Who signs a signature field, a key of `signatures.SIGNER_LABELS` such as ``assessor``;
    None for a signature question written before signers were declared."""

    not_printed: bool = False
    """Left out of the record's PDF: a reference the app keeps, such as the id of the record a
    review or reassessment follows (the PDF names that record by title and date instead)."""

    def choices(self) -> tuple[Option, ...]:
        """The allowed values: `scale` for a rating, otherwise `options`."""
        return self.scale if self.type is FieldType.RATING else self.options


@dataclass(frozen=True)
class Section:
    """A page of the form: a titled, ordered list of fields."""

    id: str
    """Unique among the form's sections."""

    title: str
    """Heading shown to the assessor."""

    help: str | None
    """Optional guidance for the whole section."""

    fields: tuple[FieldDef, ...]
    """The section's top-level fields, in order."""

    show_when: Condition | None = None
    """The whole section is shown only when this holds. Loading folds it into every field's
    own condition, so the rest of the engine needs to know nothing about it."""

    layout: str | None = None
    """A named printed layout (`LAYOUTS`) for this section in the record's PDF, else None."""


@dataclass(frozen=True)
class Rename:
    """Migration step: move the answer of field `source` to field `target`."""

    source: str
    """Old field id (YAML ``from``)."""

    target: str
    """New field id (YAML ``to``)."""


@dataclass(frozen=True)
class MapValues:
    """Migration step: replace old option values of a field by new ones."""

    field: str
    """Field whose answer is changed."""

    mapping: tuple[tuple[Any, Any], ...]
    """Pairs of (old value, new value)."""


@dataclass(frozen=True)
class Drop:
    """Migration step: remove a field's answer."""

    field: str
    """Field whose answer is removed."""


@dataclass(frozen=True)
class SetDefault:
    """Migration step: give a field an answer when it has none."""

    field: str
    """Field to fill in."""

    value: Any
    """Answer to give it."""


MigrationStep = Rename | MapValues | Drop | SetDefault
"""One pure-data transform of an answers dict."""


@dataclass(frozen=True)
class Migration:
    """How answers saved under an earlier version become answers for this version."""

    from_version: int
    """The version whose answers these steps read."""

    steps: tuple[MigrationStep, ...]
    """Applied in order."""


@dataclass(frozen=True)
class FormDefinition:
    """One version of one form, validated when loaded."""

    id: str
    """Form id, the name of its folder in ``forms/``."""

    version: int
    """Positive version number, matching the file name ``v<N>.yaml``."""

    title: str
    """Form title shown to the assessor."""

    description: str | None
    """Optional longer description."""

    sections: tuple[Section, ...]
    """The form's pages, in order."""

    migrations: tuple[Migration, ...]
    """Transforms of answers from earlier versions (empty for version 1)."""

    source: str
    """Path of the file the definition was loaded from."""

    completion_checks: tuple[str, ...] = ()
    """Names of registered completion checks that must find nothing before completing."""

    start_check: str | None = None
    """Name of the registered start check that may refuse to start this form for a person."""

    record_on_complete: tuple[tuple[str, str], ...] = ()
    """(answer field id, outcome field id) pairs: when the record is completed, the outcome's
    value is written into the answer, so that what was worked out is kept with the record (for
    example which rates table a charge used, so reopening it reproduces the same pennies)."""

    letters: tuple[str, ...] = ()
    """Names of the letters (`LETTERS`) a record of this form can give the person."""

    extras: tuple[str, ...] = ()
    """Names of the editor extras (`EXTRAS`) the record editor offers for this form."""

    order: int | None = None
    """Where the form comes in the list of forms to start (lowest first; None after those)."""

    developers_only: bool = False
    """Offered to start only when the `debuggable` setting is on (the sample form)."""

    _index: dict[str, FieldDef] = dataclasses.field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {f.id: f for f in self.all_fields()})

    def field(self, field_id: str) -> FieldDef:
        """The field with this id, top-level or nested.

        Raises:
            ValidationError: The form has no such field.
        """
        try:
            return self._index[field_id]
        except KeyError as e:
            raise ValidationError(
                f"The form '{self.id}' (version {self.version}) has no question '{field_id}'."
            ) from e

    def has_field(self, field_id: str) -> bool:
        """Whether the form has a field (top-level or nested) with this id."""
        return field_id in self._index

    def top_fields(self) -> Iterator[FieldDef]:
        """Top-level fields of every section, in form order."""
        for section in self.sections:
            yield from section.fields

    def all_fields(self) -> Iterator[FieldDef]:
        """Every field in form order; nested fields follow their group and name it as parent."""
        for top in self.top_fields():
            yield top
            yield from top.fields

    def migration_from(self, version: int) -> Migration | None:
        """The migration that reads answers of `version`, if this definition has one."""
        return next((m for m in self.migrations if m.from_version == version), None)
