#!/usr/bin/env bash
# Install, configure and start a local Request Tracker 5 for backdesk's RT adapter tests.
#
#   sudo tests/rt/setup_rt.sh          # on a free port, or BACKDESK_RT_PORT
#
# Safe to re-run: packages, config, users/queues/rights and the server are each set up
# only when missing. Needs root (apt, /etc/request-tracker5). The server binds to
# 127.0.0.1 only, sends no mail (MailCommand mbox) and logs to $BACKDESK_RT_STATE/rt-server.log.
set -euo pipefail

STATE="${BACKDESK_RT_STATE:-/var/tmp/backdesk-rt}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATAFILE="$HERE/initialdata.pl"
LEADS_DATAFILE="$HERE/initialdata_leads.pl"
SITE_CONFIG=/etc/request-tracker5/RT_SiteConfig.d/90-backdesk.pm
RT_SERVER=/usr/share/request-tracker5/libexec/rt-server
RT_LIB=/usr/share/request-tracker5/lib
LOG="$STATE/rt-server.log"
PIDFILE="$STATE/rt-server.pid"
WAIT_SECONDS="${BACKDESK_RT_WAIT:-90}"
PACKAGES=(request-tracker5 rt5-db-sqlite rt5-standalone)

say() { printf 'setup_rt: %s\n' "$*"; }
die() { printf 'setup_rt: error: %s\n' "$*" >&2; exit 1; }

[[ "$(id -u)" == 0 ]] || die "run as root (it installs packages and writes /etc/request-tracker5)"
mkdir -p "$STATE"
# shellcheck source=../service_port.sh
. "$HERE/../service_port.sh"
PORT="$(choose_port "${BACKDESK_RT_PORT:-}" "$STATE" "$PIDFILE")"
[[ "$PORT" =~ ^[0-9]+$ ]] || die "BACKDESK_RT_PORT must be a port number, got '$PORT'"
URL="http://127.0.0.1:$PORT"

answers() {  # answers USER PASSWORD -> true when REST 2.0 answers 200 for that user
    [[ "$(curl -s -o /dev/null -w '%{http_code}' -m 10 -u "$1:$2" "$URL/REST/2.0/queues/all")" == 200 ]]
}

