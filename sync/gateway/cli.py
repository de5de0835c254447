"""`assessor-gateway`: run the authority's gateway and administer its assessors and laptops.

    assessor-gateway serve                       a gateway on https://127.0.0.1:8443, SQLite
    assessor-gateway create-assessor "Name" [--organisation ORG]   prints the assessor's id
    assessor-gateway dst invite RECORD ASSESSOR  invite an assessor (an NHS nurse) to a DST:
                                                 they receive it and its contributions
    assessor-gateway dst members RECORD          who is invited to a DST
    assessor-gateway dst withdraw RECORD ASSESSOR   withdraw an invitation: their laptop
                                                 stops receiving the DST; what they
                                                 contributed stays
    assessor-gateway enrolment-code ASSESSOR     a one-time code for one laptop (15 minutes),
                                                 and the gateway's fingerprint to check it by
    assessor-gateway fingerprint                 the gateway's CA fingerprint alone
    assessor-gateway devices                     every laptop: assessor, enrolled, last seen
    assessor-gateway allocate PERSON ASSESSOR    move a person to an assessor's caseload
    assessor-gateway revoke DEVICE               withdraw a laptop's access; it deletes its
                                                 vault at its next contact
    assessor-gateway wipe DEVICE                 the same for a lost laptop (sends nothing first)
    assessor-gateway unlock-code DEVICE [--date D]   the code that opens a laptop past its lease
    assessor-gateway recovery-key create --out FILE   the authority's recovery key pair
    assessor-gateway recovery-key show           the recovery public key's fingerprint
    assessor-gateway bundle import FILE          take a laptop's sync bundle; write its receipt
    assessor-gateway publishing-key create|show  the authority's key that signs reference data
    assessor-gateway publish DIR_OR_FILE --kind forms|rates|branding|leaflets --description D
                                                 sign and publish reference data for laptops
    assessor-gateway published                   every package published, and how many laptops
                                                 have it
    assessor-gateway bundle for-device DEVICE --out FILE
                                                 the caseload, lease and orders for a laptop
                                                 that never connects, encrypted to it
    assessor-gateway enrol-file REQUEST --out ANSWER
                                                 enrol a laptop by file: its request's code
                                                 spent as online, the answer written for it
    assessor-gateway console-account create --username U --role R --password-file F
                                  [--team T]     a web console account (it_admin, team_manager,
                                                 auditor); the first one is made this way; a
                                                 team manager's names its team
    assessor-gateway console-account set-team --username U --team T
                                                 move a team manager's account to a team
    assessor-gateway team create NAME            a team of assessors, for a team manager
    assessor-gateway team list                   every team: its assessors and managers
    assessor-gateway team add ASSESSOR TEAM      put an assessor in a team (moving them)
    assessor-gateway console-account reset-password --username U --password-file F
                                                 a new password; lifts a lockout, signs it out

Every command takes ``--data DIR`` (the gateway's folder: its CA, its development server
certificate and, by default, its SQLite database; else ``$ASSESSOR_GATEWAY_DATA``) and
``--db URL`` (``postgresql://…`` in production; else ``$ASSESSOR_GATEWAY_DB``, else SQLite in
the data folder). ``serve`` takes the authority's own certificate with ``--cert`` and
``--key``; without them it makes a development certificate for loopback, signed by its CA,
and (when no recovery key was made) a DEMO recovery key pair whose private file it keeps in
the data folder, saying where: fine for a demo, never for real records. ``serve --lease-days
N`` locks a laptop that has not reached the gateway for N days (no lease without it), and
``--revoked-may-send`` lets a revoked laptop send its queued work before deleting its vault;
``--console-idle-minutes N`` signs a web console session out after N minutes without a request
(15).
Errors are one line on stderr saying what to do; the exit code is 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import platformdirs

from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from sync.bundle import BundleError, write_atomic
from sync.gateway import recovery
from sync.gateway.accounts import IDLE_AFTER
from sync.gateway.bundles import BundleKey, import_bundle, inbound_for_device
from sync.gateway.ca import GatewayCA
from sync.gateway.limits import MAX_REQUEST_BYTES
from sync.gateway.shared_dst import SharedDsts
from sync.gateway.store import Device, Store, StoreError
from sync.gateway.teams import Team, Teams
from sync.lease import VALID_DAYS_AFTER, unlock_code
from sync.protocol import QueueReport, ca_fingerprint

__all__ = ["main"]

DATA_ENV, DB_ENV = "ASSESSOR_GATEWAY_DATA", "ASSESSOR_GATEWAY_DB"


def _data(args: argparse.Namespace) -> Path:
    folder = args.data or os.environ.get(DATA_ENV)
    path = Path(folder) if folder else Path(platformdirs.user_data_dir("Assessor Gateway"))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _store(args: argparse.Namespace) -> Store:
    url = args.db or os.environ.get(DB_ENV) or f"sqlite:///{_data(args) / 'gateway.db'}"
    store = Store(url)
    store.migrate()
    return store


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def cmd_serve(args: argparse.Namespace) -> int:
    from sync.gateway.app import create_app
    from sync.gateway.server import TLSFiles, development_tls, run

    data, store = _data(args), _store(args)
    ca = GatewayCA.load_or_create(data / "ca", args.authority)
    server_ca = None
    if args.cert and args.key:
        tls = TLSFiles(Path(args.cert), Path(args.key), data / "ca" / "ca.pem")
        server_ca = Path(args.server_ca).read_bytes() if args.server_ca else None
        recovery_key = recovery.load_public(data)
        made = False
    else:
        tls = development_tls(data, ca, (args.host, "localhost"))
        recovery_key, made = recovery.ensure_demo(data)
    print(f"Gateway on https://{args.host}:{args.port} (database {store.url.split('@')[-1]})")
    print(f"Devices CA: {data / 'ca' / 'ca.pem'}")
    _say_recovery_key(data, recovery_key, made)
    print(f"Document signing CA (for PDF checkers): {data / 'ca' / 'documents-ca.pem'}")
    if args.lease_days:
        print(f"Lease: a laptop that has not reached the gateway for {args.lease_days} days locks.")
    if args.revoked_may_send:
        print("A revoked laptop sends its queued work before it deletes its vault.")
    from sync.gateway.adapters import FolderDrop
    from sync.gateway.publishing import PublishingKey

    adapters = [FolderDrop(Path(args.drop_folder))] if args.drop_folder else []
    app = create_app(
        store,
        ca,
        server_ca_pem=server_ca,
        adapters=adapters,
        max_request_bytes=int(args.max_request_mb * 1024 * 1024),
        recovery_public_key=recovery_key.text if recovery_key else None,
        bundle_key=BundleKey.load_or_create(data / "ca"),
        lease_days=args.lease_days,
        revoked_may_send=args.revoked_may_send,
        publishing_public_key=PublishingKey.load_or_create(data / "ca").public_text,
        console_idle_after=dt.timedelta(minutes=args.console_idle_minutes),
    )
    run(app, args.host, args.port, tls)
    return 0


def _say_recovery_key(data: Path, key: recovery.RecoveryPublicKey | None, made: bool) -> None:
    if key is None:
        print(
            "Recovery key: NONE. Laptops enrolled now cannot be recovered if a passphrase is "
            "forgotten; make one with 'assessor-gateway recovery-key create --out FILE'.",
            file=sys.stderr,
        )
    elif key.demo:
        print(
            f"Recovery key: a DEMO pair{' made now' if made else ''}, fingerprint "
            f"{key.fingerprint}. Its private key is at {data / recovery.DEMO_KEY_FILE} "
            f"(passphrase in {data / recovery.DEMO_PASSPHRASE_FILE}), on this server: for "
            "demos only. For real records make one with 'assessor-gateway recovery-key "
            "create --out FILE' and keep FILE off the gateway."
        )
    else:
        print(f"Recovery key: fingerprint {key.fingerprint} (made {key.created_at[:10]}).")


def _read_secret(path: str | None, prompt: str) -> str:
    if path:
        try:
            text = Path(path).read_text("utf-8")
            return text.splitlines()[0] if text else ""  # its first line, as assessor-cli
        except (OSError, UnicodeDecodeError) as e:
            raise ValueError(f"The passphrase file {path} cannot be read ({e}).") from e
    if not sys.stdin.isatty():
        raise ValueError("No passphrase was given: use --passphrase-file, or run in a terminal.")
    first = getpass.getpass(prompt)
    if getpass.getpass("Type it again: ") != first:
        raise ValueError("The two passphrases differ. Run the command again.")
    return first


def cmd_recovery_key_create(args: argparse.Namespace) -> int:
    data = _data(args)
    recovery.check_can_create(data, Path(args.out), replace=args.replace)
    passphrase = _read_secret(args.passphrase_file, "Passphrase for the recovery key file: ")
    kdf = FAST_KDF_FOR_TESTS if args.insecure_fast_kdf else None
    made = recovery.create(data, Path(args.out), passphrase, kdf=kdf, replace=args.replace)
    print(f"Recovery key made: fingerprint {made.fingerprint}.")
    print(
        f"The private key is in {Path(args.out).absolute()}, under the passphrase you gave. "
        "Take it off this server and keep it, and its passphrase, where IT can find them: "
        "without both, a laptop whose passphrase is forgotten cannot be recovered. Laptops "
        "enrolled from now on get the public key (restart 'serve' to hand it out)."
    )
    return 0


def cmd_recovery_key_show(args: argparse.Namespace) -> int:
    key = recovery.load_public(_data(args))
    _say_recovery_key(_data(args), key, False)
    return 0 if key else 2


def cmd_create_assessor(args: argparse.Namespace) -> int:
    print(_store(args).create_assessor(args.name, _now(), organisation=args.organisation))
    return 0


def cmd_dst_invite(args: argparse.Namespace) -> int:
    store = _store(args)
    name = store.assessor_name(args.assessor) or args.assessor
    if SharedDsts(store).invite(args.record, args.assessor, _now()):
        print(
            f"{name} is invited to DST {args.record}: their laptop receives it at its next "
            "sync, and their contributions reach the other members through the gateway."
        )
    else:
        print(f"{name} was invited to DST {args.record} already; nothing was changed.")
    return 0


def cmd_dst_withdraw(args: argparse.Namespace) -> int:
    store = _store(args)
    name = store.assessor_name(args.assessor) or args.assessor
    if not SharedDsts(store).withdraw(args.record, args.assessor, _now()):
        raise ValueError(
            f"{name} is not invited to DST {args.record}, so there is nothing to withdraw "
            f"('assessor-gateway dst members {args.record}' lists who is)"
        )
    print(
        f"{name}'s invitation to DST {args.record} is withdrawn: their laptop no longer "
        "receives it, and the gateway takes no new contribution of theirs to it. Those it "
        "has received stay part of the DST."
    )
    return 0


def cmd_dst_members(args: argparse.Namespace) -> int:
    invited = SharedDsts(_store(args)).invitations(args.record)
    if not invited:
        print(f"Nobody is invited to DST {args.record}.")
    for assessor_id, name, organisation in invited:
        print(f"{assessor_id}  {name}" + (f" ({organisation})" if organisation else ""))
    return 0


def _server_ca_file(args: argparse.Namespace) -> Path:
    return Path(args.server_ca) if args.server_ca else _data(args) / "ca" / "ca.pem"


def _fingerprint(args: argparse.Namespace) -> str | None:
    """The fingerprint of the CA laptops pin; None when there is none yet (never served)."""
    try:
        return ca_fingerprint(_server_ca_file(args).read_bytes())
    except FileNotFoundError:
        if args.server_ca:
            raise ValueError(f"there is no CA certificate at {args.server_ca}") from None
        return None


def cmd_enrolment_code(args: argparse.Namespace) -> int:
    fingerprint = _fingerprint(args)
    store = _store(args)
    code = store.issue_code(args.assessor, _now(), dt.timedelta(minutes=args.minutes))
    # The code alone on stdout, for scripts; the words for IT on stderr.
    print(code)
    print(
        f"Give this to the assessor: it enrols one laptop, once, within {args.minutes} minutes.",
        file=sys.stderr,
    )
    if fingerprint is None:
        print(
            "The gateway's fingerprint is not known until it has served once: run "
            "'assessor-gateway serve', then 'assessor-gateway fingerprint'.",
            file=sys.stderr,
        )
    else:
        print(
            f"With it, the gateway's fingerprint (the first 8 groups are enough):\n"
            f"    {fingerprint}\n"
            "The laptop checks it before it sends the code: read it out, or send it apart "
            "from the code.",
            file=sys.stderr,
        )
    return 0


def cmd_fingerprint(args: argparse.Namespace) -> int:
    fingerprint = _fingerprint(args)
    if fingerprint is None:
        raise ValueError(
            "this gateway has no CA yet: run 'assessor-gateway serve' once, then ask again"
        )
    print(fingerprint)
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    store = _store(args)
    queues = store.queue_reports()
    for d in store.devices():
        state = _state(d)
        seen = d.last_seen_at[:16] if d.last_seen_at else "never"
        print(
            f"{d.id}\t{d.assessor_id}\tenrolled {d.enrolled_at[:16]}\tseen {seen}\t{state}\t"
            f"{_queue(queues.get(d.id))}"
        )
    return 0


def _state(d: Device) -> str:
    """A device's standing, in words for IT."""
    if d.revoked_at is None:
        return "active"
    order = (
        f"wipe ordered {d.wipe_ordered_at[:16]}"
        if d.wipe_ordered_at
        else (f"revoked {d.revoked_at[:16]}")
    )
    told = f", told {d.order_told_at[:16]}" if d.order_told_at else ", not yet told"
    return order + told


