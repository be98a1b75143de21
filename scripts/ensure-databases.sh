#!/usr/bin/env bash
# Makes sure the local PostgreSQL (127.0.0.1:5432) and MariaDB (127.0.0.1:3306) that the
# extraction tests use are answering, starting them the way this machine's image does
# when one has stopped. Used by CI; harmless when both are already up.
set -u

wait_for() {
  local what=$1 check=$2
  for _ in $(seq 1 30); do
    if eval "$check" >/dev/null 2>&1; then echo "$what: ready"; return 0; fi
    sleep 1
  done
  echo "$what: not answering" >&2
  return 1
}

if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  echo "PostgreSQL: starting"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
wait_for PostgreSQL "pg_isready -h 127.0.0.1 -p 5432"

if ! mysqladmin -h 127.0.0.1 -P 3306 -uroot ping >/dev/null 2>&1; then
  echo "MariaDB: starting"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
fi
wait_for MariaDB "mysqladmin -h 127.0.0.1 -P 3306 -uroot ping"
