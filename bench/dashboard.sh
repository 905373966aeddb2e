#!/usr/bin/env bash
# The dashboard's queries (usage, overview, request records) over a ledger of 1,000,000 rows, on
# SQLite and on PostgreSQL (a database of its own, dropped afterwards): bench/DashboardQueries.java.
#
#   bash bench/dashboard.sh
#
# Environment (all optional): ROWS=1000000, RUNS=7 (timed runs per query; the median is shown),
# BENCH_PG=127.0.0.1:5432 (user BENCH_PG_USER=postgres, trust auth), DASHBOARD_DBS="sqlite postgresql".
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -o compile
mvn -q dependency:build-classpath -Dmdep.outputFile=target/cp.txt >/dev/null
cp="target/classes:$(cat target/cp.txt)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pg=${BENCH_PG:-127.0.0.1:5432}
pg_user=${BENCH_PG_USER:-postgres}
for db in ${DASHBOARD_DBS:-sqlite postgresql}; do
    echo "== $db"
    case $db in
        sqlite)
            java -cp "$cp" bench/DashboardQueries.java "$tmp/dashboard.db" ;;
        postgresql)
            name="tg_dashboard_$$"
            psql -h "${pg%:*}" -p "${pg#*:}" -U "$pg_user" -d postgres -qc "CREATE DATABASE $name"
            java -cp "$cp" bench/DashboardQueries.java "jdbc:postgresql://$pg/$name" "$pg_user" || true
            psql -h "${pg%:*}" -p "${pg#*:}" -U "$pg_user" -d postgres -qc "DROP DATABASE $name" ;;
    esac
done
