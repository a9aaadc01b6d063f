"""The `onegrid` command: every sub-command of every package, in one place."""

from __future__ import annotations

import click

from onegrid.demo.cli import COMMANDS as DEMO
from onegrid.gis.cli import COMMANDS as GIS
from onegrid.ingest.cli import COMMANDS as INGEST
from onegrid.platform.accounts.cli import COMMANDS as ACCOUNTS
from onegrid.platform.burden.cli import COMMANDS as BURDEN
from onegrid.platform.cli import COMMANDS as PLATFORM
from onegrid.platform.cli import OneGridGroup, Runtime
from onegrid.platform.governance.cli import COMMANDS as GOVERNANCE
from onegrid.platform.offices.cli import COMMANDS as OFFICES
from onegrid.platform.settings import Settings


@click.group(cls=OneGridGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """OneGrid: one store for the city's grid data, shared once, traced always.

    Configuration comes from the environment (see README); run through `make` or
    `deploy/with-env.sh` to use the local services."""
    ctx.obj = Runtime(Settings.from_env)  # every sub-command's settings, read once
    ctx.call_on_close(ctx.obj.close)


def _add(group: click.Group, command: click.Command) -> None:
    """Add ``command``; a group named as one already there (`import`, which several packages
    extend) adds its sub-commands to it."""
    present = group.commands.get(str(command.name))
    if isinstance(present, click.Group) and isinstance(command, click.Group):
        for sub in command.commands.values():
            present.add_command(sub)
    else:
        group.add_command(command)


for command in (*PLATFORM, *ACCOUNTS, *GOVERNANCE, *BURDEN, *OFFICES, *GIS, *INGEST, *DEMO):
    _add(main, command)


if __name__ == "__main__":
    main()
