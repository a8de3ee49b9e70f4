#!/bin/sh
# Install Debian's PostgreSQL + PostGIS for the plan-store tests (tests/geo/test_store_postgis.py)
# when they are missing. Needs root (apt-get); otherwise says what to run and exits 0, and the
# tests skip with that reason outside CI (in CI they fail).
set -eu

have_postgis() {
    for bin in /usr/lib/postgresql/*/bin/initdb; do
        [ -x "$bin" ] || continue
        ver=$(basename "$(dirname "$(dirname "$bin")")")
        ls /usr/share/postgresql/"$ver"/extension/postgis.control >/dev/null 2>&1 && return 0
    done
    return 1
}

if have_postgis; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install_postgres: PostgreSQL/PostGIS missing and not root; run as root:" >&2
    echo "  apt-get update && apt-get install -y postgresql postgis postgresql-postgis" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends postgresql postgresql-contrib postgis postgresql-postgis
# Debian's postinst may start a cluster on port 5432; the tests run their own throwaway one.
have_postgis
