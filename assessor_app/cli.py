"""`assessor-cli`: the headless front end for IT staff and automation.

Every command that reads records unlocks the profile with a passphrase from
`$ASSESSOR_PASSPHRASE` or, in a terminal, a prompt. Errors go to stderr as one line that says
what to do; exit codes are listed in docs/cli.md. Imports no Qt.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from assessor_app.core import paths, settings
from assessor_app.core.chc.exchange import PassphraseNeededError, UnconfirmedMemberKeyError
from assessor_app.core.errors import AssessorError, UserCancelledError, ValidationError
from assessor_app.core.form_engine.definition import check_forms_dir, load_forms_dir
from assessor_app.core.form_engine.evaluation import evaluate
from assessor_app.core.form_engine.signatures import (
    REPRESENTATIVE_CAPACITIES,
    SIGNER_LABELS,
    UNABLE_REASONS,
)
from assessor_app.core.hardening import harden_process
from assessor_app.core.logging_setup import configure_logging
from assessor_app.core.nhs_number import format_nhs_number
from assessor_app.core.records import (
    AssessmentId,
    ConvictionStatus,
    DocumentId,
    Person,
    PersonDetails,
    PersonId,
    Role,
    Setting,
)
from assessor_app.core.services import reviews
from assessor_app.core.services.bulk_import import CASELOAD_FORMAT, import_caseload_file
from assessor_app.core.services.contributions import (
    export_member_contribution,
    import_member_contribution,
    own_fingerprint,
    rebind_member_key,
)
from assessor_app.core.services.record_files import (
    UnconfirmedExporterKeyError,
    export_record,
    import_record,
)
from assessor_app.core.services.records import start_record
from assessor_app.core.services.session import Session
from assessor_app.core.storage.atomic import write_atomic
from assessor_app.core.storage.database import DatabaseError
from assessor_app.core.storage.history import verify_chains
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS, KdfParams
from assessor_app.core.storage.member_keys import list_members
from assessor_app.core.storage.profiles import list_profiles
from assessor_app.core.storage.vault import Vault
from assessor_app.core.typed_dates import TypedDateError, read_typed_date
from assessor_app.core.untrusted import UntrustedJsonError, load_untrusted_json

PASSPHRASE_ENV = settings.PASSPHRASE_ENV
NEW_PASSPHRASE_ENV = settings.NEW_PASSPHRASE_ENV
EXCHANGE_PASSPHRASE_ENV = settings.EXCHANGE_PASSPHRASE_ENV
T = TypeVar("T")
EXIT_OK, EXIT_BUG, EXIT_USAGE = 0, 1, 2
EXIT_SIGNATURE_BROKEN = 7

log = logging.getLogger("assessor.cli")


def _read_passphrase(env: str, prompt: str, *, confirm: bool = False) -> str:
    if os.environ.get(env):
        return os.environ[env]
    if not sys.stdin.isatty():
        raise AssessorError(
            "No passphrase was given.", f"Set {env}, or run the command in a terminal."
        )
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass("Type it again: ") != first:
        raise AssessorError("The two passphrases differ.", "Run the command again.")
    return first


def _kdf(args: argparse.Namespace) -> KdfParams | None:
    # Only for tests and throwaway demo vaults: real profiles calibrate Argon2id.
    return FAST_KDF_FOR_TESTS if args.insecure_fast_kdf else None


def _choose_profile(args: argparse.Namespace) -> str:
    wanted = args.profile or settings.current().profile
    profiles = list_profiles(args.data_dir)
    if wanted:
        return str(wanted)
    if len(profiles) == 1:
        return profiles[0].id
    if not profiles:
        raise AssessorError(
            "There is no profile in this data folder.",
            "Create one with 'assessor-cli profile create'.",
        )
    raise AssessorError(
        "There are several profiles here.",
        "Name one with --profile ID (see 'assessor-cli profile list').",
    )


def _unlock(args: argparse.Namespace) -> Vault:
    profile_id = _choose_profile(args)
    return Vault.open(args.data_dir, profile_id, _read_passphrase(PASSPHRASE_ENV, "Passphrase: "))


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def _parse_date(text: str | None, what: str) -> dt.date | None:
    """A date typed as the app takes it (DD/MM/YYYY) or as ISO (YYYY-MM-DD).

    Read by the same core function as the app's date boxes, so both say which was wrong: the
    way it was written or the day itself.
    """
    try:
        return read_typed_date(text or "")
    except TypedDateError as e:
        raise ValidationError(f"The date for {what}: {e}") from e


def _confirm_first(message: str, name: str, fingerprint: str) -> ValidationError:
    """The first file from someone new: how to confirm their key from the command line."""
    return ValidationError(
        message,
        f"Ask {name[:100]} to read you their fingerprint (the app shows it when they export; "
        "'assessor-cli chc fingerprint' prints it), by phone or in person. If it is the "
        f"same, run again with --confirm-fingerprint '{fingerprint}'. Nothing was imported.",
    )


def _load_json_file(path: str) -> Any:
    try:
        return load_untrusted_json(Path(path).read_bytes())
    except FileNotFoundError as e:
        raise AssessorError(f"There is no file {path}.", "Check the path.") from e
    except OSError as e:
        raise ValidationError(f"{path} cannot be read ({e.strerror}).", "Check the path.") from e
    except UntrustedJsonError as e:
        raise ValidationError(
            f"{path} cannot be used: {e.reason}.",
            "Check that it is the file you meant. Nothing has been changed.",
        ) from e


# -- commands --------------------------------------------------------------------------------


def cmd_profile_create(args: argparse.Namespace) -> int:
    passphrase = _read_passphrase(PASSPHRASE_ENV, "New passphrase: ", confirm=True)
    vault = Vault.create(
        args.data_dir,
        name=args.name,
        role=Role(args.role),
        authority=args.authority,
        passphrase=passphrase,
        kdf=_kdf(args),
    )
    print(vault.profile.id)
    vault.close()
    return EXIT_OK


def cmd_profile_list(args: argparse.Namespace) -> int:
    profiles = list_profiles(args.data_dir)
    for p in profiles:
        print(f"{p.id}\t{p.label}\t{p.created_at}")
    if not profiles:  # said on stderr: a script reading stdout still gets no lines
        print(
            f"No profiles in {args.data_dir}: create one with 'assessor-cli profile create'.",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_unlock(args: argparse.Namespace) -> int:
    vault = _unlock(args)
    print(f"Unlocked {vault.profile.name} ({vault.profile.role.label}, {vault.profile.authority}).")
    vault.close()
    return EXIT_OK


def cmd_person_add(args: argparse.Namespace) -> int:
    details = PersonDetails(
        given_name=args.given,
        family_name=args.family,
        date_of_birth=_parse_date(args.dob, "the date of birth"),
        nhs_number=args.nhs or None,
        authority_person_id=args.authority_id or "",
        prison_number=args.prison_number or "",
        address=args.address or "",
        setting=Setting(args.setting),
        establishment_name=args.establishment or "",
        conviction_status=ConvictionStatus(args.conviction) if args.conviction else None,
        expected_release_date=_parse_date(args.release, "the expected release date"),
    )
    with _session(args) as session:
        print(session.people.add(details).id)
    return EXIT_OK


def cmd_person_list(args: argparse.Namespace) -> int:
    with _session(args) as session:
        found = session.people.search(args.search or "", limit=args.limit)
        if not found:
            print(
                "No one matches that search."
                if args.search
                else "No one is in this caseload yet: add someone with 'assessor-cli person add'.",
                file=sys.stderr,
            )
        for p in found:
            d = p.details
            nhs = format_nhs_number(d.nhs_number) if d.nhs_number else "-"
            dob = d.date_of_birth.isoformat() if d.date_of_birth else "-"
            print(f"{p.id}\t{d.display_name}\t{dob}\t{nhs}\t{d.setting.label}")
    return EXIT_OK


def cmd_caseload_import(args: argparse.Namespace) -> int:
    with _session(args) as session:
        done = import_caseload_file(session, Path(args.file))
    print(
        f"Imported {done.people:,} people and {done.records:,} records "
        f"({done.revisions:,} revisions), queued for the council's gateway."
    )
    return EXIT_OK


_FOLLOWS_ON = {
    "needs_assessment": "care_support_plan",
    "care_support_plan": "care_review",
    "carers_assessment": "carers_support_plan",
    "carers_support_plan": "care_review",
}
"""With `record start --from RECORD` and no --form: the form that follows the record's."""


