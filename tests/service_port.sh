# Sourced by tests/rt/setup_rt.sh and tests/redmine/setup_redmine.sh: which loopback port a
# test server listens on. Never a fixed one: a port given in the environment wins; else the port
# an earlier run recorded, while its server still runs there or the port is still free; else one
# the kernel picks (a bind to port 0). The choice is recorded as STATE/port and STATE/url, where
# the tests read it (tests/service_env.py).

port_free() {  # port_free PORT -> true when nothing listens on 127.0.0.1:PORT
    python3 -c 'import socket, sys; socket.socket().bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
}

choose_port() {  # choose_port GIVEN STATE PIDFILE -> prints the port
    local given="$1" state="$2" pidfile="$3" port=""
    if [[ -n "$given" ]]; then
        port="$given"
    elif [[ -s "$state/port" ]]; then
        port="$(cat "$state/port")"
        if ! { [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; } && ! port_free "$port"; then
            port=""  # taken by something else meanwhile
        fi
    fi
    if [[ -z "$port" ]]; then
        port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    fi
    printf '%s\n' "$port" > "$state/port"
    printf 'http://127.0.0.1:%s\n' "$port" > "$state/url"
    printf '%s' "$port"
}
