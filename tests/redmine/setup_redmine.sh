#!/usr/bin/env bash
# Install, seed and start a local Redmine 5 for backdesk's Redmine adapter tests.
#
#   sudo tests/redmine/setup_redmine.sh          # on a free port, or BACKDESK_REDMINE_PORT
#
# Safe to re-run: packages, the SQLite busy timeout and the server are set up only when
# missing; the seed (tests/redmine/seed.rb: users, roles, workflows, projects, custom
# fields, API keys) is idempotent and runs every time. Needs root (apt, /etc/redmine).
# Redmine runs as www-data under thin (one process, one request at a time: SQLite gives
# "database is locked" 500s under parallel writers), bound to 127.0.0.1 only.
set -euo pipefail

STATE="${BACKDESK_REDMINE_STATE:-/var/tmp/backdesk-redmine}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
APP=/usr/share/redmine
DB_CONFIG=/etc/redmine/default/database.yml
LOG="$STATE/thin.log"
PIDFILE="$STATE/thin.pid"
WAIT_SECONDS="${BACKDESK_REDMINE_WAIT:-90}"
PACKAGES=(redmine redmine-sqlite thin)
API_KEY=anabackdeskapikey

say() { printf 'setup_redmine: %s\n' "$*"; }
die() { printf 'setup_redmine: error: %s\n' "$*" >&2; exit 1; }
as_www_data() {
    (cd "$APP" && setpriv --reuid=www-data --regid=www-data --init-groups -- \
        env HOME=/tmp RAILS_ENV=production "$@")
}

[[ "$(id -u)" == 0 ]] || die "run as root (it installs packages and writes /etc/redmine)"
mkdir -p "$STATE"
# shellcheck source=../service_port.sh
. "$HERE/../service_port.sh"
PORT="$(choose_port "${BACKDESK_REDMINE_PORT:-}" "$STATE" "$PIDFILE")"
[[ "$PORT" =~ ^[0-9]+$ ]] || die "BACKDESK_REDMINE_PORT must be a port number, got '$PORT'"
URL="http://127.0.0.1:$PORT"

answers() {  # true when REST answers 200 for ana's API key
    [[ "$(curl -s -o /dev/null -w '%{http_code}' -m 10 -H "X-Redmine-API-Key: $API_KEY" \
        "$URL/users/current.json")" == 200 ]]
}

server_running() {
    [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

stop_server() {
    if server_running; then
        say "stopping Redmine (pid $(cat "$PIDFILE")) to pick up the new configuration"
        kill "$(cat "$PIDFILE")"
        for _ in $(seq 1 20); do server_running || break; sleep 0.5; done
    fi
    rm -f "$PIDFILE"
}

# 1. Packages (the postinst creates, migrates and loads the default data into SQLite).
installed="$(dpkg-query -W -f='${Status}\n' "${PACKAGES[@]}" 2>/dev/null | grep -c '^install ok installed$' || true)"
if [[ "$installed" == "${#PACKAGES[@]}" ]]; then
    say "Redmine packages already installed"
else
    say "installing ${PACKAGES[*]} (about 15 s)"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
fi

# 2. SQLite busy timeout: wait up to 5 s for a lock instead of failing with BusyException.
if grep -q '^ *timeout:' "$DB_CONFIG"; then
    say "SQLite busy timeout already set"
else
    say "adding a SQLite busy timeout to $DB_CONFIG"
    sed -i 's/^\( *\)adapter: sqlite3$/&\n\1timeout: 5000/' "$DB_CONFIG"
    grep -q '^ *timeout: 5000' "$DB_CONFIG" || die "could not add the timeout to $DB_CONFIG"
    stop_server
fi

# 3. Test data (idempotent).
say "seeding users, roles, workflows, projects and custom fields"
# www-data runs it, and may not be able to read a checkout under a private temporary folder.
install -m 0644 "$HERE/seed.rb" "$STATE/seed.rb"
chmod 0755 "$STATE"
as_www_data bundle exec rails runner -e production "$STATE/seed.rb"

# 4. The server: thin through rackup, as www-data.
if server_running && [[ "$(cat "$STATE/serving" 2>/dev/null)" != "$PORT" ]]; then
    stop_server  # it listens on another port than the one chosen now
fi
if answers; then
    say "Redmine already answering at $URL"
else
    if server_running; then
        say "Redmine (pid $(cat "$PIDFILE")) is starting or stuck; waiting for it"
    else
        say "starting Redmine with thin on 127.0.0.1:$PORT (log: $LOG)"
        : > "$LOG"
        chown www-data "$LOG"
        cd "$APP"
        setsid setpriv --reuid=www-data --regid=www-data --init-groups -- \
            env HOME=/tmp RAILS_ENV=production bundle exec rackup -s thin -E production \
            -o 127.0.0.1 -p "$PORT" config.ru >"$LOG" 2>&1 < /dev/null &
        echo $! > "$PIDFILE"
        echo "$PORT" > "$STATE/serving"
        cd - >/dev/null
    fi
    deadline=$((SECONDS + WAIT_SECONDS))
    until answers; do
        if ! server_running; then
            tail -n 40 "$LOG" >&2 || true
            die "Redmine exited before answering; log above ($LOG)"
        fi
        if (( SECONDS >= deadline )); then
            tail -n 40 "$LOG" >&2 || true
            die "Redmine did not answer GET $URL/users/current.json within ${WAIT_SECONDS}s; log above ($LOG)"
        fi
        sleep 1
    done
fi

took="$(curl -s -o /dev/null -w '%{time_total}' -H "X-Redmine-API-Key: $API_KEY" "$URL/issues.json?limit=1")"
say "GET /issues.json?limit=1 took ${took}s"

cat <<INFO

Redmine is up at $URL
  operators: ana / ana-backdesk (Ana Ruiz, API key anabackdeskapikey),
             ben / ben-backdesk (Ben Okafor, API key benbackdeskapikey)
  lead:      lee / lee-backdesk (Lee Park, role Lead, API key leebackdeskapikey)
  requester: vic / vic-backdesk (Vic Adler, API key vicbackdeskapikey; no private notes)
  admin:     admin / admin (Redmine's default)
  projects:  returns "Returns & Refunds", billing "Billing & Collections"
  pid file:  $PIDFILE   log: $LOG
Run the tests:  .venv/bin/pytest -m redmine tests/redmine
INFO
