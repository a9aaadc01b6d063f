"""The `onegrid` command: every sub-command of every package, in one place."""

from __future__ import annotations

import click

from onegrid.demo.cli import COMMANDS as DEMO
from onegrid.gis.cli import COMMANDS as GIS
from onegrid.ingest.cli import COMMANDS as INGEST
from onegrid.platform.burden.cli import COMMANDS as BURDEN
from onegrid.platform.cli import COMMANDS as PLATFORM
from onegrid.platform.cli import OneGridGroup, Runtime
from onegrid.platform.settings import Settings


@click.group(cls=OneGridGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """OneGrid: one store for the city's grid data, shared once, traced always.

    Configuration comes from the environment (see README); run through `make` or
    `deploy/with-env.sh` to use the local services."""
    ctx.obj = Runtime(Settings.from_env)  # every sub-command's settings, read once
    ctx.call_on_close(ctx.obj.close)


for command in (*PLATFORM, *BURDEN, *GIS, *INGEST, *DEMO):
    main.add_command(command)


if __name__ == "__main__":
    main()
