"""The operator interface of the `smartcity` command (kept stable for operators' scripts)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import text

from smartcity.cli import main
from smartcity.core.db import make_engine


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> CliRunner:
    monkeypatch.setenv("SMARTCITY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SMARTCITY_DATABASE_URL", database_url)
    monkeypatch.setenv("SMARTCITY_PASSWORD_HASH_MEMORY_KIB", "19456")
    monkeypatch.setenv("SMARTCITY_PASSWORD_HASH_TIME_COST", "2")
    monkeypatch.setenv("SMARTCITY_PASSWORD_HASH_PARALLELISM", "1")
    return CliRunner()


def migrations_head() -> str:
    from alembic.script import ScriptDirectory

    from smartcity.core.migrate import alembic_config

    # The platform's chain and every module's own branch: the CLI names each head, except
    # a head another branch depends on (Alembic keeps only the dependent's row for both).
    script = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://")))
    heads = set(script.get_heads())
    built_upon = {
        ancestor.revision
        for head in heads
        for ancestor in script.iterate_revisions(head, "base")
        if ancestor.revision != head
    }
    assert heads
    return ", ".join(sorted(heads - built_upon))


def run(cli: CliRunner, *args: str, ok: bool = True) -> Result:
    result = cli.invoke(main, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_tenant_create_and_list(cli: CliRunner) -> None:
    run(cli, "tenant", "create", "pirna", "--name", "Pirna", "--ags", "14628270")
    listing = run(cli, "tenant", "list").output
    assert "pirna\tPirna\t14628270" in listing


def test_tenant_create_with_invalid_ags_explains(cli: CliRunner) -> None:
    result = run(cli, "tenant", "create", "pirna", "--name", "Pirna", "--ags", "123", ok=False)
    assert result.exit_code != 0
    assert "Amtlicher Gemeindeschlüssel" in result.output


def test_apikey_create_prints_key_alone_on_last_line(cli: CliRunner) -> None:
    run(cli, "tenant", "create", "pirna", "--name", "Pirna", "--ags", "14628270")
    output = run(
        cli, "apikey", "create", "--tenant", "pirna", "--scope", "sta:write", "--scope", "sta:read"
    ).output
    last = output.strip().splitlines()[-1]
    assert last.startswith("sck_")
    assert " " not in last
    listing = run(cli, "apikey", "list", "--tenant", "pirna").output
    assert "sta:read,sta:write" in listing
    assert last not in listing
    key_id = listing.split("\t", 1)[0]
    run(cli, "apikey", "revoke", "--tenant", "pirna", key_id)
    assert "revoked" in run(cli, "apikey", "list", "--tenant", "pirna").output


def test_apikey_for_unknown_tenant_is_a_clear_error(cli: CliRunner) -> None:
    run(cli, "migrate")
    result = run(cli, "apikey", "create", "--tenant", "nirgendwo", "--scope", "sta:write", ok=False)
    assert result.exit_code == 1
    assert "no municipality 'nirgendwo'" in result.output


def test_user_create_and_roles(cli: CliRunner) -> None:
    run(cli, "tenant", "create", "pirna", "--name", "Pirna", "--ags", "14628270")
    run(cli, "user", "create", "p.meier", "--password", "Sandstein-Festung-1")
    assert (
        "case_worker in pirna"
        in run(
            cli,
            "user",
            "set-role",
            "p.meier",
            "case_worker",
            "--tenant",
            "pirna",
            "--department",
            "Bauamt",
        ).output
    )
    assert (
        "region_admin in region" in run(cli, "user", "set-role", "p.meier", "region_admin").output
    )
    weak = run(cli, "user", "create", "p.weak", "--password", "password1", ok=False)
    assert "common passwords" in weak.output
    missing = run(cli, "user", "set-role", "p.meier", "admin", ok=False)
    assert "--tenant" in missing.output
    # A module's role is given by its key; a key no module declares is refused.
    leisure = ("user", "set-role", "p.meier", "facility_manager", "--tenant", "pirna")
    assert "facility_manager in pirna" in run(cli, *leisure).output
    unknown = run(
        cli, "user", "set-role", "p.meier", "harbour_master", "--tenant", "pirna", ok=False
    )
    assert "Unknown role 'harbour_master'" in unknown.output
    # A path of the platform is no municipality's slug.
    taken = run(cli, "tenant", "create", "verwaltung", "--name", "X", "--ags", "14628280", ok=False)
    assert "reserved" in taken.output


def test_user_reset_mfa_removes_a_lost_second_factor(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyotp

    from smartcity.cli import load_platform
    from smartcity.core.db import transaction
    from smartcity.core.identity import mfa, users
    from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM

    monkeypatch.setenv("SMARTCITY_SECRET_KEY", "cli-test-secret-" + "z" * 40)
    run(cli, "user", "create", "p.meier", "--password", "Sandstein-Festung-1")
    platform = load_platform()
    secret = platform.settings.require_secret_key()
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        account = users.get_user_by_name(db, "p.meier")
        enrolment = mfa.start_enrolment(db, account, secret)
        assert mfa.confirm_enrolment(db, account, pyotp.TOTP(enrolment.secret).now(), secret)
    assert "second factor of p.meier removed" in run(cli, "user", "reset-mfa", "p.meier").output
    with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
        account = users.get_user_by_name(db, "p.meier")
        assert not mfa.has_totp(db, account.id)
        assert mfa.recovery_codes_left(db, account.id) == 0
    assert "p.meier had none" in run(cli, "user", "reset-mfa", "p.meier").output
    platform.engine.dispose()


def test_audit_verify_exit_codes(cli: CliRunner, database_url: str) -> None:
    run(cli, "tenant", "create", "pirna", "--name", "Pirna", "--ags", "14628270")
    run(cli, "apikey", "create", "--tenant", "pirna", "--scope", "sta:write")
    assert "audit log intact: 2 entries" in run(cli, "audit", "verify").output
    engine = make_engine(database_url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            connection.execute(text("DROP TRIGGER audit_entry_no_update"))
        entry_id = connection.execute(text("SELECT max(id) FROM audit_entry")).scalar()
        connection.execute(
            text("UPDATE audit_entry SET action = 'nothing.happened' WHERE id = :id"),
            {"id": entry_id},
        )
    engine.dispose()
    result = run(cli, "audit", "verify", ok=False)
    assert result.exit_code == 1
    assert f"entry id {entry_id}" in result.output
    assert "modified" in result.output


def test_export_writes_an_archive(cli: CliRunner, tmp_path: Path) -> None:
    run(cli, "tenant", "create", "pirna", "--name", "Pirna", "--ags", "14628270")
    target = tmp_path / "pirna.zip"
    output = run(cli, "export", "--tenant", "pirna", "--output", str(target)).output
    assert "wrote" in output
    names = zipfile.ZipFile(target).namelist()
    assert "manifest.json" in names
    assert "tables/audit_entry.csv" in names


def test_migrate_up_and_down(cli: CliRunner) -> None:
    head = migrations_head()
    assert f"revision {head}" in run(cli, "migrate").output
    assert "revision 0001" in run(cli, "migrate", "--down", "--revision", "0001").output
    assert "revision base" in run(cli, "migrate", "--down", "--revision", "base").output
    assert f"revision {head}" in run(cli, "migrate").output


def test_serve_refuses_to_start_without_secret(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMARTCITY_SECRET_KEY", raising=False)
    result = run(cli, "serve", ok=False)
    assert result.exit_code == 1
    assert "SMARTCITY_SECRET_KEY" in result.output


def test_invalid_environment_is_named(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTCITY_PORT", "not-a-port")
    result = run(cli, "tenant", "list", ok=False)
    assert "SMARTCITY_PORT" in result.output


def test_jobs_list_and_run(cli: CliRunner) -> None:
    assert "identity.housekeeping\tevery 600 s" in run(cli, "jobs", "list").output
    assert "ran identity.housekeeping" in run(cli, "jobs", "run", "identity.housekeeping").output
    unknown = run(cli, "jobs", "run", "nothing", ok=False)
    assert "unknown job 'nothing'" in unknown.output
