"""Seeded, time-bounded fuzzing of everything that comes in from outside: contribution files
and record files, bit-flipped, truncated, nested deep, poisoned with lone surrogates, forged
and re-signed, replayed, and asking for absurd key costs.

Every mutant must be refused with a message that says what happened and what to do, leaving
the vault's content exactly as it was, or be accepted only when it is the genuine file again.
Contribution files are the sync envelope (`sync.bundle`), so they also get the bundle kinds'
byte-level mutations (`tests.sync.test_bundles._mutations`) through the same parser.
Run with `-s` to see the counts (they go in the issue note).
"""

from __future__ import annotations

import base64
import copy
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from assessor_app.core import paths
from assessor_app.core.chc.exchange import (
    export_contribution,
)
from assessor_app.core.chc.record_person import (
    record_person_from,
)
from assessor_app.core.errors import AssessorError
from assessor_app.core.form_engine.definition import load_forms_dir
from assessor_app.core.keys import public_key_b64
from assessor_app.core.records import Role
from assessor_app.core.services.contributions import import_member_contribution, own_fingerprint
from assessor_app.core.services.record_files import export_record, import_record
from assessor_app.core.storage import history
from assessor_app.core.storage.assessments import AssessmentRepository
from assessor_app.core.storage.device_keys import contribution_signing_key
from assessor_app.core.storage.keyslots import FAST_KDF_FOR_TESTS
from assessor_app.core.storage.people import PeopleRepository
from assessor_app.core.storage.vault import Vault
from assessor_app.core.untrusted import UntrustedJsonError, load_untrusted_json
from tests.core.test_chc_contributions_io import (  # noqa: F401 - the fixture
    EXCHANGE,
    SOCIAL_WORKER,
    two_members,
)
from tests.core.test_chc_exchange import edit_envelope, reseal
from tests.core.test_forged_contributions import forge
from tests.support import community_person, content_hash, reseal_export, session_for
from tests.sync.test_bundles import _mutations

SEED = 20261202
PER_KIND = 30
TIME_LIMIT_S = 60.0


