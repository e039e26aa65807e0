#!/usr/bin/env bash
# PostgreSQL for the tests of examples/postgres-storage: makes sure the cluster is up and that the
# role and the database the tests use exist. Idempotent: run it as often as you like.
#
#   .ci/postgres.sh
#
# Then the tests connect to postgres://express_wopi:express_wopi@127.0.0.1:5432/express_wopi_test
# (their default DATABASE_URL). Each run creates a schema of its own there and drops it at the end.
# With EXPRESS_WOPI_REQUIRE_POSTGRES=1, a test run that cannot reach it fails instead of skipping.
#
# Environment: PG_VERSION (default 15) and PG_CLUSTER (default main), the Debian cluster to start;
# PGHOST (default 127.0.0.1) and PGPORT (default 5432); EXPRESS_WOPI_PG_ROLE (default express_wopi)
# and EXPRESS_WOPI_PG_DATABASE (default express_wopi_test). Exits non-zero, saying why, when
# PostgreSQL cannot be reached.
set -euo pipefail

version="${PG_VERSION:-15}"
cluster="${PG_CLUSTER:-main}"
host="${PGHOST:-127.0.0.1}"
port="${PGPORT:-5432}"
role="${EXPRESS_WOPI_PG_ROLE:-express_wopi}"
database="${EXPRESS_WOPI_PG_DATABASE:-express_wopi_test}"

if ! command -v psql >/dev/null 2>&1; then
  echo "postgres.sh: psql is not installed; the PostgreSQL tests cannot run" >&2
  exit 1
fi

ready() { pg_isready -q -h "$host" -p "$port" >/dev/null 2>&1; }

if ! ready; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster "$version" "$cluster" start >/dev/null 2>&1 || true
  fi
  for _ in $(seq 1 100); do ready && break; sleep 0.1; done
  if ! ready; then
    echo "postgres.sh: PostgreSQL is not accepting connections on $host:$port (tried pg_ctlcluster $version $cluster start)" >&2
    exit 1
  fi
fi

# As the superuser: over TCP as postgres (trust auth on this machine), else over the local socket
# as the postgres system user.
admin() {
  if psql -X -q -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U postgres -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
    psql -X -q -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U postgres -d postgres "$@"
  elif [ "$(id -u)" = 0 ] && command -v runuser >/dev/null 2>&1; then
    runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres "$@"
  else
    echo "postgres.sh: cannot connect to PostgreSQL as its superuser to create the role and the database" >&2
    return 1
  fi
}

# A plain login role (no superuser) that owns the test database, so it may create and drop schemas
# there and nowhere else. The password is for clusters that ask for one; trust auth ignores it.
admin -v role="$role" -v database="$database" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
SQL

echo "PostgreSQL is ready: postgres://$role:$role@$host:$port/$database"