def _queue(reported: tuple[str, QueueReport] | None) -> str:
    """A device's queue as it last reported it, in words for IT."""
    if reported is None:
        return "queue not reported"
    at, q = reported
    held = f" ({q.held} held)" if q.held else ""
    pdfs = f" ({q.documents_held} held)" if q.documents_held else ""
    return (
        f"queue at {at[:16]}: {q.waiting} change{'s' if q.waiting != 1 else ''} waiting{held}, "
        f"{q.documents_waiting} signed PDF{'s' if q.documents_waiting != 1 else ''}{pdfs}; "
        f"app {q.app_version}"
    )


def cmd_allocate(args: argparse.Namespace) -> int:
    _store(args).allocate(args.person, args.assessor, _now())
    print(f"{args.person} is on {args.assessor}'s caseload; only their laptops may send for them.")
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    if not _store(args).revoke(args.device, _now()):
        print(
            f"assessor-gateway: there is no active device {args.device} (see 'devices').",
            file=sys.stderr,
        )
        return 2
    print(
        f"{args.device} can no longer reach the gateway. At its next contact it is told, "
        "and it deletes its vault from the laptop (after sending its queued work if the "
        "gateway serves with --revoked-may-send)."
    )
    return 0


def cmd_wipe(args: argparse.Namespace) -> int:
    if not _store(args).order_wipe(args.device, _now()):
        print(
            f"assessor-gateway: there is no device {args.device} (see 'devices').",
            file=sys.stderr,
        )
        return 2
    print(
        f"{args.device} is ordered wiped and can no longer reach the gateway. If it is "
        "unlocked and reaches the gateway again, it deletes its vault without sending "
        "anything. Its vault is encrypted: without the assessor's passphrase it cannot be read."
    )
    return 0


