"""`onegrid import users` and `onegrid user …`: the city's people, from its file or one at a
time. One-time passwords go to a file only its owner can read, never to the screen."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import ExitStack
from pathlib import Path

import click
from sqlalchemy.orm import Session

from onegrid.platform.accounts.one_time import default_path, handed_over
from onegrid.platform.accounts.users import (
    ROLE_NAMES,
    add_user,
    apply_people,
    assign,
    person_from,
    read_people,
    reset_password,
    set_disabled,
)
from onegrid.platform.cli import OneGridGroup, Runtime, pass_runtime_as

ACTOR = "cli"
PASSWORDS_HELP = ("Where to write the one-time passwords (a new file, mode 0600). Default: "
                  "ONEGRID_STATE_DIR/one-time-passwords/<what>-<time>.csv.")


def _passwords_option(command: Callable[..., None]) -> Callable[..., None]:
    return click.option("--passwords", "passwords_file", type=click.Path(path_type=Path),
                        help=PASSWORDS_HELP)(command)


def _committed(rt: Runtime, what: str, passwords_file: Path | None,
               change: Callable[[Session], Mapping[str, str]]) -> None:
    """Run ``change`` in one transaction; the one-time passwords it returns are written to
    their file before the commit and the file removed if the commit fails."""
    with ExitStack() as stack:
        with rt.unit_of_work() as session:
            passwords = change(session)
            path = stack.enter_context(handed_over(
                passwords_file or default_path(rt.settings.state_dir, what), passwords)
            ) if passwords else None
        if path is not None:
            click.echo(f"one-time passwords for {len(passwords)} user(s) in {path} (readable by "
                       "its owner only): hand each to its user, who must change it at first "
                       "sign-in; then delete the file")


@click.group("import", cls=OneGridGroup)
def import_() -> None:
    """Load what a city keeps in its own files."""


@import_.command("users")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_passwords_option
@pass_runtime_as("owner")
def import_users(rt: Runtime, file: Path, passwords_file: Path | None) -> None:
    """Add or update the users listed in FILE (.xlsx, first sheet, or .csv in UTF-8), one a
    row under a header: username (用户名), name (姓名), role (角色: grid_worker 网格员,
    department_staff 部门工作人员, operator 指挥中心值班员, admin 管理员), department (部门, its
    code), areas (工作区域: area codes, separated by spaces, commas or 、), phone (手机). A user
    already in the store is set as its row says. If any row is wrong, every problem is listed
    by row and column and nothing is written. New users get one-time passwords, written to a
    file."""
    outcome: dict[str, int] = {}

    def change(session: Session) -> Mapping[str, str]:
        people = read_people(session, file)
        applied = apply_people(session, people, rt.settings.pii_key, ACTOR, file.name)
        outcome.update(added=len(applied.created), updated=len(applied.updated),
                       unchanged=applied.unchanged)
        return applied.created

    _committed(rt, "users", passwords_file, change)
    click.echo(f"{file.name}: " + ", ".join(f"{n} {what}" for what, n in outcome.items()))


@click.group(cls=OneGridGroup)
def user() -> None:
    """People who sign in: one change at a time (a whole file: `onegrid import users`)."""


@user.command("add")
@click.argument("username")
@click.option("--name", required=True, help="The person's name, as shown.")
@click.option("--role", required=True, type=click.Choice(list(ROLE_NAMES)))
@click.option("--department", default="", help="Their department's code.")
@click.option("--area", "areas", multiple=True, help="An area code they work in (repeatable).")
@click.option("--phone", default="", prompt="phone (empty for none)", prompt_required=False,
              help="Their phone; give the option alone to be asked for it instead of leaving "
                   "it in the shell's history.")
@_passwords_option
@pass_runtime_as("owner")
def user_add(rt: Runtime, username: str, name: str, role: str, department: str,
             areas: tuple[str, ...], phone: str, passwords_file: Path | None) -> None:
    """Add one user, with a one-time password written to a file."""
    def change(session: Session) -> Mapping[str, str]:
        person = person_from(session, {"username": username, "name": name, "role": role,
                                       "department": department, "areas": " ".join(areas),
                                       "phone": phone})
        return {username: add_user(session, person, rt.settings.pii_key, ACTOR)}

    _committed(rt, f"user-{username}", passwords_file, change)
    click.echo(f"added {username}")


@user.command("reset-password")
@click.argument("username")
@_passwords_option
@pass_runtime_as("owner")
def user_reset_password(rt: Runtime, username: str, passwords_file: Path | None) -> None:
    """Give USERNAME a new one-time password (written to a file), to change at the next
    sign-in; their sessions end."""
    _committed(rt, f"user-{username}", passwords_file,
               lambda session: {username: reset_password(session, username, ACTOR)})


@user.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="Let the user sign in again instead.")
@pass_runtime_as("owner")
def user_disable(rt: Runtime, username: str, enable: bool) -> None:
    """Stop USERNAME signing in (their sessions end at once); `--enable` undoes it."""
    with rt.unit_of_work() as session:
        set_disabled(session, username, not enable, ACTOR)
    click.echo(f"{'enabled' if enable else 'disabled'} {username}")


@user.command("assign")
@click.argument("username")
@click.argument("codes", nargs=-1, required=True)
@click.option("--replace", is_flag=True, help="These areas only, instead of adding them.")
@pass_runtime_as("owner")
def user_assign(rt: Runtime, username: str, codes: tuple[str, ...], replace: bool) -> None:
    """Give USERNAME the areas with these CODES to work in (a grid worker: grids)."""
    with rt.unit_of_work() as session:
        now = assign(session, username, codes, ACTOR, replace)
    click.echo(f"{username}: {' '.join(now) or 'no areas'}")


COMMANDS = (import_, user)
