-- The store's roles and database (docs/architecture.md, The store: roles), run by the cluster's
-- superuser on the database `postgres`: `deploy/local.sh` on every `up`, `deploy/cluster.sh`,
-- and the store image's post-bootstrap. Idempotent. psql variables: owner_password,
-- web_password, ingest_password.
SELECT format('CREATE ROLE %I', r) FROM unnest(ARRAY['onegrid_owner', 'onegrid_web',
  'onegrid_ingest']) AS r WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) \gexec
ALTER ROLE onegrid_owner LOGIN NOSUPERUSER NOCREATEROLE PASSWORD :'owner_password';
ALTER ROLE onegrid_web LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB PASSWORD :'web_password';
ALTER ROLE onegrid_ingest LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB PASSWORD :'ingest_password';
-- LC_COLLATE 'C': keys compare as bytes (onegrid.platform.store.db.COLLATION says why)
SELECT 'CREATE DATABASE onegrid TEMPLATE template0 LC_COLLATE ''C'' OWNER onegrid_owner'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'onegrid') \gexec
ALTER DATABASE onegrid OWNER TO onegrid_owner;
\connect onegrid
-- PostGIS is no trusted extension: only a superuser may create it. Then what the superuser
-- owned in a store made before the roles (tables, sequences, views, functions; not PostGIS's
-- own) passes to the owner; a sequence that belongs to a column follows its table.
CREATE EXTENSION IF NOT EXISTS postgis;
SELECT format('ALTER TABLE %s OWNER TO onegrid_owner', c.oid::regclass)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  AND c.relowner = current_user::regrole
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype IN ('e', 'a', 'i')) \gexec
SELECT format('ALTER FUNCTION %s OWNER TO onegrid_owner', p.oid::regprocedure)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public' AND p.proowner = current_user::regrole
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e') \gexec