def cmd_unlock_code(args: argparse.Namespace) -> int:
    store = _store(args)
    device = store.device(args.device)
    if device is None:
        raise ValueError(f"there is no device {args.device} (see 'devices')")
    if device.revoked_at is not None:
        raise ValueError(f"{args.device} has been withdrawn: it gets no unlock code")
    key = store.lease_key(args.device)
    if key is None:
        raise ValueError(
            f"{args.device} was enrolled before leases, so it has none and never locks for one"
        )
    try:
        day = dt.date.fromisoformat(args.date) if args.date else _now().date()
    except ValueError as e:
        raise ValueError(f"--date must be YYYY-MM-DD, not {args.date!r}") from e
    print(unlock_code(key, args.device, day))
    after = day + dt.timedelta(days=VALID_DAYS_AFTER)
    print(
        f"Read it to the assessor: it opens laptop {args.device} on {day.isoformat()} and "
        f"{after.isoformat()} (UTC), until it next reaches the gateway.",
        file=sys.stderr,
    )
    return 0


_CLI_ACTOR = "assessor-gateway (command line)"


def _password(args: argparse.Namespace) -> str:
    if args.password_file:
        try:
            text = Path(args.password_file).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ValueError(f"The password file {args.password_file} cannot be read ({e}).") from e
        return text.splitlines()[0] if text else ""
    if not sys.stdin.isatty():
        raise ValueError("No password was given: use --password-file, or run in a terminal.")
    first = getpass.getpass("Password for the console account: ")
    if getpass.getpass("Type it again: ") != first:
        raise ValueError("The two passwords differ. Run the command again.")
    return first


