"""The settings an authority's IT deploys: one file, the environment over it, clear refusals."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assessor_app.core import settings
from assessor_app.core.errors import ValidationError
from assessor_app.core.paths import default_forms_dir, resolve_data_dir
from assessor_app.core.services.session import Session
from assessor_app.core.storage.vault import Vault

ROOT = Path(__file__).resolve().parents[2]


def _file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_the_file_gives_settings_and_the_environment_wins_over_it(tmp_path: Path) -> None:
    path = _file(tmp_path, f'data_dir = "{tmp_path}/from-file"\nrates_dir = "{tmp_path}/r"\n')
    env = {
        settings.SETTINGS_FILE_ENV: str(path),
        "ASSESSOR_DATA_DIR": str(tmp_path / "from-env"),
    }
    found = settings.load_settings(env)
    assert found.data_dir == tmp_path / "from-env"
    assert found.rates_dir == tmp_path / "r"
    assert found.forms_dir is None  # not set anywhere: the shipped forms
    assert found.source == path


def test_an_unknown_setting_names_the_file_and_the_key(tmp_path: Path) -> None:
    path = _file(tmp_path, 'data_folder = "/srv/assessor"\n')
    with pytest.raises(ValidationError) as e:
        settings.load_settings({settings.SETTINGS_FILE_ENV: str(path)})
    assert str(path) in e.value.user_message and "'data_folder'" in e.value.user_message
    assert "data_dir" in (e.value.next_step or "")


def test_a_passphrase_in_a_settings_file_is_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, 'passphrase = "amber lantern orchard"\n')
    with pytest.raises(ValidationError, match="holds a passphrase"):
        settings.load_settings({settings.SETTINGS_FILE_ENV: str(path)})


@pytest.mark.parametrize(
    ("body", "wanted"),
    [
        ("debuggable = maybe\n", "cannot be read"),
        ('debuggable = "sometimes"\n', "must be true or false"),
        ("data_dir = 3\n", "must be text"),
    ],
)
def test_a_bad_value_says_what_is_wrong(tmp_path: Path, body: str, wanted: str) -> None:
    path = _file(tmp_path, body)
    with pytest.raises(ValidationError, match=wanted):
        settings.load_settings({settings.SETTINGS_FILE_ENV: str(path)})


def test_a_named_settings_file_that_is_missing_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="does not exist"):
        settings.load_settings({settings.SETTINGS_FILE_ENV: str(tmp_path / "nope.toml")})


def test_the_app_finds_its_folders_through_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forms = tmp_path / "council-forms"
    path = _file(tmp_path, f'data_dir = "{tmp_path}/data"\nforms_dir = "{forms}"\n')
    monkeypatch.setenv(settings.SETTINGS_FILE_ENV, str(path))
    monkeypatch.delenv("ASSESSOR_DATA_DIR", raising=False)
    monkeypatch.delenv("ASSESSOR_FORMS_DIR", raising=False)
    assert resolve_data_dir() == tmp_path / "data"
    assert (tmp_path / "data").is_dir()
    assert resolve_data_dir(tmp_path / "explicit") == tmp_path / "explicit"  # --data-dir wins
    assert default_forms_dir() == forms


def test_a_branding_file_named_in_the_settings_brands_documents(
    vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    branding = tmp_path / "council-branding.yaml"
    branding.write_text(
        "authority_name: Westshire Council\naddress: 1 High Street\nphone: 01234 567890\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("ASSESSOR_BRANDING_FILE", str(branding))
    assert Session(vault, lambda: None).branding.authority_name == "Westshire Council"
    monkeypatch.setenv("ASSESSOR_BRANDING_FILE", str(tmp_path / "missing.yaml"))
    with pytest.raises(ValidationError, match="named in the settings does not exist"):
        _ = Session(vault, lambda: None).branding  # type: ignore[arg-type, return-value]


def test_cli_settings_shows_each_value_and_where_it_comes_from(tmp_path: Path) -> None:
    path = _file(tmp_path, f'rates_dir = "{tmp_path}/rates"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSESSOR_")}
    env |= {settings.SETTINGS_FILE_ENV: str(path), "ASSESSOR_PROFILE": "p-123"}
    done = subprocess.run(
        [sys.executable, "-m", "assessor_app.cli", "settings"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert f"Settings file: {path}" in lines
    assert f"rates_dir = {tmp_path}/rates  (from settings.toml; $ASSESSOR_RATES_DIR)" in lines
    assert "profile = p-123  (from $ASSESSOR_PROFILE; $ASSESSOR_PROFILE)" in lines
    assert any(line.startswith("debuggable = false  (default") for line in lines)


_START_UP = """
import sys
import assessor_app.__main__
from assessor_app.core import settings
found = settings.current()
print(found.source, "tomllib" in sys.modules)
"""


def test_a_start_with_no_settings_file_does_not_load_the_toml_reader(tmp_path: Path) -> None:
    # tomllib is on the way to the unlock window only when there is a file for it to read.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSESSOR_")}
    env |= {"XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)}
    runs = []
    for named in (None, _file(tmp_path, f'rates_dir = "{tmp_path}/rates"\n')):
        extra = {settings.SETTINGS_FILE_ENV: str(named)} if named else {}
        done = subprocess.run(
            [sys.executable, "-c", _START_UP],
            capture_output=True,
            text=True,
            env=env | extra,
            cwd=ROOT,
            check=True,
        )
        runs.append(done.stdout.split())
    if Path("/etc/assessor/settings.toml").is_file():
        pytest.skip("this machine has a settings file for every user")
    assert runs == [["None", "False"], [str(tmp_path / "settings.toml"), "True"]]