def cmd_record_start(args: argparse.Namespace) -> int:
    if args.from_record is None and (args.person is None or args.form is None):
        raise ValidationError(
            "Say whom the record is about and which form to start.",
            "Add --person ID --form FORM, or --from RECORD to start the record that follows a "
            "completed one (a plan from a needs assessment, a review from a plan).",
        )
    with _session(args) as session:
        from_record = AssessmentId(args.from_record) if args.from_record else None
        person = args.person
        form_id = args.form
        if from_record is not None:
            source = session.records.get(from_record)
            person = person or source.person_id
            if form_id is None and source.form_id == reviews.REVIEW_FORM:
                print(reviews.start_from_review(session, from_record).id)
                return EXIT_OK
            if form_id is None:
                form_id = _FOLLOWS_ON.get(source.form_id, "care_support_plan")
        record = start_record(
            session,
            session.forms.latest(form_id),
            PersonId(person),
            cared_for_id=PersonId(args.cared_for) if args.cared_for else None,
            from_record=from_record,
        )
        print(record.id)
    return EXIT_OK


def cmd_record_complete(args: argparse.Namespace) -> int:
    from assessor_app.core.services.documents import finalise_record  # pyHanko: slow to import

    with _session(args) as session:
        done = finalise_record(session, AssessmentId(args.record))
        record, doc = done.record, done.document
        print(
            f"{record.id}\t{record.status.value}\trevision {record.revision}\tsigned PDF {doc.id}"
        )
    return EXIT_OK


def cmd_record_sign(args: argparse.Namespace) -> int:
    from assessor_app.core.services.record_signatures import (
        AlreadySignedError,
        sign_record,
        signature_answer,
    )

    if args.signer is None and args.field is None:
        raise ValidationError(
            "Say who signs.", "Add --as assessor, person, carer or representative (or --field ID)."
        )
    with _session(args) as session:
        value = signature_answer(
            args.name,
            session.today().isoformat(),
            unable=args.unable,
            detail=args.detail,
            capacity=args.capacity,
            capacity_detail=args.capacity_detail,
        )
        try:
            done = sign_record(
                session,
                AssessmentId(args.record),
                value,
                signer=args.signer,
                field_id=args.field,
                replace=args.replace,
            )
        except AlreadySignedError as e:
            raise ValidationError(
                e.user_message, "Nothing was changed. To record it again, add --replace."
            ) from e
    how = (
        f"unable to sign ({UNABLE_REASONS[args.unable]})"
        if args.unable
        else "signed by typing their name"
    )
    again = " (replacing the earlier one)" if done.replaced else ""
    print(
        f"{done.record.id}\t{done.field.id}\t{args.name.strip()}\t{how}{again}\t"
        f"revision {done.record.revision}"
    )
    return EXIT_OK


def cmd_record_answer(args: argparse.Namespace) -> int:
    from assessor_app.core.services.record_answers import answer_record

    typed = []
    for pair in args.answers:
        path, sep, text = pair.partition("=")
        if not sep or not path.strip():
            raise ValidationError(
                f"'{pair}' is not QUESTION=ANSWER.",
                "Write each answer as its question's id, '=', then the answer, in quotes if it "
                "has spaces: consent=consented 'notes=Seen at home'.",
            )
        typed.append((path.strip(), text))
    with _session(args) as session:
        record = answer_record(session, AssessmentId(args.record), typed)
    print(
        f"{record.id}\t{len(typed)} answer{'s' if len(typed) != 1 else ''} saved\trevision "
        f"{record.revision}"
    )
    return EXIT_OK


def cmd_record_amend(args: argparse.Namespace) -> int:
    from assessor_app.core.services.records import amend_record

    with _session(args) as session:
        record = amend_record(session, AssessmentId(args.record))
        print(f"{record.id}\t{record.status.value}\trevision {record.revision}")
    return EXIT_OK


def cmd_record_pdf(args: argparse.Namespace) -> int:
    from assessor_app.core.pdf.document import Variant
    from assessor_app.core.services.documents import write_record_pdf

    with _session(args) as session:
        print(
            write_record_pdf(
                session, AssessmentId(args.record), Path(args.out), variant=Variant(args.variant)
            )
        )
    return EXIT_OK


def cmd_record_documents(args: argparse.Namespace) -> int:

    with _session(args) as session:
        for d in session.documents.list_for_assessment(args.record):
            print(
                f"{d.id}\t{d.kind}\t{d.variant}\trev {d.revision}\t"
                f"{d.created_at.isoformat(timespec='seconds')}\t{d.signer}\t{d.filename}"
            )
    return EXIT_OK


def cmd_record_letter(args: argparse.Namespace) -> int:
    from assessor_app.core.pdf.document import Variant
    from assessor_app.core.services.documents import make_letter
    from assessor_app.core.storage.documents import export_document

    out = Path(args.out)
    with _session(args) as session:
        doc = make_letter(session, AssessmentId(args.record), args.letter, Variant(args.variant))
        print(export_document(session.documents.data(doc.id), out.parent, out.name))
    return EXIT_OK


def cmd_record_export_pdf(args: argparse.Namespace) -> int:
    from assessor_app.core.services.documents import export_kept

    with _session(args) as session:
        print(export_kept(session, DocumentId(args.document), Path(args.out)))
    return EXIT_OK


def cmd_chc_export(args: argparse.Namespace) -> int:
    with _session(args) as session:
        secret = (
            None
            if args.no_passphrase
            else _read_passphrase(
                EXCHANGE_PASSPHRASE_ENV, "Passphrase agreed by the MDT: ", confirm=True
            )
        )
        fingerprint = export_member_contribution(
            session,
            AssessmentId(args.record),
            args.contribution,
            Path(args.out),
            passphrase=secret,
        )
        print(args.out)
        print(f"Your key's fingerprint: {fingerprint} (read it to the coordinator if asked).")
    return EXIT_OK


def _with_exchange_passphrase(run: Callable[[str | None], T]) -> T:
    """Open a contribution file by this profile's key; ask the MDT's passphrase if it needs it."""
    try:
        return run(None)
    except PassphraseNeededError:
        return run(_read_passphrase(EXCHANGE_PASSPHRASE_ENV, "Passphrase agreed by the MDT: "))


def cmd_chc_import(args: argparse.Namespace) -> int:
    with _session(args) as session:
        try:
            result = _with_exchange_passphrase(
                lambda secret: import_member_contribution(
                    session,
                    AssessmentId(args.record),
                    Path(args.file),
                    passphrase=secret,
                    confirmed_fingerprint=args.confirm_fingerprint,
                )
            )
        except UnconfirmedMemberKeyError as e:
            raise _confirm_first(e.user_message, e.name, e.fingerprint) from e
        print(f"{result.outcome}\t{result.contributor}")
    return EXIT_OK


def cmd_chc_keys(args: argparse.Namespace) -> int:
    with _session(args) as session, session.vault.transaction() as conn:
        for member in list_members(conn):
            print(f"{member.name}\t{member.fingerprint}\t{member.source}\t{member.bound_at[:10]}")
    return EXIT_OK