def cmd_console_account_create(args: argparse.Namespace) -> int:
    from sync.gateway.accounts import Accounts, Role

    Accounts(_store(args)).create(
        args.username, args.role, _password(args), _now(), _CLI_ACTOR, team=args.team
    )
    role = Role(args.role).label + (f", team {' '.join(args.team.split())}" if args.team else "")
    print(f"Console account {args.username.strip().lower()} made ({role}); sign in at /console/.")
    return 0


def cmd_console_account_set_team(args: argparse.Namespace) -> int:
    from sync.gateway.accounts import Accounts

    team = Accounts(_store(args)).set_team(args.username, args.team, _now(), _CLI_ACTOR)
    print(
        f"{args.username.strip().lower()} now manages team {team}: from its next page it "
        "sees that team's assessors only."
    )
    return 0


def cmd_team_create(args: argparse.Namespace) -> int:
    name = Teams(_store(args)).create(args.name, _now(), _CLI_ACTOR)
    print(
        f"Team {name} made. Put assessors in it with 'assessor-gateway team add ASSESSOR "
        f'"{name}"\', and give its manager an account with --team "{name}".'
    )
    return 0


def cmd_team_list(args: argparse.Namespace) -> int:
    store = _store(args)
    teams = Teams(store).teams()
    if not teams:
        print("There are no teams yet ('assessor-gateway team create NAME' makes one).")
    for team in teams:
        managers = ", ".join(team.managers) or "no manager"
        print(f"{team.name}\t{len(team.assessors)} assessor(s)\tmanaged by {managers}")
        for assessor_id, name in team.assessors:
            print(f"  {assessor_id}\t{name}")
    outside = [a for a in store.assessors() if a[0] not in _in_teams(teams)]
    if teams and outside:
        print(f"In no team ({len(outside)}; no team manager sees them):")
        for assessor_id, name in outside:
            print(f"  {assessor_id}\t{name}")
    return 0


