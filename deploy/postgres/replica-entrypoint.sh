#!/bin/sh
# The streaming replica of the scaled profile (db-replica). On its first start (an empty data
# directory) it copies the primary with pg_basebackup -R, which also writes standby.signal and
# primary_conninfo: PostgreSQL then starts as a hot standby that follows the primary. Later
# starts find the data there and only start the server. To rebuild a replica that fell too far
# behind, remove its volume (pgreplica) and start it again.
set -eu

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    until pg_isready -q -h "$PRIMARY_HOST" -U replicator; do
        echo "waiting for the primary at $PRIMARY_HOST"
        sleep 2
    done
    gosu postgres env PGPASSWORD="$POSTGRES_REPLICATION_PASSWORD" \
        pg_basebackup -h "$PRIMARY_HOST" -U replicator -D "$PGDATA" -R -X stream -c fast -P
fi

exec docker-entrypoint.sh postgres
