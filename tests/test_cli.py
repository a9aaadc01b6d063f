"""The `onegrid` command, run as a user would, against the test session's database."""

from __future__ import annotations

import dataclasses
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, make_url, text

from onegrid.cli import main
from onegrid.platform.settings import Settings
from tests.conftest import environment


@pytest.fixture
def run(settings: Settings, tmp_path):
    # a state folder of its own: the trace checkpoints of `make run` are not this database's
    env = {**environment(settings), "ONEGRID_STATE_DIR": str(tmp_path)}

    def invoke(*args: str):
        return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return invoke


def test_help_works_without_any_configuration() -> None:
    result = CliRunner().invoke(main, ["--help"], env={"DATABASE_URL": ""})
    assert result.exit_code == 0
    for command in ("db", "city", "department", "token", "demo", "health", "trace", "import",
                    "user"):
        assert command in result.output


def test_missing_configuration_is_one_clear_line() -> None:
    result = CliRunner().invoke(main, ["department", "list"], env={"DATABASE_URL": ""})
    assert result.exit_code == 1
    assert "DATABASE_URL" in result.output and "Traceback" not in result.output


def test_token_create_prints_the_token_once_and_stores_its_hash(run, engine: Engine) -> None:
    assert run("department", "add", "CLITEST", "命令行测试局").exit_code == 0
    result = run("token", "create", "--department", "CLITEST", "--label", "ci")
    clear = result.output.strip()
    assert result.exit_code == 0 and clear.startswith("og_")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM api_token")).scalars().all()
        raw = conn.execute(text("SELECT count(*) FROM api_token WHERE token_hash = :t OR "
                                "label = :t"), {"t": clear}).scalar()
    assert len(stored) >= 1 and raw == 0


def test_department_key_create_list_revoke_show_the_secret_once_and_are_traced(
        run, engine: Engine) -> None:
    assert run("department", "add", "KEYTEST", "密钥测试局").exit_code == 0
    created = run("department", "key", "create", "KEYTEST", "--label", "erp")
    kid, secret = created.output.strip().splitlines()[-1].split(" ")
    assert created.exit_code == 0 and secret.isascii() and secret.isprintable()
    listed = run("department", "key", "list", "KEYTEST").output
    assert kid in listed and "active" in listed and secret not in listed
    assert run("department", "key", "revoke", kid).exit_code == 0
    assert "revoked" in run("department", "key", "list", "KEYTEST").output
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT secret FROM ingest_key WHERE kid = :k"),
                              {"k": kid}).scalar()
        traced = conn.execute(text("SELECT action FROM trace_entry WHERE detail->>'kid' = :k "
                                   "OR target = :t ORDER BY seq"),
                              {"k": kid, "t": f"ingest_key:{kid}"}).scalars().all()
    assert stored is None, "revoking erases the secret"
    assert traced == ["ingest_key.create", "ingest_key.revoke"]


def test_a_key_s_secret_is_stored_sealed(run, engine: Engine) -> None:
    assert run("department", "add", "KEYTEST", "密钥测试局").exit_code == 0
    kid, secret = run("department", "key", "create", "KEYTEST").output.split()[-2:]
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT secret FROM ingest_key WHERE kid = :k"),
                              {"k": kid}).scalar()
    assert stored is not None and secret.encode() not in stored and len(stored) > len(secret)


def test_unknown_department_is_an_error_not_a_traceback(run) -> None:
    result = run("token", "create", "--department", "NOSUCH")
    assert result.exit_code == 1 and "NOSUCH" in result.output


def test_trace_verify_reports_an_intact_chain(run) -> None:
    result = run("trace", "verify")
    assert result.exit_code == 0 and "trace intact" in result.output


def test_health_reports_both_services(run) -> None:
    result = run("health")
    state = json.loads(result.output)
    assert result.exit_code == 0 and state["store"]["ok"] and state["broker"]["ok"]
    # the session's store may keep other tests' datasets, whose topics they deleted
    assert state["status"] == ("degraded" if state["ingest"].get("datasets") else "ok")


