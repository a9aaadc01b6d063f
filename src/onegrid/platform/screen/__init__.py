"""The command centre's one screen (一屏指挥): KPIs, league table, warnings, live feed, burden."""