server_running() {
    [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

stop_server() {
    if server_running; then
        say "stopping RT (pid $(cat "$PIDFILE")) to pick up the new configuration"
        kill "$(cat "$PIDFILE")"
        for _ in $(seq 1 20); do server_running || break; sleep 0.5; done
    fi
    rm -f "$PIDFILE"
}

# 1. Packages.
installed="$(dpkg-query -W -f='${Status}\n' "${PACKAGES[@]}" 2>/dev/null | grep -c '^install ok installed$' || true)"
if [[ "$installed" == "${#PACKAGES[@]}" ]]; then
    say "RT packages already installed"
else
    say "installing ${PACKAGES[*]} (about 30 s)"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
fi

# 2. Site config: loopback URL, no outgoing mail, the custom lifecycle the tests use.
config="$(cat <<PERL
# Written by backdesk tests/rt/setup_rt.sh; re-running the script rewrites it.
Set(\$WebPath, "");
Set(\$WebDomain, "127.0.0.1");
Set(\$WebPort, $PORT);
Set(\$WebBaseURL, "$URL");
Set(\$CanonicalizeRedirectURLs, 0);
# A test instance must never email anyone: write outgoing mail to an mbox file instead.
Set(\$MailCommand, "mbox");
# bcrypt at RT's default cost 12 spends ~0.3 s of CPU on every basic-auth request; a
# throwaway loopback instance uses the minimum so each REST call takes milliseconds.
Set(\$BcryptCost, 4);
Set(\$LogToSTDERR, "warning");
Set(\$LogToSyslog, undef);
# "backdesk" lifecycle (used by the Approvals queue): a status the default lifecycle lacks.
Set(%Lifecycles,
    backdesk => {
        initial  => [qw(new)],
        active   => [qw(open awaiting-approval stalled)],
        inactive => [qw(resolved rejected deleted)],
        defaults => { on_create => 'new' },
        transitions => {
            ''                  => [qw(new open awaiting-approval resolved)],
            new                 => [qw(open awaiting-approval stalled resolved rejected deleted)],
            open                => [qw(new awaiting-approval stalled resolved rejected deleted)],
            'awaiting-approval' => [qw(new open stalled resolved rejected deleted)],
            stalled             => [qw(new open awaiting-approval resolved rejected deleted)],
            resolved            => [qw(new open awaiting-approval stalled rejected deleted)],
            rejected            => [qw(new open awaiting-approval stalled resolved deleted)],
            deleted             => [qw(new open awaiting-approval stalled resolved rejected)],
        },
        rights => { '* -> deleted' => 'DeleteTicket', '* -> *' => 'ModifyTicket' },
    },
    # Moving a ticket between queues of different lifecycles needs a status map (issue 11's move).
    __maps__ => {
        'default -> backdesk' => {
            new => 'new', open => 'open', stalled => 'stalled',
            resolved => 'resolved', rejected => 'rejected', deleted => 'deleted',
        },
        'backdesk -> default' => {
            new => 'new', open => 'open', 'awaiting-approval' => 'open', stalled => 'stalled',
            resolved => 'resolved', rejected => 'rejected', deleted => 'deleted',
        },
    },
);
1;
PERL
)"
if [[ ! -f "$SITE_CONFIG" ]] || [[ "$(cat "$SITE_CONFIG")" != "$config" ]]; then
    say "writing $SITE_CONFIG"
    printf '%s\n' "$config" > "$SITE_CONFIG"
    stop_server
fi

# 3. Users, queues, custom fields and rights, once.
has_backdesk_data() {
    perl -I"$RT_LIB" -MRT -e '
        RT::LoadConfig(); RT::Init();
        my $u = RT::User->new(RT->SystemUser); $u->Load("ana");
        my $q = RT::Queue->new(RT->SystemUser); $q->Load("Approvals");
        exit(($u->id && $q->id) ? 0 : 1);' 2>/dev/null
}
if has_backdesk_data; then
    say "users, queues and rights already loaded"
else
    say "loading $DATAFILE"
    rt-setup-database-5 --action insert --skip-create --datafile "$DATAFILE"
    has_backdesk_data || die "loading $DATAFILE did not create user ana and queue Approvals"
    stop_server
fi

# 3b. The lead role (issue 11): group Leads with ReassignTicket, its member lee and the queue
#     Triage, once.
has_leads() {
    perl -I"$RT_LIB" -MRT -e '
        RT::LoadConfig(); RT::Init();
        my $u = RT::User->new(RT->SystemUser); $u->Load("lee");
        my $g = RT::Group->new(RT->SystemUser); $g->LoadUserDefinedGroup("Leads");
        my $q = RT::Queue->new(RT->SystemUser); $q->Load("Triage");
        exit(($u->id && $g->id && $g->HasMember($u->PrincipalId) && $q->id) ? 0 : 1);' 2>/dev/null
}
if has_leads; then
    say "lead group and lead user already loaded"
else
    say "loading $LEADS_DATAFILE"
    rt-setup-database-5 --action insert --skip-create --datafile "$LEADS_DATAFILE"
    has_leads || die "loading $LEADS_DATAFILE did not make lee a member of group Leads and queue Triage"
    stop_server
fi

# Passwords hashed before BcryptCost was lowered (root from the package, or an older run of
# this script) are re-hashed at the low cost, so basic auth stays fast.
perl -I"$RT_LIB" -MRT -e '
    RT::LoadConfig(); RT::Init();
    my %known = (root => "password", ana => "ana-backdesk", ben => "ben-backdesk", lee => "lee-backdesk");
    my $cost = RT->Config->Get("BcryptCost");
    for my $name (sort keys %known) {
        my $u = RT::User->new(RT->SystemUser); $u->Load($name);
        next unless $u->id && $u->IsPassword($known{$name});
        my ($rounds) = ($u->__Value("Password") =~ /^!bcrypt!(\d+)!/);
        next unless defined $rounds && $rounds > $cost;
        my ($ok, $msg) = $u->SetPassword($known{$name});
        print "setup_rt: re-hashed the password of $name at bcrypt cost $cost\n" if $ok;
    }' 2>/dev/null

# 4. The server.
if answers ana ana-backdesk; then
    say "RT already answering at $URL"
else
    if server_running; then
        say "RT (pid $(cat "$PIDFILE")) is starting or stuck; waiting for it"
    else
        say "starting $RT_SERVER on 127.0.0.1:$PORT (log: $LOG)"
        setsid "$RT_SERVER" --host 127.0.0.1 --port "$PORT" >"$LOG" 2>&1 < /dev/null &
        echo $! > "$PIDFILE"
    fi
    deadline=$((SECONDS + WAIT_SECONDS))
    until answers ana ana-backdesk; do
        if ! server_running; then
            tail -n 40 "$LOG" >&2 || true
            die "rt-server exited before answering; log above ($LOG)"
        fi
        if (( SECONDS >= deadline )); then
            tail -n 40 "$LOG" >&2 || true
            die "RT did not answer GET $URL/REST/2.0/queues/all within ${WAIT_SECONDS}s; log above ($LOG)"
        fi
        sleep 1
    done
fi

# 5. How fast is it? Warm up the workers and time one authenticated request.
took="$(curl -s -o /dev/null -w '%{time_total}' -u ana:ana-backdesk "$URL/REST/2.0/queues/all")"
say "GET /REST/2.0/queues/all took ${took}s"

cat <<INFO

Request Tracker is up at $URL  (REST 2.0: $URL/REST/2.0)
  operators: ana / ana-backdesk (Ana Ruiz), ben / ben-backdesk (Ben Okafor)
  lead:      lee / lee-backdesk (Lee Park, group Leads, ReassignTicket)
  admin:     root / password
  queues:    "Returns & Refunds", "Billing & Collections", "Approvals" (custom lifecycle), "Triage"
  pid file:  $PIDFILE   log: $LOG
Run the tests:  .venv/bin/pytest -m rt tests/rt
INFO