def cmd_chc_rebind(args: argparse.Namespace) -> int:
    with _session(args) as session:
        bound = _with_exchange_passphrase(
            lambda secret: rebind_member_key(
                session,
                Path(args.file),
                passphrase=secret,
                confirmed_fingerprint=args.confirm_fingerprint,
            )
        )
    print(f"{bound.name} is now bound to the key {bound.fingerprint}; the old binding is kept.")
    return EXIT_OK


def cmd_chc_fingerprint(args: argparse.Namespace) -> int:
    with _session(args) as session:
        print(own_fingerprint(session))
    return EXIT_OK


def _form_title(session: Session, form_id: str, version: int) -> str:
    """The form's title as the app shows it, or its id when that version is not installed."""
    try:
        return session.forms.get(form_id, version).title
    except AssessorError:
        return f"{form_id} (version {version}, not installed)"


def cmd_record_list(args: argparse.Namespace) -> int:
    with _session(args) as session:
        people, records = session.people, session.records
        targets = [people.get(args.person)] if args.person else people.search("", limit=10**9)
        found = [(r, p) for p in targets for r in records.list_for_person(p.id)]
        oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
        found.sort(key=lambda rp: rp[0].updated_at or oldest, reverse=True)
        if not found:  # said on stderr, as for person list: stdout stays empty for scripts
            print(
                "No records yet: start one with 'assessor-cli record start --person ID --form "
                "FORM'.",
                file=sys.stderr,
            )
        # One record a line, tab-separated (for cut, awk, a spreadsheet), newest change first:
        # record id, person, form title, status, last changed (local time).
        for r, person in found:
            stamp = r.updated_at.astimezone().strftime("%Y-%m-%d %H:%M") if r.updated_at else "-"
            print(
                f"{r.id}\t{person.details.display_name}\t"
                f"{_form_title(session, r.form_id, r.form_version)}\t{r.status.value}\t{stamp}"
            )
    return EXIT_OK


def cmd_record_history(args: argparse.Namespace) -> int:
    with _session(args) as session:
        for rev in session.records.history(args.record):
            print(
                f"{rev.seq}\t{rev.created_at.isoformat(timespec='seconds')}\t{rev.author}\t"
                f"{rev.body['status']}\t{rev.hash[:16]}"
            )
        source = session.records.provenance(args.record)
        if source:
            key = source["exporter_fingerprint"]
            signed = f"signed by key {key}" if key else "an unsigned file"
            print(
                f"Imported from record {source['source_record_id']} revision "
                f"{source['source_revision']} ({source['source_revision_hash'][:16]}), "
                f"exported by {source['exported_by']}: {signed}."
            )
    return EXIT_OK


def cmd_record_export(args: argparse.Namespace) -> int:
    with _session(args) as session:
        data = export_record(session, AssessmentId(args.record))
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if args.out:
        write_atomic(Path(args.out), text.encode("utf-8"))
    else:
        print(text)
    return EXIT_OK


def cmd_record_import(args: argparse.Namespace) -> int:
    data = _load_json_file(args.file)
    with _session(args) as session:
        try:
            record = import_record(
                session,
                data,
                person_differs=args.person_differs,
                confirmed_fingerprint=args.confirm_fingerprint,
                allow_unsigned=args.unsigned,
            )
        except UnconfirmedExporterKeyError as e:
            raise _confirm_first(e.user_message, e.name, e.fingerprint) from e
        print(record.id)
    return EXIT_OK


def _enrol_by_file(args: argparse.Namespace) -> int:
    """Enrol by file: `--request-file OUT --code C`, later `--answer-file A --fingerprint F`."""
    from assessor_app.core.sync_client import inbound

    if args.request_file:
        if not args.code:
            raise AssessorError(
                "An enrolment request needs the one-time code IT gave you (--code).",
                "Run it again with --code.",
            )
        with _session(args) as session:
            inbound.write_enrolment_request(session.vault, args.code, Path(args.request_file))
        print(
            f"Wrote the enrolment request to {args.request_file}. Take it to IT; bring back "
            "their answer file and run 'assessor-cli sync enrol --answer-file FILE "
            '--fingerprint "…"\' with the fingerprint IT reads out.'
        )
        return EXIT_OK
    if not args.fingerprint:
        raise AssessorError(
            "Give the gateway's fingerprint as IT read it out (--fingerprint 'XXXX XXXX …'): "
            "the laptop checks the answer came from the council's gateway by it.",
            "Ask IT for the fingerprint; 'assessor-gateway enrol-file' prints it.",
        )
    try:
        data = Path(args.answer_file).read_bytes()
    except OSError as e:
        raise AssessorError(
            f"Can't read {args.answer_file} ({e.strerror}). Nothing was changed.",
            "Check the memory stick is in and the file name is right.",
        ) from e
    with _session(args) as session:
        done = inbound.finish_enrolment_by_file(
            session.vault,
            data,
            args.fingerprint,
            dt.datetime.now(dt.UTC),
            gateway_url=args.gateway or "",
        )
    print(
        f"Enrolled as device {done.device_id} by file. Send your work with 'assessor-cli "
        "bundle export FILE', and import what IT sends back with 'assessor-cli bundle import "
        "FILE'."
    )
    return EXIT_OK


def cmd_sync_enrol(args: argparse.Namespace) -> int:
    from assessor_app.core.sync_client.client import enrol
    from assessor_app.core.sync_client.transport import TransportError

    if args.request_file or args.answer_file:
        return _enrol_by_file(args)
    if not args.gateway or not args.code:
        raise AssessorError(
            "Enrolling online needs the gateway's address (--gateway) and the one-time code "
            "(--code).",
            "For a laptop that never connects, enrol by file: --request-file, then --answer-file.",
        )
    if bool(args.ca) == bool(args.fingerprint):
        raise AssessorError(
            "Name how the laptop knows the gateway the first time: its fingerprint "
            "(--fingerprint 'XXXX XXXX …') or its CA certificate file (--ca FILE), one of "
            "the two.",
            "IT gives either with the enrolment code; afterwards the laptop pins the CA the "
            "gateway names.",
        )
    first_contact = None
    if args.ca:
        try:
            first_contact = Path(args.ca).read_bytes()
        except OSError as e:
            raise AssessorError(
                f"The gateway's CA certificate file {args.ca} cannot be read.",
                "Check the file IT gave you, or enrol with --fingerprint instead.",
            ) from e
    with _session(args) as session:
        try:
            done = enrol(
                session.vault,
                args.gateway,
                args.code,
                first_contact_ca=first_contact,
                fingerprint=args.fingerprint,
            )
        except TransportError as e:
            raise AssessorError(str(e)) from e
        print(f"Enrolled as device {done.device_id} with {done.gateway_url}.")
        from assessor_app.core.services.signing import profile_signing_identity  # pyHanko

        signer = profile_signing_identity(session.vault)
        if not signer.is_self_signed:
            print(
                f"PDFs signed from now on carry {signer.common_name}'s certificate from "
                f"{signer.issuer_common_name}."
            )
    return EXIT_OK


def _sync_error(e: Exception) -> AssessorError:
    return AssessorError(str(e), "Your records are kept on this laptop, queued.")


