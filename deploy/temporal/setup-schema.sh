#!/bin/sh
# Brings the Temporal databases' schemas up to the version of this admin-tools
# image, then exits. Runs before every start of the Temporal server, so that
# upgrading TEMPORAL_VERSION also upgrades the schemas; running it again on an
# up-to-date database changes nothing.
#
# The databases and the `temporal` role come from
# deploy/postgres/initdb.d/10-redress-and-temporal.sh. The password arrives in
# SQL_PASSWORD, which temporal-sql-tool reads from the environment.
set -eu

host="${SQL_HOST:-postgresql}"
port="${SQL_PORT:-5432}"
user="${SQL_USER:-temporal}"
schema_root=/etc/temporal/schema/postgresql/v12

sql_tool() {
    temporal-sql-tool --plugin postgres12 --endpoint "$host" --port "$port" --user "$user" "$@"
}

for db in temporal temporal_visibility; do
    case "$db" in
        temporal) dir="$schema_root/temporal/versioned" ;;
        *) dir="$schema_root/visibility/versioned" ;;
    esac
    # Creates the version tables on a fresh database; on an initialised one it
    # may report that they exist, which is fine: update-schema below is the
    # step that must succeed.
    if ! sql_tool --db "$db" setup-schema -v 0.0; then
        echo "setup-schema: $db is already initialised"
    fi
    sql_tool --db "$db" update-schema -d "$dir"
done
echo "Temporal schemas are up to date"