def _in_teams(teams: Sequence[Team]) -> set[str]:
    return {a for team in teams for a, _ in team.assessors}


def cmd_team_add(args: argparse.Namespace) -> int:
    name, team = Teams(_store(args)).add(args.assessor, args.team, _now(), _CLI_ACTOR)
    print(
        f"{name} is in team {team}: its manager sees their laptops, queue and records, and "
        "allocates to their caseload."
    )
    return 0


def cmd_console_account_reset(args: argparse.Namespace) -> int:
    from sync.gateway.accounts import Accounts

    Accounts(_store(args)).reset_password(args.username, _password(args), _now(), _CLI_ACTOR)
    print(
        f"The password of {args.username.strip().lower()} is reset: any lockout is lifted and "
        "its sessions are signed out."
    )
    return 0


def cmd_bundle_import(args: argparse.Namespace) -> int:
    data, store = _data(args), _store(args)
    source = Path(args.file)
    receipt = Path(args.receipt) if args.receipt else source.with_name(source.name + ".receipt")
    try:
        content = source.read_bytes()
    except OSError as e:
        print(f"assessor-gateway: cannot read {source} ({e.strerror}).", file=sys.stderr)
        return 2
    ca = GatewayCA.load_or_create(data / "ca", args.authority)
    key = BundleKey.load_or_create(data / "ca")
    try:
        result = import_bundle(store, key, ca.certificate, content, _now())
    except BundleError as e:
        print(f"assessor-gateway: {e}", file=sys.stderr)
        return 2
    write_atomic(receipt, result.receipt)
    print(result.summary)
    print(f"Receipt: {receipt}")
    return 0


def cmd_bundle_for_device(args: argparse.Namespace) -> int:
    data, store = _data(args), _store(args)
    key = BundleKey.load_or_create(data / "ca")
    try:
        written = inbound_for_device(
            store,
            key,
            args.device,
            _now(),
            lease_days=args.lease_days,
            revoked_may_send=args.revoked_may_send,
            from_start=args.from_start,
        )
    except BundleError as e:
        print(f"assessor-gateway: {e}", file=sys.stderr)
        return 2
    write_atomic(Path(args.out), written.data)
    print(written.summary)
    print(f"Bundle: {args.out}")
    return 0