def cmd_sync_status(args: argparse.Namespace) -> int:
    from assessor_app.core.services.sync_problems import held_changes
    from assessor_app.core.storage import document_outbox, other_versions, outbox
    from assessor_app.core.storage.enrolment import load_enrolment
    from assessor_app.core.storage.leaving import leaving
    from assessor_app.core.sync_client.client import form_title, pending_documents_text
    from assessor_app.core.sync_client.file_transport import SENT_BY_FILE

    with _session(args) as session:
        enrolled = load_enrolment(session.vault)
        s = outbox.summary(session.vault.conn)
        held = held_changes(session)
        forked = len(other_versions.open_chains(session.vault.conn))
        pending = document_outbox.pending(session.vault.conn)
        documents = pending_documents_text(pending, form_title(session.forms))
        by_file = sum(
            1
            for i in outbox.items(session.vault.conn)
            if i.state is outbox.OutboxState.RETRYING and i.reason == SENT_BY_FILE
        )
        moving = sorted(leaving(session.vault.conn))
    where = f"enrolled with {enrolled.gateway_url}" if enrolled else "not enrolled"
    print(f"This laptop is {where}.")
    print(
        f"Queued: {s.queued}  Retrying: {s.retrying}  Held: {s.quarantined}  "
        f"Sent: {s.acknowledged}  Last sent: {s.last_acknowledged_at or 'never'}"
    )
    if by_file:
        print(f"{SENT_BY_FILE.rstrip('.')}: {by_file}")
    for item in held:
        print(
            f"held\t{item.entity_type}\t{item.entity_id}\trev {item.revision}\t{item.what}\t"
            f"{item.reason}"
        )
    if documents:
        print(f"{documents}.")
    for doc in pending:
        state = "held" if doc.state is outbox.OutboxState.QUARANTINED else "pdf"
        why = doc.reason or ("waiting for its record to be sent" if not doc.revision_sent else "")
        print(f"{state}\tdocument\t{doc.document_id}\trecord {doc.assessment_id}\t{why}")
    if forked:
        print(f"{_records_with(forked)}: see 'assessor-cli sync versions'.")
    for person_id in moving:
        print(
            f"moving\tperson\t{person_id}\tmoved to another caseload: removed from this laptop "
            "once its work on them is sent"
        )
    return EXIT_OK


def _records_with(n: int) -> str:
    return f"{n} record{' has' if n == 1 else 's have'} another version"


def _stamp(when: dt.datetime) -> str:
    return when.astimezone().strftime("%d/%m/%Y %H:%M")


def cmd_sync_versions(args: argparse.Namespace) -> int:
    from assessor_app.core.services import sync_problems

    with _session(args) as session:
        comparisons = [
            sync_problems.compare_versions(session, f.record_id)
            for f in sync_problems.records_with_other_versions(session)
        ]
    if not comparisons:
        print("No record has another version.")
    for c in comparisons:
        r = c.record
        print(f"{r.record_id}\t{r.form_title} for {r.person_name}")
        for side, v in (("This laptop", r.mine), ("Other version", r.theirs)):
            status = f", {v.status.value}" if v.status is not None else ""
            print(f"  {side}: {v.author}, {_stamp(v.saved_at)}{status}")
        for d in c.differences:
            print(f"  {d.question}")
            print(f"    this laptop:   {d.mine}")
            print(f"    other version: {d.theirs}")
        for note in c.notes:
            print(f"  {note}")
    if comparisons:
        print("Choose with 'assessor-cli sync choose RECORD --mine' or '--theirs'.")
    return EXIT_OK


def cmd_sync_choose(args: argparse.Namespace) -> int:
    from assessor_app.core.services import sync_problems

    with _session(args) as session:
        choose = sync_problems.take_theirs if args.theirs else sync_problems.keep_mine
        chosen = choose(session, args.record)
    kept = "the other version" if args.theirs else "this laptop's version"
    if isinstance(chosen, Person):
        print(f"Kept {kept} of {chosen.details.display_name}'s details; queued for sync.")
    else:
        print(f"Kept {kept} of record {chosen.id} as revision {chosen.revision}; queued for sync.")
    return EXIT_OK


def cmd_bundle_export(args: argparse.Namespace) -> int:
    from assessor_app.core.sync_client.file_transport import export_bundle

    with _session(args) as session:
        report = export_bundle(session.vault, Path(args.file), dt.datetime.now(dt.UTC))
    if not report.revisions:
        print("Nothing is waiting to be sent, so no bundle was written.")
        return EXIT_OK
    print(
        f"Wrote bundle {report.sequence} with {report.revisions} revision(s) and "
        f"{report.documents} signed PDF(s) to {args.file}. They show 'sent by file, awaiting "
        "receipt' until the gateway's receipt is imported ('assessor-cli bundle import "
        "RECEIPT')."
    )
    return EXIT_OK


def cmd_bundle_import(args: argparse.Namespace) -> int:
    from assessor_app.core.sync_client.inbound import InboundReport, import_file, inbound_text

    try:
        data = Path(args.file).read_bytes()
    except OSError as e:
        raise AssessorError(
            f"Can't read {args.file} ({e.strerror}). Nothing was changed.",
            "Check the memory stick is in and the file name is right.",
        ) from e
    with _session(args) as session:
        report = import_file(session.vault, data, dt.datetime.now(dt.UTC))
    if report.withdrawn is not None:
        from assessor_app.core.sync_client.governance import withdrawal_text

        title, text = withdrawal_text(report.withdrawn)
        print(f"assessor-cli: {title}. {text}", file=sys.stderr)
        return EXIT_USAGE
    if isinstance(report, InboundReport):
        print(inbound_text(report))
        return EXIT_OK
    print(
        f"Acknowledged {report.acknowledged}; still queued {report.waiting}; "
        f"held {report.held}; signed PDFs acknowledged {report.documents}."
    )
    return EXIT_OK


def _refuse_past_lease(session: Session) -> None:
    """As the window does: past its lease, nothing is shown until a sync or IT's code.

    Raises:
        AssessorError: The laptop is past its lease (the message says both ways out).
    """
    from assessor_app.core.sync_client.lease import check_lease, lock_message

    state = check_lease(session.vault, dt.datetime.now(dt.UTC))
    if state.locked:
        raise AssessorError(
            lock_message(state),
            "Run 'assessor-cli sync now', or 'assessor-cli vault unlock-code CODE' with the "
            "code IT reads out.",
        )


def cmd_vault_unlock_code(args: argparse.Namespace) -> int:
    from assessor_app.core.sync_client.lease import enter_unlock_code

    with _session(args) as session:
        state = enter_unlock_code(session.vault, args.code, dt.datetime.now(dt.UTC))
    until = state.unlocked_until
    if until is not None:
        print(f"The laptop is open until {until:%d/%m/%Y %H:%M} UTC, or until it next syncs.")
    else:
        print("The laptop is open: it is within its lease.")
    return EXIT_OK