def _bitflip(rnd: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        i = rnd.randrange(len(out))
        out[i] ^= 1 << rnd.randrange(8)
    return bytes(out)


def _truncate(rnd: random.Random, data: bytes) -> bytes:
    return data[: rnd.randrange(len(data))]


def _refused_well(error: BaseException) -> bool:
    if isinstance(error, UntrustedJsonError):
        return bool(error.reason)
    assert isinstance(error, AssessorError), f"{type(error).__name__}: {error}"
    return bool(error.user_message.strip()) and bool(error.next_step.strip())


def test_contribution_files(members_fuzz: Any, capsys: pytest.CaptureFixture[str]) -> None:
    (nurse, social), (nurse_dst, social_dst), folder = members_fuzz
    genuine = folder / "genuine.dstc"
    author = contribution_signing_key(social.vault)
    _genuine_file(genuine, social, social_dst)
    import_member_contribution(
        session_for(nurse),
        nurse_dst,
        genuine,
        passphrase=EXCHANGE,
        confirmed_fingerprint=own_fingerprint(session_for(social.vault)),
    )
    good_bytes = genuine.read_bytes()
    rnd = random.Random(SEED)
    counts: Counter[str] = Counter()
    stranger = Ed25519PrivateKey.generate()

    def mutant(kind: str, n: int) -> Path:
        path = folder / f"{kind}-{n}.dstc"
        if kind == "bitflip":
            path.write_bytes(_bitflip(rnd, good_bytes))
        elif kind == "truncate":
            path.write_bytes(_truncate(rnd, good_bytes))
        elif kind == "replay":
            path.write_bytes(good_bytes)
        elif kind == "kdf":  # signed again by the author, so the costs are read
            path.write_bytes(good_bytes)
            costs = rnd.choice(
                [
                    {"memory_kib": 1024 * 1024, "iterations": 64},
                    {"memory_kib": 512 * 1024},
                    {"iterations": 40},
                    {"lanes": 64},
                ]
            )
            edit_envelope(
                path, lambda e: e["sealed"]["passphrase"]["kdf"].update(costs), signer=author
            )
        elif kind == "deep":
            envelope = json.loads(good_bytes)
            depth = rnd.choice([40, 1000, 100_000])
            path.write_text(json.dumps(envelope)[:-1] + ', "x": ' + "[" * depth + "]" * depth + "}")
        else:
            path.write_bytes(good_bytes)
            # Sealed again by the author's own key, so what is inside is read.
            if kind == "surrogate":
                reseal(
                    path,
                    lambda p: p["contribution"].update(m_mobility_evidence="\ud800"),
                    EXCHANGE,
                    author,
                )
            elif kind == "nested_inside":
                reseal(
                    path,
                    lambda p: p["contribution"].update(
                        m_mobility_evidence=json.loads("[" * 500 + "]" * 500)
                    ),
                    EXCHANGE,
                    author,
                )
            elif kind == "resealed_edit":
                reseal(
                    path,
                    lambda p: p["contribution"].update(m_mobility_level="no_needs"),
                    EXCHANGE,
                    author,
                )
            elif kind == "forged":
                forge(
                    path,
                    {
                        **SOCIAL_WORKER,
                        "revision": 2 + n,
                        "m_mobility_level": rnd.choice(["no_needs", "low", "high"]),
                    },
                    rnd.choice([stranger, Ed25519PrivateKey.generate()]),
                )
        return path

    kinds = [
        "bitflip",
        "truncate",
        "replay",
        "kdf",
        "deep",
        "surrogate",
        "nested_inside",
        "resealed_edit",
        "forged",
    ]
    started = time.monotonic()
    genuine_items = nurse.get(nurse_dst).answers["contributions"]
    for n in range(PER_KIND):
        for kind in kinds:
            if time.monotonic() - started > TIME_LIMIT_S:
                break
            path = mutant(kind, n)
            before = content_hash(nurse.vault)
            try:
                result = import_member_contribution(
                    session_for(nurse), nurse_dst, path, passphrase=EXCHANGE
                )
            except Exception as e:  # noqa: BLE001 - each must be an error with a message
                assert _refused_well(e), kind
                assert content_hash(nurse.vault) == before, kind
                counts["refused"] += 1
                counts[f"refused:{kind}"] += 1
                continue
            # Accepted: only the genuine contribution, and then it changes nothing.
            assert result.outcome == "unchanged", kind
            assert nurse.get(nurse_dst).answers["contributions"] == genuine_items
            counts["accepted_genuine"] += 1
            counts[f"accepted:{kind}"] += 1
    with capsys.disabled():
        print(f"\ncontribution mutants: {dict(sorted(counts.items()))}")
    assert counts["refused"] > 0 and counts["accepted:forged"] == 0
    assert counts["accepted:resealed_edit"] == 0 and counts["accepted:surrogate"] == 0


@pytest.fixture
def members_fuzz(two_members: Any) -> Any:  # noqa: F811 - the imported fixture
    return two_members


def _genuine_file(path: Path, author: AssessmentRepository, record_id: str) -> None:
    """The author's own contribution, exported with cheap Argon2id costs: hundreds of
    decryptions at the default 64 MiB would take minutes."""
    export_contribution(
        path,
        author.get(record_id).answers["contributions"][0],
        record_person_from(community_person()),
        record_id=record_id,
        passphrase=EXCHANGE,
        signing_key=contribution_signing_key(author.vault),
        kdf=FAST_KDF_FOR_TESTS,
    )


def test_thousands_of_byte_mutated_contribution_files_are_refused_cleanly(
    members_fuzz: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bundle kinds' mutations, through the same parser, as the coordinator imports them.

    Each refusal must be an `AssessorError` with what happened and what to do, and leave every
    row of the vault as it was; only a genuine file (the spare, spliced back whole) may be
    accepted, and then it changes nothing.
    """
    (nurse, social), (nurse_dst, social_dst), folder = members_fuzz
    first, second = folder / "first.dstc", folder / "second.dstc"
    _genuine_file(first, social, social_dst)
    _genuine_file(second, social, social_dst)
    import_member_contribution(
        session_for(nurse),
        nurse_dst,
        first,
        passphrase=EXCHANGE,
        confirmed_fingerprint=own_fingerprint(session_for(social.vault)),
    )
    data, spare = first.read_bytes(), second.read_bytes()
    before = content_hash(nurse.vault)
    path = folder / "mutant.dstc"
    counts: Counter[str] = Counter()
    for mutated in _mutations(data, spare, random.Random(SEED + 2), count=2_500):
        path.write_bytes(mutated)
        try:
            result = import_member_contribution(
                session_for(nurse), nurse_dst, path, passphrase=EXCHANGE
            )
        except AssessorError as e:
            assert _refused_well(e), type(e).__name__
            assert content_hash(nurse.vault) == before
            counts[f"refused:{type(e).__name__}"] += 1
            continue
        assert mutated == spare and result.outcome == "unchanged"
        counts["accepted_genuine"] += 1
    with capsys.disabled():
        print(f"\ncontribution byte mutants: {dict(sorted(counts.items()))}")
    assert sum(n for k, n in counts.items() if k.startswith("refused:")) > 2_500
    assert counts["refused:ContributionSignatureError"] > 0  # reached the signature check
    assert counts["refused:NotAContributionFileError"] > 0  # and the parser's refusals


def test_record_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    registry = load_forms_dir(paths.default_forms_dir())
    source = Vault.create(
        tmp_path / "a",
        name="Robin Testcase",
        role=Role.SOCIAL_WORKER,
        authority="X",
        passphrase="first pass phrase",
        kdf=FAST_KDF_FOR_TESTS,
    )
    person = PeopleRepository(source).add(community_person())
    records = AssessmentRepository(source)
    rid = records.create(person.id, "sample", 2).id
    records.save_field(rid, "preferred_name", "Zoë")
    records.save_field(rid, "notes", "A long narrative of the visit. " * 20)
    records.checkpoint(rid)
    good = export_record(session_for(source), rid)
    good_bytes = json.dumps(good, ensure_ascii=False).encode("utf-8")
    fingerprint = own_fingerprint(session_for(source))
    source.close()

    targets: list[Vault] = []

    def fresh_target() -> Vault:
        vault = Vault.create(
            tmp_path / f"t{len(targets)}",
            name="Second Assessor",
            role=Role.SOCIAL_WORKER,
            authority="X",
            passphrase="second pass phrase",
            kdf=FAST_KDF_FOR_TESTS,
        )
        targets.append(vault)
        return vault

    target = fresh_target()
    rnd = random.Random(SEED + 1)
    stranger = Ed25519PrivateKey.generate()

    def edited(
        change: Callable[[dict[str, Any]], None], *, rehash: bool, resign: Ed25519PrivateKey | None
    ) -> bytes:
        data = copy.deepcopy(good)
        change(data)
        if rehash:
            reseal_export(data)
        if resign is not None:
            body = {k: v for k, v in data.items() if k != "signature"}
            data["signature"] = {
                "public_key": public_key_b64(resign),
                "value": base64.b64encode(
                    resign.sign(history.canonical_json(body).encode("utf-8"))
                ).decode("ascii"),
            }
        return json.dumps(data, ensure_ascii=False).encode("utf-8")

    def answer_edit(data: dict[str, Any]) -> None:
        data["assessment"]["answers"]["preferred_name"] = rnd.choice(
            ["Someone Else", "", "Zoe", "Zoë "]
        )

    def mutant(kind: str) -> bytes:
        if kind == "bitflip":
            return _bitflip(rnd, good_bytes)
        if kind == "truncate":
            return _truncate(rnd, good_bytes)
        if kind == "replay":
            return good_bytes
        if kind == "deep":
            depth = rnd.choice([40, 1000, 100_000])
            return good_bytes.replace(
                b'"answers": {', b'"answers": {"x": ' + b"[" * depth + b"]" * depth + b", ", 1
            )
        if kind == "surrogate":
            return good_bytes.replace("Zoë".encode(), b"\\udc80", 1)
        if kind == "edit":
            return edited(answer_edit, rehash=False, resign=None)
        if kind == "edit_rehashed":
            return edited(answer_edit, rehash=True, resign=None)
        if kind == "forged":  # rehashed and re-signed by someone else, in Robin's name
            return edited(
                answer_edit,
                rehash=True,
                resign=rnd.choice([stranger, Ed25519PrivateKey.generate()]),
            )
        if kind == "status":
            return edited(
                lambda d: d["assessment"].update(status="completed"), rehash=True, resign=stranger
            )
        raise AssertionError(kind)

    kinds = [
        "bitflip",
        "truncate",
        "replay",
        "deep",
        "surrogate",
        "edit",
        "edit_rehashed",
        "forged",
        "status",
    ]
    counts: Counter[str] = Counter()
    started = time.monotonic()
    for _n in range(PER_KIND):
        for kind in kinds:
            if time.monotonic() - started > TIME_LIMIT_S:
                break
            before = content_hash(target)
            try:
                data = load_untrusted_json(mutant(kind))
                imported = import_record(
                    session_for(target, registry), data, confirmed_fingerprint=fingerprint
                )
            except Exception as e:  # noqa: BLE001 - each must be an error with a message
                assert _refused_well(e), kind
                assert content_hash(target) == before, kind
                counts["refused"] += 1
                counts[f"refused:{kind}"] += 1
                continue
            # Accepted: only the genuine record (a bit flip in JSON whitespace can keep it).
            assert imported.answers == good["assessment"]["answers"], kind
            assert imported.status.value == good["assessment"]["status"]
            assert history.verify_chains(target.conn).ok
            counts["accepted_genuine"] += 1
            counts[f"accepted:{kind}"] += 1
            target = fresh_target()  # so the next genuine copy is not refused as a repeat
    for vault in targets:
        vault.close()
    with capsys.disabled():
        print(f"\nrecord mutants: {dict(sorted(counts.items()))}")
    for kind in ("edit", "edit_rehashed", "forged", "status", "surrogate", "deep"):
        assert counts[f"accepted:{kind}"] == 0, kind