def cmd_enrol_file(args: argparse.Namespace) -> int:
    from sync.gateway.ca import EnrolmentError
    from sync.gateway.enrolment import EnrolmentRequestError, EnrolmentTerms, enrol_by_file
    from sync.gateway.store import EnrolmentRefused

    data, store = _data(args), _store(args)
    try:
        request = Path(args.request).read_bytes()
    except OSError as e:
        print(f"assessor-gateway: cannot read {args.request} ({e.strerror}).", file=sys.stderr)
        return 2
    ca = GatewayCA.load_or_create(data / "ca", args.authority)
    key = BundleKey.load_or_create(data / "ca")
    server_ca = Path(args.server_ca).read_bytes() if args.server_ca else ca.pem
    recovery_key = recovery.load_public(data)
    from sync.gateway.publishing import PublishingKey

    publishing = PublishingKey.load(data / "ca")
    terms = EnrolmentTerms(
        server_ca.decode("ascii"),
        args.lease_days,
        recovery_key.text if recovery_key else None,
        publishing_public_key=publishing.public_text if publishing else None,
    )
    try:
        device, answer = enrol_by_file(store, ca, key, request, _now(), terms)
    except (EnrolmentRequestError, EnrolmentRefused, EnrolmentError) as e:
        print(f"assessor-gateway: {e} Nothing was enrolled.", file=sys.stderr)
        return 2
    write_atomic(Path(args.out), answer)
    print(device.id)
    print(
        f"Enrolled laptop {device.id}. Take {args.out} to the laptop; it checks the answer "
        f"by this fingerprint, which you read out to the assessor:\n"
        f"    {ca_fingerprint(ca.pem)}",
        file=sys.stderr,
    )
    return 0


def _whole(low: int, high: int, what: str, unit: str) -> Callable[[str], int]:
    """An argparse type: a whole number from `low` to `high`, else "<what> is low to high"."""

    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            number = low - 1
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{what} is {low} to {high} {unit}, not {text!r}")
        return number

    return parse


_lease_days = _whole(1, 3650, "a lease", "days")
_idle_minutes = _whole(1, 480, "the console's idle time", "minutes (8 hours)")


def cmd_publishing_key_create(args: argparse.Namespace) -> int:
    from sync.gateway.publishing import PublishingKey

    key = PublishingKey.create(_data(args) / "ca")
    print(f"Publishing key made: fingerprint {key.fingerprint}.")
    print(
        "Laptops enrolled from now on trust packages it signs (restart 'serve' to hand it out); "
        "a laptop enrolled before learns it when it enrols again."
    )
    return 0


def cmd_publishing_key_show(args: argparse.Namespace) -> int:
    from sync.gateway.publishing import PublishingKey

    key = PublishingKey.load(_data(args) / "ca")
    if key is None:
        print(
            "assessor-gateway: there is no publishing key yet: 'assessor-gateway "
            "publishing-key create' makes one ('serve' makes one on first start).",
            file=sys.stderr,
        )
        return 2
    print(f"Publishing key: fingerprint {key.fingerprint}")
    print(key.public_text)
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from sync.gateway.publishing import PublishingKey, package_files, publish

    data, store = _data(args), _store(args)
    key = PublishingKey.load(data / "ca")
    if key is None:
        raise ValueError(
            "there is no publishing key to sign with: run 'assessor-gateway publishing-key "
            "create' first (laptops learn it when they enrol)"
        )
    files = package_files(Path(args.source), args.kind)
    done = publish(store, key, args.kind, files, args.description, _now())
    print(
        f"Published {done.kind} version {done.version}: {done.files} file"
        f"{'s' if done.files != 1 else ''}, {done.size // 1024 + 1} KB, signed by the "
        f"publishing key {key.fingerprint[:19]}. Laptops take it at their next sync."
    )
    return 0