def test_settings_reject_what_is_missing() -> None:
    with pytest.raises(Exception, match="ONEGRID_PII_KEY"):
        Settings.from_env({"DATABASE_URL": "x", "KAFKA_BOOTSTRAP_SERVERS": "y",
                           "ONEGRID_SECRET_KEY": "z"})
    assert dataclasses.fields(Settings)


def test_db_upgrade_says_when_the_database_is_not_in_the_expected_collation(
        run, settings: Settings) -> None:
    assert "note:" not in run("db", "upgrade").stderr  # the test database: created in "C"
    url = make_url(settings.admin_database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"{make_url(settings.database_url).database}_collation"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 "
                          "LC_COLLATE 'C.UTF-8'"))
    try:
        elsewhere = url.set(database=name).render_as_string(hide_password=False)
        result = CliRunner().invoke(main, ["db", "upgrade", "--revision", "0001"], env={
            "DATABASE_URL": elsewhere, "ONEGRID_OWNER_DATABASE_URL": elsewhere})
        assert result.exit_code == 0, result.output
        assert "collation is 'C.UTF-8'" in result.stderr and "LC_COLLATE 'C'" in result.stderr
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_token_scope_list_and_revoke_are_traced_and_never_show_a_token(run, engine) -> None:
    assert run("department", "add", "CLISCOPE", "范围测试局").exit_code == 0
    clear = run("token", "create", "--department", "CLISCOPE", "--scope", "open311",
                "--days", "30").output.strip()
    listed = run("token", "list").output
    mine = [line.split("\t") for line in listed.splitlines() if "\tCLISCOPE\t" in line]
    assert len(mine) == 1 and mine[0][2] == "open311" and mine[0][6] == "-"
    assert clear not in listed
    assert run("token", "revoke", mine[0][0]).exit_code == 0
    assert [line for line in run("token", "list").output.splitlines()
            if line.startswith(mine[0][0] + "\t")][0].split("\t")[6] != "-"
    assert run("token", "revoke", "0").exit_code == 1
    with engine.connect() as conn:
        actions = set(conn.execute(text(
            "SELECT action FROM trace_entry WHERE action LIKE 'token.%'")).scalars())
    assert {"token.create", "token.list", "token.revoke"} <= actions


@pytest.mark.usefixtures("city")
def test_the_demo_refuses_to_listen_beyond_loopback_with_its_published_password(run) -> None:
    refused = run("demo", "guard", "--host", "0.0.0.0")
    assert refused.exit_code == 1 and "published password" in refused.output
    assert run("demo", "guard", "--host", "127.0.0.1").exit_code == 0
    assert run("demo", "guard", "--host", "::1").exit_code == 0


@pytest.mark.usefixtures("city")
def test_list_import_then_diff_shows_each_change_and_a_bad_file_names_row_and_column(
        run, tmp_path) -> None:
    # committed for the session: dated 2099, so no other test's events fall under them
    old, new, bad = (tmp_path / name for name in ("old.csv", "new.csv", "bad.csv"))
    old.write_text("task_type,name,kind,level\nCLI_A,甲,duty,grid\nCLI_B,乙,duty,grid\n")
    new.write_text("事项编码,事项名称,事项类别,最低层级\nCLI_A,甲,履职事项,社区\nCLI_C,丙,配合事项,街道\n")
    bad.write_text("task_type,name,kind,level\nCLI_D,丁,duty,county\n")
    for file, day in ((old, "2099-01-01"), (new, "2099-02-01")):
        imported = run("list", "import", "admission", str(file), "--effective", day)
        assert imported.exit_code == 0 and f"in force from {day} 00:00" in imported.output
    assert "nothing added" in run("list", "import", "admission", str(new),
                                  "--effective", "2099-02-01").output
    result = run("list", "diff", "admission")
    assert result.exit_code == 0
    assert result.output.splitlines()[1:] == ["+ CLI_C\t丙", "- CLI_B\t乙",
                                              "~ CLI_A\tlevel: grid → community"]
    assert "2099-02-01" in run("list", "versions", "admission").output.splitlines()[-1]
    refused = run("list", "import", "admission", str(bad), "--effective", "2099-03-01")
    assert refused.exit_code == 1
    assert "row 2, column level (最低层级): 'county' is not one of street, community, grid" in \
        refused.output


