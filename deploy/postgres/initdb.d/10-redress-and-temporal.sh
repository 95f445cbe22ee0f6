#!/bin/sh
# Creates the roles and databases of a Redress installation. The postgres
# image runs this once, when the data volume is first initialised; changing a
# password later takes `ALTER ROLE ... PASSWORD ...` by hand (see
# docs/deployment.md).
#
#   redress              owns the `redress` database (cases, audit trail, outbox,
#                        knowledge articles); migrated by `python -m redress.db upgrade`
#   temporal             owns `temporal` and `temporal_visibility`; their schemas
#                        are set up by the temporal-schema job (temporal-sql-tool)
#
# Passwords arrive as psql variables, so no quoting of their contents matters.

: "${REDRESS_DB_PASSWORD:?REDRESS_DB_PASSWORD must be set for the postgresql service}"
: "${TEMPORAL_DB_PASSWORD:?TEMPORAL_DB_PASSWORD must be set for the postgresql service}"

psql --no-psqlrc -v ON_ERROR_STOP=1 \
    --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
    -v redress_password="$REDRESS_DB_PASSWORD" \
    -v temporal_password="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE redress LOGIN PASSWORD :'redress_password';
CREATE DATABASE redress OWNER redress;

CREATE ROLE temporal LOGIN PASSWORD :'temporal_password';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
SQL