def cmd_published(args: argparse.Namespace) -> int:
    from sync.gateway.publishing import PublishingKey
    from sync.gateway.reference_holdings import published_packages

    key = PublishingKey.load(_data(args) / "ca")
    for p in published_packages(_store(args), key.public_text if key else None):
        signed = f"signed by {p.signed_by[:19]}" if p.signed_by else "NOT signed by this key"
        print(
            f"{p.kind}\tversion {p.version}\tpublished {p.published_at[:16]}\t{p.devices} laptop"
            f"{'s' if p.devices != 1 else ''} have it\t{p.sha256[:12]}\t{p.description}"
            f"\t{signed}"
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="assessor-gateway", description=__doc__.split("\n")[0])
    parser.add_argument("--data", help=f"the gateway's folder (else ${DATA_ENV})")
    parser.add_argument("--db", help=f"database URL (else ${DB_ENV}, else SQLite in --data)")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the gateway")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8443)
    serve.add_argument("--cert", help="the authority's server certificate (PEM)")
    serve.add_argument("--key", help="its private key (PEM)")
    serve.add_argument("--server-ca", help="the CA that issued --cert, which laptops pin (PEM)")
    serve.add_argument("--authority", default="Demo Council", help="the name on the devices CA")
    serve.add_argument(
        "--max-request-mb",
        type=float,
        default=MAX_REQUEST_BYTES / (1024 * 1024),
        help="the largest request taken, in MB (a bigger one is answered 413; laptops then "
        "send less at once)",
    )
    serve.add_argument(
        "--drop-folder", help="write each accepted revision as JSON here, for the case system"
    )
    serve.add_argument(
        "--lease-days",
        type=_lease_days,
        default=None,
        help="lock a laptop that has not reached the gateway for this many days",
    )
    serve.add_argument(
        "--revoked-may-send",
        action="store_true",
        help="a revoked laptop sends its queued work before deleting its vault (default: not)",
    )
    serve.add_argument(
        "--console-idle-minutes",
        type=_idle_minutes,
        default=int(IDLE_AFTER.total_seconds() // 60),
        help="sign a web console session out after this many minutes without a request "
        "(default 15; it ends 8 hours after sign-in however busy)",
    )
    serve.set_defaults(func=cmd_serve)
    create = sub.add_parser("create-assessor", help="add an assessor")
    create.add_argument("name")
    create.add_argument(
        "--organisation", default="", help="their organisation, for a member from elsewhere"
    )
    create.set_defaults(func=cmd_create_assessor)
    dst = sub.add_parser("dst", help="shared DSTs").add_subparsers(dest="dst", required=True)
    invite = dst.add_parser("invite", help="invite an assessor to a DST's MDT")
    invite.add_argument("record", help="the DST's record id")
    invite.add_argument("assessor", help="the invited assessor's id")
    invite.set_defaults(func=cmd_dst_invite)
    withdraw = dst.add_parser("withdraw", help="withdraw an assessor's invitation to a DST")
    withdraw.add_argument("record", help="the DST's record id")
    withdraw.add_argument("assessor", help="the member's assessor id")
    withdraw.set_defaults(func=cmd_dst_withdraw)
    members = dst.add_parser("members", help="who is invited to a DST")
    members.add_argument("record", help="the DST's record id")
    members.set_defaults(func=cmd_dst_members)
    code = sub.add_parser("enrolment-code", help="a one-time code for one laptop")
    code.add_argument("assessor")
    code.add_argument("--minutes", type=float, default=15)
    code.add_argument(
        "--server-ca", help="the CA that issued serve's --cert (PEM), when serve was given one"
    )
    code.set_defaults(func=cmd_enrolment_code)
    finger = sub.add_parser(
        "fingerprint", help="the SHA-256 fingerprint laptops check at enrolment"
    )
    finger.add_argument("--server-ca", help="as for enrolment-code")
    finger.set_defaults(func=cmd_fingerprint)
    sub.add_parser("devices", help="list laptops").set_defaults(func=cmd_devices)
    allocate = sub.add_parser("allocate", help="put a person on an assessor's caseload")
    allocate.add_argument("person", help="the person's id (as the laptops know them)")
    allocate.add_argument("assessor")
    allocate.set_defaults(func=cmd_allocate)
    revoke = sub.add_parser("revoke", help="withdraw a laptop's access")
    revoke.add_argument("device")
    revoke.set_defaults(func=cmd_revoke)
    wipe = sub.add_parser("wipe", help="order a lost laptop to delete its vault")
    wipe.add_argument("device")
    wipe.set_defaults(func=cmd_wipe)
    unlock = sub.add_parser("unlock-code", help="the code that opens a laptop past its lease")
    unlock.add_argument("device")
    unlock.add_argument("--date", help="the day it is for, YYYY-MM-DD (UTC; default today)")
    unlock.set_defaults(func=cmd_unlock_code)
    keys = sub.add_parser("recovery-key", help="the authority's recovery key").add_subparsers(
        dest="recovery_command", required=True
    )
    make = keys.add_parser(
        "create", help="make the recovery key pair: private half to --out, public half kept"
    )
    make.add_argument("--out", required=True, help="where to write the private key (not here)")
    make.add_argument("--passphrase-file", help="read its passphrase from this file (scripts)")
    make.add_argument(
        "--replace", action="store_true", help="replace an existing recovery key (see docs)"
    )
    make.add_argument("--insecure-fast-kdf", action="store_true", help=argparse.SUPPRESS)
    make.set_defaults(func=cmd_recovery_key_create)
    keys.add_parser("show", help="the recovery public key's fingerprint").set_defaults(
        func=cmd_recovery_key_show
    )
    bundle = sub.add_parser("bundle", help="sync by file").add_subparsers(
        dest="bundle_command", required=True
    )
    take = bundle.add_parser("import", help="take a laptop's bundle; write its receipt")
    take.add_argument("file")
    take.add_argument("--receipt", help="where to write the receipt (else FILE.receipt)")
    take.add_argument("--authority", default="Demo Council", help=argparse.SUPPRESS)
    down = bundle.add_parser("for-device", help="write the inbound bundle for a laptop")
    down.add_argument("device", help="the laptop's id (see 'devices')")
    down.add_argument("--out", required=True, help="where to write it")
    lease = down.add_mutually_exclusive_group(required=True)
    lease.add_argument(
        "--lease-days", type=_lease_days, help="the lease the gateway serves with (renewed)"
    )
    lease.add_argument(
        "--no-lease", action="store_true", help="the gateway sets no lease (the laptop never locks)"
    )
    down.add_argument("--revoked-may-send", action="store_true", help=argparse.SUPPRESS)
    down.add_argument(
        "--from-start",
        action="store_true",
        help="the whole caseload again (for a laptop that lost an earlier bundle)",
    )
    down.set_defaults(func=cmd_bundle_for_device)
    by_file = sub.add_parser("enrol-file", help="enrol a laptop from its request file")
    by_file.add_argument("request")
    by_file.add_argument("--out", required=True, help="where to write the enrolment answer")
    by_file.add_argument("--lease-days", type=_lease_days, help="the lease, as for serve")
    by_file.add_argument("--server-ca", help="the CA laptops pin for the server, as for serve")
    by_file.add_argument("--authority", default="Demo Council", help=argparse.SUPPRESS)
    by_file.set_defaults(func=cmd_enrol_file)
    take.set_defaults(func=cmd_bundle_import)
    pkey = sub.add_parser(
        "publishing-key", help="the authority's key that signs reference data"
    ).add_subparsers(dest="publishing_command", required=True)
    pkey.add_parser("create", help="make the publishing key (once)").set_defaults(
        func=cmd_publishing_key_create
    )
    pkey.add_parser("show", help="its fingerprint and public key").set_defaults(
        func=cmd_publishing_key_show
    )
    pub = sub.add_parser("publish", help="sign and publish reference data for the laptops")
    pub.add_argument("source", help="a folder, or one file")
    pub.add_argument("--kind", required=True, choices=["forms", "rates", "branding", "leaflets"])
    pub.add_argument("--description", default="", help="what changed, for IT and the laptops")
    pub.set_defaults(func=cmd_publish)
    sub.add_parser(
        "published", help="packages published, and how many laptops have each"
    ).set_defaults(func=cmd_published)
    accounts = sub.add_parser("console-account", help="web console accounts").add_subparsers(
        dest="account_command", required=True
    )
    new = accounts.add_parser("create", help="add a console account")
    new.add_argument("--username", required=True)
    new.add_argument(
        "--role",
        required=True,
        choices=["it_admin", "team_manager", "auditor"],
        help="what it may do",
    )
    new.add_argument("--password-file", help="read the password from this file's first line")
    new.add_argument("--team", help="a team manager's team (required for one; see 'team list')")
    new.set_defaults(func=cmd_console_account_create)
    move = accounts.add_parser("set-team", help="put a team manager's account in a team")
    move.add_argument("--username", required=True)
    move.add_argument("--team", required=True)
    move.set_defaults(func=cmd_console_account_set_team)
    reset = accounts.add_parser(
        "reset-password", help="set a new password; lifts a lockout and signs the account out"
    )
    reset.add_argument("--username", required=True)
    reset.add_argument("--password-file", help="read the password from this file's first line")
    reset.set_defaults(func=cmd_console_account_reset)
    teams = sub.add_parser("team", help="teams of assessors, for team managers").add_subparsers(
        dest="team_command", required=True
    )
    make_team = teams.add_parser("create", help="make a team")
    make_team.add_argument("name")
    make_team.set_defaults(func=cmd_team_create)
    teams.add_parser("list", help="every team, its assessors and managers").set_defaults(
        func=cmd_team_list
    )
    join = teams.add_parser("add", help="put an assessor in a team (moving them from another)")
    join.add_argument("assessor", help="the assessor's id")
    join.add_argument("team", help="the team's name")
    join.set_defaults(func=cmd_team_add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `assessor-gateway`."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (StoreError, ValueError) as e:
        print(f"assessor-gateway: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