USERS_HEADER = "用户名,姓名,角色,部门,工作区域,手机\n"


@pytest.mark.usefixtures("city")
def test_import_users_writes_one_time_passwords_to_a_private_file_never_to_the_screen(
        run, engine: Engine, tmp_path) -> None:
    people = tmp_path / "people.csv"
    people.write_text(USERS_HEADER + "cli.wu,吴敏,网格员,WGZX,330302001001001,13600000001\n"
                      "cli.he,何平,operator,ZHZX,,\n", "utf-8")
    handed = tmp_path / "handover" / "passwords.csv"
    result = run("import", "users", str(people), "--passwords", str(handed))
    assert result.exit_code == 0, result.output
    assert str(handed) in result.output and "people.csv: 2 added, 0 updated" in result.output
    assert handed.stat().st_mode & 0o777 == 0o600
    lines = handed.read_text().splitlines()
    assert lines[0] == "username,one_time_password" and len(lines) == 3
    for line in lines[1:]:
        assert line.split(",")[1] not in result.output
    assert "13600000001" not in result.output
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT phone_masked, must_change_password FROM app_user "
                                   "WHERE username = 'cli.wu'")).one()
    assert tuple(stored) == ("136****0001", True)
    again = run("import", "users", str(people), "--passwords", str(handed))
    assert again.exit_code == 0 and "0 added, 0 updated, 2 unchanged" in again.output


@pytest.mark.usefixtures("city")
def test_a_wrong_file_names_row_and_column_writes_nothing_and_hands_over_nothing(
        run, engine: Engine, tmp_path) -> None:
    people = tmp_path / "people.csv"
    people.write_text(USERS_HEADER + "cli.ok,好,operator,ZHZX,,\ncli.bad,坏,网格员,WGZX,,1\n",
                      "utf-8")
    result = run("import", "users", str(people), "--passwords", str(tmp_path / "p.csv"))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "row 3, column E (areas)" in result.output
    assert "row 3, column F (phone)" in result.output
    assert not (tmp_path / "p.csv").exists()
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM app_user WHERE username = 'cli.ok'")) == 0


@pytest.mark.usefixtures("city")
def test_user_commands_change_one_user_each_and_are_traced(run, engine: Engine,
                                                           tmp_path) -> None:
    first = tmp_path / "first.csv"
    added = run("user", "add", "cli.zheng", "--name", "郑洁", "--role", "grid_worker",
                "--department", "WGZX", "--area", "330302001001001", "--phone", "13600000009",
                "--passwords", str(first))
    assert added.exit_code == 0 and "13600000009" not in added.output, added.output
    assert run("user", "add", "cli.zheng", "--name", "又", "--role", "operator").exit_code == 1
    assigned = run("user", "assign", "cli.zheng", "330302001001002")
    assert assigned.output.strip() == "cli.zheng: 330302001001001 330302001001002"
    second = tmp_path / "second.csv"
    assert run("user", "reset-password", "cli.zheng", "--passwords", str(second)).exit_code == 0
    assert first.read_text() != second.read_text()
    assert run("user", "disable", "cli.zheng").output.strip() == "disabled cli.zheng"
    assert run("user", "disable", "nobody.here").exit_code == 1
    with engine.connect() as conn:
        actions = conn.execute(text("SELECT action FROM trace_entry WHERE target = "
                                    "'user:cli.zheng' ORDER BY seq")).scalars().all()
    assert actions == ["user.add", "user.assign", "user.reset_password", "user.disable"]


@pytest.mark.usefixtures("city")
def test_passwords_never_overwrite_a_file(run, engine: Engine, tmp_path) -> None:
    taken = tmp_path / "taken.csv"
    taken.write_text("someone else's\n")
    result = run("user", "add", "cli.feng", "--name", "冯", "--role", "operator",
                 "--passwords", str(taken))
    assert result.exit_code == 1 and "exists: name a new file" in result.output
    assert taken.read_text() == "someone else's\n"
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM app_user WHERE username = 'cli.feng'")) == 0
