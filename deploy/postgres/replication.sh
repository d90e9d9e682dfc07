#!/bin/sh
# Lets the streaming replica of the scaled profile (db-replica) copy and follow this primary:
# a `replicator` role and a pg_hba.conf line for its replication connections. Run by the
# official image on the first start of an empty volume (/docker-entrypoint-initdb.d/); on a
# primary that already has data, run it once by hand:
#   docker compose exec db sh /docker-entrypoint-initdb.d/10-replication.sh
# The defaults of the image already stream: wal_level=replica, max_wal_senders=10.
set -eu

psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" \
    -v password="$POSTGRES_REPLICATION_PASSWORD" <<'SQL'
SELECT 'CREATE ROLE replicator WITH REPLICATION LOGIN'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'replicator')\gexec
ALTER ROLE replicator WITH PASSWORD :'password';
SQL

hba="$PGDATA/pg_hba.conf"
line="host replication replicator all scram-sha-256"
grep -qxF "$line" "$hba" || echo "$line" >> "$hba"
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "SELECT pg_reload_conf()"