def cmd_sync_now(args: argparse.Namespace) -> int:
    from assessor_app.core.sync_client.client import form_title, sync_now, transport_for
    from assessor_app.core.sync_client.transport import TransportError

    with _session(args) as session:
        transport = transport_for(session.vault)

        def titled(form_id: str, version: int) -> str:
            # Forms are loaded only when a held item needs its title.
            return form_title(session.forms)(form_id, version)

        try:
            report = sync_now(session.vault, transport, form_title=titled)
        except TransportError as e:
            raise _sync_error(e) from e
        finally:
            transport.close()
    if report.withdrawn is not None:
        from assessor_app.core.sync_client.governance import withdrawal_text

        title, text = withdrawal_text(report.withdrawn)
        print(f"Sent {report.sent}.")
        print(f"assessor-cli: {title}. {text}", file=sys.stderr)
        return EXIT_USAGE
    print(f"Sent {report.sent}; held {report.held}; still queued {report.waiting}.")
    if report.received or report.moving or report.released:
        print(
            f"Caseload: {report.people_received} new people, {report.received} changes "
            f"received; {report.released} moved away and removed from this laptop; "
            f"{report.moving} moving, kept until this laptop's work on them is sent."
        )
    if report.dst_received or report.dst_new:
        print(
            f"Shared DSTs: {report.dst_new} newly shared with you; {report.dst_received} "
            "contributions from other MDT members merged."
        )
    for why in report.dst_refused:
        print(f"Shared DST: {why}", file=sys.stderr)
    if report.other_versions:
        print(f"{_records_with(report.other_versions)}: see 'assessor-cli sync versions'.")
    if report.documents_sent or report.documents_held or report.documents_waiting:
        print(
            f"Signed PDFs sent {report.documents_sent}; held {report.documents_held}; "
            f"still to send {report.documents_waiting}."
        )
    if report.reference:
        print("New from the council: " + ", ".join(report.reference) + ".")
    if report.problem:
        print(f"assessor-cli: {report.problem}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def cmd_settings(args: argparse.Namespace) -> int:
    """Print every setting, the value in force and where it comes from."""
    del args
    current = settings.current()
    source = settings.settings_file()
    print(f"Settings file: {source if source is not None else 'none'}")
    defaults = settings.Settings()
    for s in settings.SETTINGS:
        value = getattr(current, s.key)
        unset = value == getattr(defaults, s.key)
        if os.environ.get(s.env):
            origin = f"from ${s.env}"
        elif not unset and source is not None:
            origin = f"from {source.name}"
        else:
            origin = "default"
        shown = s.default if unset else value
        print(f"{s.key} = {shown}  ({origin}; ${s.env})")
    return EXIT_OK


def cmd_forms_check(args: argparse.Namespace) -> int:
    problems = check_forms_dir(Path(args.dir))
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return EXIT_USAGE
    print(f"All form definitions in {args.dir} are valid.")
    return EXIT_OK


def cmd_forms_evaluate(args: argparse.Namespace) -> int:
    registry = load_forms_dir(args.forms_dir)
    form = registry.get(args.form, args.version) if args.version else registry.latest(args.form)
    answers = _load_json_file(args.answers)
    if not isinstance(answers, dict):
        raise ValidationError(f"{args.answers} must hold a JSON object of answers.")
    _print_json(evaluate(form, answers, today=dt.date.today()).to_json())
    return EXIT_OK


def cmd_audit_verify(args: argparse.Namespace) -> int:
    with _session(args) as session:
        damage = session.vault.integrity_problems()
        report = verify_chains(session.vault.conn) if not damage else None
        anchored = session.vault.anchor_report()
    if damage:
        print(
            "The records file is damaged: "
            + "; ".join(damage[:5])
            + ". Keep this laptop as it is and tell IT; do not delete the profile.",
            file=sys.stderr,
        )
        return 6
    assert report is not None
    if report.ok and anchored is None:
        print(
            f"History intact: {report.revisions_checked} revisions and "
            f"{report.audit_entries_checked} audit entries check out, and the records file "
            "is the newest this profile saved."
        )
        return EXIT_OK
    if not report.ok:
        last = f" Last good point: {report.last_good}." if report.last_good else ""
        print(
            f"History broken ({report.kind}): {report.first_break}.{last} Keep this laptop as "
            "it is and tell IT.",
            file=sys.stderr,
        )
    if anchored is not None:
        print(
            f"Records file not as this profile left it: {anchored.message}. "
            "Keep this laptop as it is and tell IT.",
            file=sys.stderr,
        )
    return 6


def cmd_audit_acknowledge(args: argparse.Namespace) -> int:
    with _session(args) as session:
        done = session.vault.acknowledge_history_problem()
    print(
        "Acknowledged: this records file is kept as it is, and the mismatch is no longer "
        "reported (its record is kept as head-mismatch.resolved-<time>.json)."
        if done
        else "There was no mismatch to acknowledge."
    )
    return EXIT_OK


def cmd_passphrase_change(args: argparse.Namespace) -> int:
    old = _read_passphrase(PASSPHRASE_ENV, "Current passphrase: ")
    new = _read_passphrase(NEW_PASSPHRASE_ENV, "New passphrase: ", confirm=True)
    vault = Vault.open(args.data_dir, _choose_profile(args), old)
    try:
        vault.change_passphrase(old, new, _kdf(args), rotate_key=not args.keep_key)
    finally:
        vault.close()
    if args.keep_key:
        print(
            "Passphrase changed. The database key was kept: a copy of this profile's "
            "keyslots.json taken before now still opens it with the old passphrase. If "
            "someone else may know the old passphrase, change it again without --keep-key."
        )
    else:
        print(
            "Passphrase changed and the database key replaced: no copy of the key file taken "
            "before now opens these records as they are now."
        )
    return EXIT_OK


def _secret_from_file(path: str, what: str) -> str:
    """A passphrase kept in a file (for scripts): its first line, without the line end."""
    text = _read_input_file(path, what).decode("utf-8", "replace")
    return text.splitlines()[0] if text else ""


def cmd_vault_recover(args: argparse.Namespace) -> int:
    from assessor_app.core.storage.recovery_key import load_private_key

    profile_id = _choose_profile(args)
    key_file = _read_input_file(args.recovery_key, "recovery key file")
    if args.recovery_passphrase_file:
        secret = _secret_from_file(args.recovery_passphrase_file, "recovery key's passphrase")
    elif sys.stdin.isatty():
        secret = getpass.getpass("Passphrase of the recovery key file: ")
    else:
        raise AssessorError(
            "No passphrase was given for the recovery key file.",
            "Give --recovery-passphrase-file FILE, or run the command in a terminal.",
        )
    private_key = load_private_key(key_file, secret)
    if args.new_passphrase_file:
        new = _secret_from_file(args.new_passphrase_file, "new passphrase")
    else:
        new = _read_passphrase(
            NEW_PASSPHRASE_ENV, "New passphrase for the assessor: ", confirm=True
        )
    Vault.recover(args.data_dir, profile_id, private_key, new, kdf=_kdf(args))
    print(
        f"Recovered profile {profile_id}: it now opens with the new passphrase, and nothing in "
        "it was changed. Give the new passphrase to the assessor in person; their queued work "
        "is sent at the next sync."
    )
    return EXIT_OK


def cmd_vault_info(args: argparse.Namespace) -> int:
    with _session(args) as session:
        _print_json(session.vault.info())
    return EXIT_OK


def cmd_vault_rekey(args: argparse.Namespace) -> int:
    passphrase = _read_passphrase(PASSPHRASE_ENV, "Passphrase: ")
    vault = Vault.open(args.data_dir, _choose_profile(args), passphrase)
    try:
        vault.rekey(passphrase, _kdf(args))
    finally:
        vault.close()
    print("The database key was rotated.")
    return EXIT_OK


def cmd_vault_backups(args: argparse.Namespace) -> int:
    from assessor_app.core.storage.backups import list_backups
    from assessor_app.core.storage.profiles import profiles_dir

    found = list_backups(profiles_dir(args.data_dir) / _choose_profile(args))
    for b in found:
        print(f"{b.name}\t{b.made_at.isoformat(timespec='seconds')}\t{b.size} bytes")
    if not found:
        print("No backups yet: one is made when the app locks, at most once an hour.")
    return EXIT_OK


def cmd_vault_restore(args: argparse.Namespace) -> int:
    passphrase = _read_passphrase(PASSPHRASE_ENV, "Passphrase: ")
    chosen = Vault.restore(args.data_dir, _choose_profile(args), passphrase, args.backup)
    print(
        f"Restored the backup made {chosen.made_at.isoformat(timespec='seconds')}. The file "
        "it replaced is kept beside it as vault.db.replaced-<time>; anything saved after the "
        "backup is only in that file."
    )
    return EXIT_OK


def cmd_vault_salvage(args: argparse.Namespace) -> int:
    from assessor_app.core.storage.salvage import salvage

    passphrase = _read_passphrase(PASSPHRASE_ENV, "Passphrase: ")
    vault = Vault.open(args.data_dir, _choose_profile(args), passphrase, read_only=True)
    try:
        report = salvage(vault, args.data_dir, passphrase, kdf=_kdf(args))
    finally:
        vault.close()
    print(
        f"Copied into a new profile {report.profile_id} (same passphrase): {report.people} "
        f"people, {report.records} records ({report.from_history} from an earlier revision, "
        f"their latest being unreadable), {report.documents} signed PDFs."
    )
    if report.lost:
        print("Could not be read at all: " + ", ".join(report.lost), file=sys.stderr)
    return EXIT_OK


def _read_input_file(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError as e:
        raise ValidationError(f"There is no file {path}.", f"Check the path of the {what}.") from e
    except OSError as e:
        raise ValidationError(
            f"{path} cannot be read ({e.strerror}).", f"Check the path of the {what}."
        ) from e


def cmd_pdf_verify(args: argparse.Namespace) -> int:
    # Needs no profile or passphrase: a signed PDF must be checkable on any machine.
    # Imported here, not at the top: pyHanko takes ~0.6 s to import, which every other
    # command would otherwise pay.
    from assessor_app.core.pdf.verify import verify_pdf

    roots = [_read_input_file(p, "trusted root certificate") for p in args.trust_root or ()]
    report = verify_pdf(_read_input_file(args.file, "PDF"), roots)
    print("\n".join(report.lines()))
    if report.ok:
        return EXIT_OK
    print(
        "assessor-cli: a signature in this PDF is broken or the file was changed after "
        "signing. Do not rely on it; ask the sender for the original.",
        file=sys.stderr,
    )
    return EXIT_SIGNATURE_BROKEN


class _session:  # noqa: N801 - used as a with-statement helper, reads like a function
    """Unlock for the length of a with-block as a `Session`, and always lock again.

    The forms are loaded from ``--forms-dir`` (else the settings) when a command first needs
    them; the clock is the real one.
    """

    def __init__(self, args: argparse.Namespace):
        self.args = args

    def __enter__(self) -> Session:
        forms_dir = self.args.forms_dir
        self.session = Session(_unlock(self.args), lambda: load_forms_dir(forms_dir))
        if getattr(self.args, "func", None) not in _PAST_LEASE_ALLOWED:
            try:
                _refuse_past_lease(self.session)
            except BaseException:
                self.session.vault.close()
                raise
        return self.session

    def __exit__(self, *exc: object) -> None:
        self.session.vault.close()


_PAST_LEASE_ALLOWED = frozenset(
    {
        cmd_sync_now,
        cmd_sync_enrol,
        cmd_sync_status,
        cmd_vault_unlock_code,
        cmd_bundle_export,
        cmd_bundle_import,
    }
)
"""Commands a laptop past its lease may still run: each is a way back to the council."""


# -- parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per task."""
    RECORD_HELP = "the record's id, from 'record list'"  # noqa: N806 - a constant in one function
    parser = argparse.ArgumentParser(
        prog="assessor-cli",
        description="Assessor on the command line, for IT staff and scripts. Commands that "
        f"read records unlock the profile with ${PASSPHRASE_ENV} or, in a terminal, a prompt. "
        "Exit codes are listed in docs/cli.md.",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="the folder that holds the profiles (else the data_dir setting, else your user "
        "data folder); give it before the command",
    )
    parser.add_argument(
        "--profile",
        metavar="ID",
        help="which profile to use, by the id 'profile list' prints (else the profile setting, "
        "or the only profile there is)",
    )
    parser.add_argument(
        "--forms-dir",
        metavar="DIR",
        default=None,
        help="the folder of form definitions to use (else the forms_dir setting, else the "
        "forms installed with the app)",
    )
    parser.add_argument("--insecure-fast-kdf", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, func: Callable[[argparse.Namespace], int], help_text: str, into: Any = sub
    ) -> argparse.ArgumentParser:
        # The help is also the description, so "COMMAND --help" says what the command does.
        p: argparse.ArgumentParser = into.add_parser(
            name, help=help_text, description=help_text[:1].upper() + help_text[1:] + "."
        )
        p.set_defaults(func=func)
        return p

    def group(name: str, help_text: str) -> Any:
        """A command with sub-commands of its own (`record start`, `record list` ...)."""
        p = sub.add_parser(
            name, help=help_text, description=help_text[:1].upper() + help_text[1:] + "."
        )
        return p.add_subparsers(dest="sub", required=True, metavar="COMMAND")

    profile = group(
        "profile", "create a profile (one for each assessor on this laptop) or list them"
    )
    p = add(
        "create",
        cmd_profile_create,
        "create a profile for yourself, protected by a passphrase; prints its id",
        profile,
    )
    p.add_argument(
        "--name", required=True, help="your name in full, as it is to appear on records and PDFs"
    )
    p.add_argument(
        "--role",
        required=True,
        choices=[r.value for r in Role],
        help="your professional role, recorded on every change you make: one of %(choices)s",
    )
    p.add_argument(
        "--authority",
        required=True,
        help="the council or NHS body you assess for, e.g. 'Exampleshire County Council'",
    )
    add("list", cmd_profile_list, "list the profiles on this laptop: id, name, created", profile)
    add("unlock", cmd_unlock, "check the passphrase opens the profile")

    person = group("person", "add people to the caseload, or list and search them")
    p = add("add", cmd_person_add, "add a person to the caseload; prints their id", person)
    p.add_argument("--given", required=True, metavar="NAME", help="given (first) name")
    p.add_argument("--family", required=True, metavar="NAME", help="family name (surname)")
    p.add_argument("--dob", metavar="DATE", help="date of birth, DD/MM/YYYY or YYYY-MM-DD")
    p.add_argument("--nhs", metavar="NUMBER", help="NHS number, 10 digits, spaces allowed")
    p.add_argument(
        "--authority-id", metavar="ID", help="the council's own id for the person, if any"
    )
    p.add_argument(
        "--prison-number", metavar="NUMBER", help="prison number for someone in custody (A1234BC)"
    )
    p.add_argument("--address", help="home address, in quotes, commas between lines")
    p.add_argument(
        "--setting",
        default="own_home",
        choices=[s.value for s in Setting],
        metavar="SETTING",
        help="where they live now: one of %(choices)s (default %(default)s)",
    )
    p.add_argument(
        "--establishment",
        metavar="NAME",
        help="the prison, hospital or care home they are in, by name",
    )
    p.add_argument(
        "--conviction",
        choices=[c.value for c in ConvictionStatus],
        metavar="STATUS",
        help="someone in custody: %(choices)s",
    )
    p.add_argument(
        "--release", metavar="DATE", help="expected release date, DD/MM/YYYY or YYYY-MM-DD"
    )
    p = add(
        "list",
        cmd_person_list,
        "list or search people: id, name, date of birth, NHS number, setting",
        person,
    )
    p.add_argument(
        "--search",
        metavar="TEXT",
        help="words that must all match the name, NHS number, an id or the date of birth",
    )
    p.add_argument(
        "--limit",
        type=int,
        default=1000,
        metavar="N",
        help="list at most N people (default %(default)s)",
    )

    caseload = group("caseload", "seed the caseload from a file the council's IT wrote")
    p = add(
        "import",
        cmd_caseload_import,
        "add many people and their records from a caseload file, all or nothing; a bad line "
        "is reported by its number and field, and then nothing is imported",
        caseload,
    )
    p.add_argument(
        "file",
        metavar="FILE",
        help=f'JSON Lines: a first line {{"format": "{CASELOAD_FORMAT}"}}, then one '
        "person a line with their records (docs/cli.md describes it)",
    )

    record = group(
        "record", "assessment records: start, sign, complete, list, print, export and import"
    )
    p = add(
        "start",
        cmd_record_start,
        "start a draft of a form for a person; prints the record's id",
        record,
    )
    p.add_argument("--person", metavar="ID", help="who it is about: an id from 'person list'")
    p.add_argument(
        "--form",
        metavar="FORM",
        help="the form's id, e.g. needs_assessment, carers_assessment, financial_assessment, "
        "chc_checklist, care_support_plan (the names of the folders in the forms folder)",
    )
    p.add_argument("--cared-for", help="carer's assessment: id of the person cared for")
    p.add_argument(
        "--from",
        dest="from_record",
        metavar="RECORD",
        help="a completed record to start from (the person then follows from it): a needs "
        "assessment makes a care and support plan (or, with --form needs_assessment, a "
        "reassessment), a carer's assessment a carer's support plan, a plan of either kind "
        "makes a review, a review makes the revised plan or the "
        "reassessment it found is needed; a plan or review without it starts from the "
        "person's latest",
    )
    p = add(
        "complete",
        cmd_record_complete,
        "finalise a draft: check it, mark it completed and keep a signed PDF",
        record,
    )
    p.add_argument("record", metavar="RECORD", help=RECORD_HELP)
    p = add(
        "sign",
        cmd_record_sign,
        "sign a draft for someone by typing their name, or record why they are unable to sign",
        record,
    )
    p.add_argument("record", metavar="RECORD", help=RECORD_HELP)
    p.add_argument(
        "--as",
        dest="signer",
        choices=[s for s in SIGNER_LABELS if s != "mdt_member"],
        metavar="WHO",
        help="who signs: assessor (you), person (the person assessed), carer or representative "
        "(attorney, deputy or appointee); the form's signature question for them is answered",
    )
    p.add_argument(
        "--field",
        metavar="ID",
        help="the signature question by its id, where --as does not pick one (a form whose "
        "question names no signer)",
    )
    p.add_argument(
        "--name",
        required=True,
        help="the signer's name in full, in quotes: typed as their signature, or with --unable "
        "their name in print",
    )
    p.add_argument(
        "--unable",
        choices=list(UNABLE_REASONS),
        metavar="REASON",
        help="they are unable to sign, and why: "
        + "; ".join(f"{k} = {v.lower()}" for k, v in UNABLE_REASONS.items()),
    )
    p.add_argument(
        "--detail",
        metavar="TEXT",
        help="with --unable: why, in words (needed for 'other', e.g. 'Broken wrist, asked to "
        "sign next visit')",
    )
    p.add_argument(
        "--capacity",
        choices=list(REPRESENTATIVE_CAPACITIES),
        metavar="AUTHORITY",
        help="a representative's authority to sign: "
        + "; ".join(f"{k} = {v}" for k, v in REPRESENTATIVE_CAPACITIES.items()),
    )
    p.add_argument(
        "--capacity-detail",
        metavar="TEXT",
        help="with --capacity other: what authority they have and what you saw, in words",
    )
    p.add_argument(
        "--replace",
        action="store_true",
        help="replace a signature or reason already recorded for them (else that is refused)",
    )
    p = add(
        "answer",
        cmd_record_answer,
        "answer a draft's questions, as typed in the app, saved together as one revision",
        record,
    )
    p.add_argument("record", metavar="RECORD", help=RECORD_HELP)
    p.add_argument(
        "answers",
        nargs="+",
        metavar="QUESTION=ANSWER",
        help="a question's id (in a list of items: group[0].id, counting from 0), '=', and the "
        "answer as you would type it: dates DD/MM/YYYY or YYYY-MM-DD, money 12.50, yes or no, "
        "a choice by its value or its label, several choices separated by commas; nothing "
        "after '=' clears the answer",
    )
    p = add("amend", cmd_record_amend, "reopen a finalised record as an amendment", record)
    p.add_argument("record", metavar="RECORD", help=RECORD_HELP)
    variants = ["standard", "large_print", "easy_read"]
    p = add(
        "pdf",
        cmd_record_pdf,
        "write the record as a PDF: the signed one if finalised, else a DRAFT",
        record,
    )
    p.add_argument("record", metavar="RECORD", help=RECORD_HELP)
    p.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="where to write the PDF (an existing file is kept)",
    )
    p.add_argument(
        "--variant",
        choices=variants,
        default="standard",
        help="%(choices)s (default %(default)s): a finalised care and support plan keeps a "
        "signed easy read and large print edition for the person; other finalised records "
        "are kept in standard print",
    )
    p = add("documents", cmd_record_documents, "list the signed PDFs kept for a record", record)
    p.add_argument("record", metavar="RECORD", help=RECORD_HELP)
    p = add(
        "letter", cmd_record_letter, "make, sign and keep a letter from a finalised record", record
    )
    p.add_argument("record", metavar="RECORD", help=RECORD_HELP)
    p.add_argument(
        "letter",
        help="eligibility_record, ineligible_advice, checklist_outcome or financial_statement",
    )
    p.add_argument(
        "--variant",
        choices=variants,
        default="standard",
        help="how the letter is laid out: %(choices)s (default %(default)s)",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="where to write the letter's PDF")
    p = add("export-pdf", cmd_record_export_pdf, "write a kept signed PDF to a file", record)
    p.add_argument("document", help="id from 'record documents'")
    p.add_argument("--out", required=True, metavar="FILE", help="where to write the PDF")
    p = add(
        "list",
        cmd_record_list,
        "list records: id, person, form, status (draft, completed, amended), last changed",
        record,
    )
    p.add_argument(
        "--person", metavar="ID", help="only this person's records (an id from 'person list')"
    )
    p = add(
        "history",
        cmd_record_history,
        "show a record's revisions: number, time, author, status, hash",
        record,
    )
    p.add_argument("record", metavar="RECORD", help=RECORD_HELP)
    p = add("export", cmd_record_export, "export a record, signed with your key, as JSON", record)
    p.add_argument("record", metavar="RECORD", help=RECORD_HELP)
    p.add_argument("--out", metavar="FILE", help="write the JSON to this file (else it is printed)")
    p = add(
        "import",
        cmd_record_import,
        "import a record from JSON (its history and signature are checked first)",
        record,
    )
    p.add_argument("file", metavar="FILE", help="a JSON file that 'record export' wrote")
    p.add_argument(
        "--person-differs",
        choices=["attach", "new"],
        help="when the file's person id is here with other details: attach the record to the "
        "person here, or add the file's person as someone new (else refused)",
    )
    p.add_argument(
        "--confirm-fingerprint",
        metavar="DIGITS",
        help="the first file from a colleague: the fingerprint of their key, read to you",
    )
    p.add_argument(
        "--unsigned",
        action="store_true",
        help="take an unsigned file (older app, other system): it comes in as a new draft",
    )

    add("settings", cmd_settings, "show the settings in force and where each comes from")

    forms = group("forms", "check form definitions, or try answers against a form")
    p = add(
        "check",
        cmd_forms_check,
        "check every form definition in a folder and list the problems",
        forms,
    )
    p.add_argument("dir", metavar="DIR", help="a folder of form definitions (one folder per form)")
    p = add(
        "evaluate",
        cmd_forms_evaluate,
        "check answers against a form and work out its outcomes, as JSON",
        forms,
    )
    p.add_argument("form", metavar="FORM", help="the form's id, e.g. needs_assessment")
    p.add_argument(
        "answers",
        metavar="ANSWERS.json",
        help="a JSON file holding one object of answers, keyed by question id",
    )
    p.add_argument(
        "--version",
        type=int,
        metavar="N",
        help="the version of the form to use (else the newest installed)",
    )

    sync = group("sync", "send queued records to the council's gateway")
    p = add("enrol", cmd_sync_enrol, "enrol this laptop with the gateway (code from IT)", sync)
    p.add_argument("--gateway", help="https://… as IT gave it (online; optional by file)")
    p.add_argument("--code", help="the one-time enrolment code")
    p.add_argument(
        "--request-file",
        metavar="OUT",
        help="never online: write the enrolment request to this file for IT (with --code)",
    )
    p.add_argument(
        "--answer-file",
        metavar="ANSWER",
        help="never online: finish with IT's enrolment answer file (with --fingerprint)",
    )
    p.add_argument("--ca", help="the gateway's CA certificate for the first contact (PEM)")
    p.add_argument(
        "--fingerprint",
        help="instead of --ca: the gateway's fingerprint as IT gave it (groups of 4 hex digits)",
    )
    add("status", cmd_sync_status, "what is queued, held and sent", sync)
    add("now", cmd_sync_now, "send what is queued now, then bring the caseload up to date", sync)
    add(
        "versions",
        cmd_sync_versions,
        "records the gateway holds another version of, with what differs",
        sync,
    )
    p = add("choose", cmd_sync_choose, "keep one of a record's two versions", sync)
    p.add_argument("record", metavar="RECORD", help="the record's id")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--mine", action="store_true", help="keep this laptop's version")
    which.add_argument("--theirs", action="store_true", help="use the other version")

    bundle = group("bundle", "send queued records by file, for laptops that never connect")
    p = add(
        "export", cmd_bundle_export, "write what is queued into a bundle for the gateway", bundle
    )
    p.add_argument("file", metavar="FILE", help="where to write it (on the memory stick)")
    p = add(
        "import",
        cmd_bundle_import,
        "use a file from the gateway: a receipt, or an inbound bundle (caseload, lease, orders)",
        bundle,
    )
    p.add_argument("file", metavar="FILE", help="the receipt or inbound file the gateway wrote")

    audit = group("audit", "check that the records and their history have not been changed")
    add(
        "verify",
        cmd_audit_verify,
        "check the records file, its hash chains and that it is the newest this profile saved",
        audit,
    )
    add(
        "acknowledge",
        cmd_audit_acknowledge,
        "IT: keep this records file after a reported rollback or swap, and stop reporting it",
        audit,
    )
    passphrase = group("passphrase", "change the passphrase that opens this profile")
    p = add(
        "change",
        cmd_passphrase_change,
        "change the passphrase (and replace the database key, unless --keep-key)",
        passphrase,
    )
    p.add_argument(
        "--keep-key",
        action="store_true",
        help="only rewrap the key: quicker, but an old copy of keyslots.json with the old "
        "passphrase still opens the vault",
    )
    chc = group(
        "chc", "NHS Continuing Healthcare: MDT members' contributions to a Decision Support Tool"
    )
    p = add(
        "export", cmd_chc_export, "write your DST contribution to a signed, encrypted file", chc
    )
    p.add_argument("record", metavar="RECORD", help="the DST's record id, from 'record list'")
    p.add_argument("contribution", help="the contribution's reference")
    p.add_argument(
        "--out", required=True, metavar="FILE", help="where to write the contribution file"
    )
    p.add_argument(
        "--no-passphrase",
        action="store_true",
        help="seal it only to the members whose keys this laptop knows for the DST",
    )
    p = add("import", cmd_chc_import, "merge a colleague's contribution file into a DST", chc)
    p.add_argument("record", metavar="RECORD", help="the DST's record id, from 'record list'")
    p.add_argument("file", metavar="FILE", help="the contribution file the colleague sent")
    p.add_argument(
        "--confirm-fingerprint",
        metavar="DIGITS",
        help="a member's first file: the fingerprint they read to you (from their export)",
    )
    add(
        "fingerprint",
        cmd_chc_fingerprint,
        "print your contribution key's fingerprint, to read to a coordinator",
        chc,
    )
    add("keys", cmd_chc_keys, "the MDT members' keys known here: name, fingerprint, how bound", chc)
    p = add(
        "rebind",
        cmd_chc_rebind,
        "IT: bind a member who changed laptops to the key of a file from their new one",
        chc,
    )
    p.add_argument("file", help="a contribution file from the member's new laptop")
    p.add_argument(
        "--confirm-fingerprint",
        metavar="DIGITS",
        required=True,
        help="the new key's fingerprint, read to you by the member",
    )
    pdf = group("pdf", "check the signatures in a signed PDF")
    p = add("verify", cmd_pdf_verify, "check the signatures in a PDF (no profile needed)", pdf)
    p.add_argument("file", metavar="FILE", help="the signed PDF to check")
    p.add_argument(
        "--trust-root",
        action="append",
        metavar="CERT",
        help="root certificate (.pem or .der) of an authority you trust; repeatable",
    )
    vault = group(
        "vault", "the encrypted records file: details, key rotation, backups, restore, salvage"
    )
    add("info", cmd_vault_info, "schema version, sizes and key slots", vault)
    add("rekey", cmd_vault_rekey, "rotate the database key itself", vault)
    add("backups", cmd_vault_backups, "list the encrypted backups of the records file", vault)
    p = add(
        "unlock-code",
        cmd_vault_unlock_code,
        "open a laptop past its lease with the code IT reads out",
        vault,
    )
    p.add_argument("code", help="the code, as IT read it (XXXXX-XXXXX)")
    p.add_argument("--profile", metavar="ID", default=argparse.SUPPRESS, help="the profile's id")
    p = add(
        "restore",
        cmd_vault_restore,
        "put back a backup of the records file (the newest unless named)",
        vault,
    )
    p.add_argument("backup", nargs="?", help="a name from 'vault backups'")
    p = add(
        "recover",
        cmd_vault_recover,
        "IT: give a profile whose passphrase is forgotten a new one, with the council's "
        "recovery key",
        vault,
    )
    # Also accepted after the command, as the recovery instructions write it.
    p.add_argument("--profile", metavar="ID", default=argparse.SUPPRESS, help="the profile's id")
    p.add_argument(
        "--recovery-key",
        required=True,
        metavar="FILE",
        help="the recovery key file (from 'assessor-gateway recovery-key create')",
    )
    p.add_argument(
        "--recovery-passphrase-file",
        metavar="FILE",
        help="read the recovery key file's passphrase from FILE (else a prompt)",
    )
    p.add_argument(
        "--new-passphrase-file",
        metavar="FILE",
        help=f"read the assessor's new passphrase from FILE (else ${NEW_PASSPHRASE_ENV}, "
        "else a prompt)",
    )
    add(
        "salvage",
        cmd_vault_salvage,
        "copy every person and record that can still be read into a new profile",
        vault,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    try:
        harden_process()  # reads the settings: a bad one is said here, not as a traceback
    except AssessorError as e:
        print(f"assessor-cli: {e.one_line()}", file=sys.stderr)
        return e.exit_code
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.data_dir = paths.resolve_data_dir(args.data_dir)
        configure_logging(args.data_dir)
        args.forms_dir = Path(args.forms_dir) if args.forms_dir else paths.default_forms_dir()
        code: int = args.func(args)
        return code
    except UserCancelledError:
        return UserCancelledError.exit_code
    except AssessorError as e:
        log.debug("command failed", exc_info=True)
        print(f"assessor-cli: {e.one_line()}", file=sys.stderr)
        # The app shows every problem beside its field; here the rest follow, one a line.
        for problem in getattr(e, "problems", [])[1:]:
            print(f"  also: {problem}", file=sys.stderr)
        return e.exit_code
    except DatabaseError as e:
        # Not a damaged page (those are AssessorErrors): locked, read-only, out of space.
        log.debug("database error", exc_info=True)
        print(
            f"assessor-cli: the records file could not be read or written ({e}). Check the "
            "disk and that no other program is using the profile folder, then try again. "
            "Everything saved before is safe.",
            file=sys.stderr,
        )
        return 5
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
