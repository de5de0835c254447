"""The session: one unlocked profile and everything a use case needs, built once.

The desktop app builds one when a profile is unlocked (`ui/views/main_window.py`) and the
command line one per command (`cli.py`); every use case in this package takes it first,
then the ids it works on (`AssessmentId`, `PersonId`), then what the user chose. So a use
case never opens its own repository, loads forms, reads the clock or finds the branding: it
asks the session, and a test hands it a session with a fixed clock. Imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assessor_app.core import reference_data
from assessor_app.core import settings as app_settings
from assessor_app.core.charging.rates import RatesRegistry
from assessor_app.core.form_engine.definition import FormRegistry
from assessor_app.core.pdf.branding import Branding, load_branding
from assessor_app.core.rules import charging as charging_rules
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.documents import DocumentRepository
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault

__all__ = ["Session", "branding_for"]


def branding_for(
    vault: Vault, configured: app_settings.Settings, published: Path | None = None
) -> Branding:
    """The branding documents from this vault carry.

    The `branding_file` setting, else the branding the authority published (`published`,
    from the reference data), else ``branding.yaml`` in the data folder, else defaults.
    """
    if configured.branding_file is not None:
        return load_branding(None, vault.profile.authority, file=configured.branding_file)
    if published is not None:
        return load_branding(None, vault.profile.authority, file=published)
    return load_branding(vault.data_dir, vault.profile.authority)


@dataclass
class Session:
    """An unlocked profile with its repositories, forms, clock, settings, branding and rates."""

    vault: Vault
    forms_source: FormRegistry | Callable[[], FormRegistry]
    """The installed form definitions, or how to load them when first needed (the app loads
    them after the caseload is on screen, not before)."""
    clock: Callable[[], dt.date] = dt.date.today
    """Today's date, for "not in the future", start checks and letters' dates."""
    settings: app_settings.Settings = field(default_factory=app_settings.current)
    reference_on_worker: bool = False
    """True in the window: the reference data is read by `load_reference` on the vault's
    worker thread, and nothing published is used until it has run; False (the command line,
    tests): it is read from the vault when first needed."""

    def __post_init__(self) -> None:
        self._reference: reference_data.InUse | None = None
        self.people = PeopleRepository(self.vault)
        self.records = AssessmentRepository(self.vault)
        self.documents = DocumentRepository(self.vault)

    @functools.cached_property
    def forms(self) -> FormRegistry:
        """The installed form definitions, with the versions the authority published beside.

        `load_reference` reads them again after a sync took a new forms package.
        """
        source = self.forms_source
        installed = source if isinstance(source, FormRegistry) else source()
        return reference_data.forms_registry(installed, self.reference)

    @property
    def reference(self) -> reference_data.InUse:
        """What the authority's published reference data gives this session (checked)."""
        if self._reference is None:
            if self.reference_on_worker:
                return reference_data.NOTHING  # `load_reference` has not run yet
            self._reference = reference_data.in_use(self.vault, self.settings.rates_dir)
        return self._reference

    def load_reference(self) -> None:
        """Read the kept reference data again (on the vault's thread: it reads the vault).

        Called when the profile opens and after a sync took a package: new form versions are
        offered, and new rates and branding used, from then on.
        """
        self._reference = reference_data.in_use(self.vault, self.settings.rates_dir)
        self.__dict__.pop("forms", None)

    def today(self) -> dt.date:
        """Today, by the session's clock."""
        return self.clock()

    @property
    def branding(self) -> Branding:
        """The authority's branding for documents (read each time: IT may replace the file).

        Raises:
            ValidationError: The branding file cannot be used (the message says what to fix).
        """
        return branding_for(self.vault, self.settings, self.reference.branding_file)

    @property
    def rates(self) -> RatesRegistry:
        """The charging rates tables in force, with those the authority published beside them.

        The `rates_dir` setting, else the tables shipped; a completed record finds the table it
        used among them, and a new charge takes the latest version covering its date.
        """
        published = self.reference.rates_dir
        return charging_rules.rates_registry(published or self.settings.rates_dir)
