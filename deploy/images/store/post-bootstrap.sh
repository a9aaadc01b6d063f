#!/bin/sh
# Run by Patroni once, on the first leader: the store's roles, database and PostGIS.
set -eu
exec psql -qAt -v ON_ERROR_STOP=1 -d postgres \
  -v owner_password="$ONEGRID_OWNER_PASSWORD" -v web_password="$ONEGRID_WEB_PASSWORD" \
  -v ingest_password="$ONEGRID_INGEST_PASSWORD" -f /etc/onegrid/store-roles.sql
