#!/usr/bin/env bash
# What `make test` needs besides the Python packages, on a Debian-like machine:
#
#   - Debian's Chromium (/usr/bin/chromium), which Playwright drives for the browser
#     tests; never `playwright install`;
#   - a PostgreSQL server answering at DATABASE_URL
#     (default postgres://postgres@127.0.0.1:5432/opd).
#
# Installs what is missing with apt-get (chromium, postgresql), creates a cluster when
# none serves the URL's port, starts it when it is down and waits until it answers.
# Installing and starting need root: this script is root or uses sudo; where it can
# be neither, it says what to run and exits 1. Idempotent; when everything is in
# place it only looks (a fraction of a second).
#
# Only a local server (127.0.0.1, localhost, ::1 or a socket directory) is installed,
# created or started here; another host is only checked. A cluster this script
# creates, or that installing PostgreSQL creates, lets the URL's user in from this
# machine without a password (trust on 127.0.0.1 and ::1 in its pg_hba.conf), as the
# default DATABASE_URL has none: a test machine's setting. Existing clusters are
# never reconfigured.
#
#   DATABASE_URL    the server the tests use
#   OPD_PG_CLUSTER  name of the cluster to create when none serves the port (main)
set -euo pipefail

DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/opd}
CLUSTER_NAME=${OPD_PG_CLUSTER:-main}
WAIT_SECONDS=30
MARK="# added by OPD Token's scripts/test-prerequisites.sh"

say() { printf 'test-prerequisites: %s\n' "$1"; }
fail() {
    printf 'test-prerequisites: %s\n' "$1" >&2
    shift
    [ $# -eq 0 ] || printf '  %s\n' "$@" >&2
    exit 1
}

i_am_root() { [ "$(id -u)" -eq 0 ]; }
can_be_root() { i_am_root || command -v sudo >/dev/null 2>&1; }
# Runs a command as root: directly, or through sudo (which may ask for a password).
as_root() {
    if i_am_root; then "$@"; else sudo "$@"; fi
}

# --------------------------------------------------------------------------- DATABASE_URL
scheme=${DATABASE_URL%%://*}
rest=${DATABASE_URL#*://}
authority=${rest%%/*}
query=""
case $rest in *\?*) query="?${rest#*\?}" ;; esac
hostport=${authority##*@}
user=""
case $authority in *@*) user=${authority%@*} ;; esac
user=${user%%:*}
user=${user:-$(id -un)}
port=""
case $hostport in
    \[*\]:*) # [::1]:5432
        host=${hostport%%]*}
        host=${host#[}
        port=${hostport##*]:}
        ;;
    \[*\]) host=${hostport#[} && host=${host%]} ;;
    *:*) host=${hostport%%:*} && port=${hostport##*:} ;;
    *) host=$hostport ;;
esac
host=${host//%2F//}
host=${host//%2f//}
port=${port:-5432}
where="${host:-the local socket}:$port"

postgres=1
case $scheme in
    postgres | postgresql | pgsql) ;;
    *) postgres=0 ;;
esac
local_server=0
case $host in "" | 127.0.0.1 | localhost | ::1 | /*) local_server=1 ;; esac

# Does a server answer at host:port? pg_isready, else a bare TCP connect or the socket.
answers() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -t 2 ${host:+-h "$host"} -p "$port"
    elif [ -z "$host" ] || [ "${host#/}" != "$host" ]; then
        [ -S "${host:-/var/run/postgresql}/.s.PGSQL.$port" ]
    else
        # shellcheck disable=SC2016 # $0 and $1 are the inner shell's
        timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null
    fi
}

wait_until_it_answers() {
    local second
    for ((second = 0; second < WAIT_SECONDS; second++)); do
        answers && return 0
        sleep 1
    done
    return 1
}

# "version name status owner" of the local cluster on the URL's port, if any.
cluster_on_port() {
    command -v pg_lsclusters >/dev/null 2>&1 || return 0
    pg_lsclusters -h 2>/dev/null | awk -v port="$port" '$3 == port { print $1, $2, $4, $5; exit }'
}

newest_server_version() {
    local dir
    for dir in /usr/lib/postgresql/*/bin/initdb; do
        [ -x "$dir" ] && basename "$(dirname "$(dirname "$dir")")"
    done | sort -V | tail -n 1
}

# A cluster that installing PostgreSQL or this script just created: the URL's user may
# connect from this machine without a password.
open_to_this_machine() {
    local version=$1 name=$2 hba="/etc/postgresql/$1/$2/pg_hba.conf"
    case $host in "" | /*) return 0 ;; esac # a socket: Debian's peer rule applies
    if ! as_root test -f "$hba"; then
        say "no $hba: connections to $version/$name keep their default authentication"
        return 0
    fi
    as_root grep -qF "$MARK" "$hba" && return 0
    say "cluster $version/$name is new: $user may connect from 127.0.0.1 and ::1 without a password (trust, first lines of $hba)"
    # cat > keeps the file's owner and mode.
    # shellcheck disable=SC2016 # $1 and $@ are the inner shell's
    as_root sh -c '
        hba=$1; shift
        { printf "%s\n" "$@"; cat "$hba"; } > "$hba.opd-new" && cat "$hba.opd-new" > "$hba"
        rm -f "$hba.opd-new"' sh "$hba" "$MARK" \
        "host all $user 127.0.0.1/32 trust" "host all $user ::1/128 trust"
}

start_cluster() {
    local version=$1 name=$2 owner=$3
    say "starting PostgreSQL $version/$name (port $port)"
    if [ "$owner" = "$(id -un)" ]; then
        pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start
    elif can_be_root; then
        as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start
    else
        fail "PostgreSQL $version/$name is down, and starting it needs root (or the user $owner)." \
            "Start it:  sudo pg_ctlcluster --skip-systemctl-redirect $version $name start" \
            "or point DATABASE_URL at a running server."
    fi
}

# --------------------------------------------------------------------------- what is missing
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)

pg_ready=0
if [ "$postgres" = 1 ]; then
    if answers; then
        pg_ready=1
    elif [ "$local_server" = 1 ] && {
        ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(newest_server_version)" ]
    }; then
        missing+=(postgresql)
    fi
else
    say "DATABASE_URL is not PostgreSQL ($scheme): no server to check (the suite needs one)"
fi

clusters_before=""
command -v pg_lsclusters >/dev/null 2>&1 && clusters_before=$(pg_lsclusters -h 2>/dev/null || true)

if [ ${#missing[@]} -gt 0 ]; then
    what="${missing[*]}"
    if ! command -v apt-get >/dev/null 2>&1; then
        fail "missing: $what, and this is not a Debian-like machine (no apt-get)." \
            "Install Chromium as /usr/bin/chromium and a PostgreSQL server for DATABASE_URL, then run make test again."
    fi
    if ! can_be_root; then
        fail "missing: $what. Installing it needs root, and sudo is not installed." \
            "As root, run:  apt-get install -y $what" \
            "then make test again (or run make test as root)."
    fi
    say "installing $what (apt-get; a few minutes)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
        fail "apt-get update failed (above). As root: apt-get update && apt-get install -y $what"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
        fail "apt-get install failed (above). As root: apt-get install -y $what"
    command -v chromium >/dev/null 2>&1 ||
        fail "chromium is still not on PATH after apt-get install chromium."
fi

# --------------------------------------------------------------------------- PostgreSQL
# Down, or just installed (Debian's package creates a cluster "main", which may be up).
if [ "$postgres" = 1 ] && [ "$pg_ready" = 0 ]; then
    if [ "$local_server" = 0 ]; then
        fail "PostgreSQL at $where (DATABASE_URL) does not answer." \
            "Start that server, or unset DATABASE_URL to use the local one."
    fi
    read -r version name status owner <<<"$(cluster_on_port)" || true
    if [ -z "${version:-}" ]; then
        version=$(newest_server_version)
        [ -n "$version" ] || fail "no PostgreSQL server is installed (/usr/lib/postgresql/*/bin)."
        if pg_lsclusters -h 2>/dev/null | awk -v v="$version" -v n="$CLUSTER_NAME" \
            '$1 == v && $2 == n { found = 1 } END { exit !found }'; then
            fail "no PostgreSQL cluster serves port $port; these exist:" \
                "$(pg_lsclusters | sed '1!s/^/  /')" \
                "Point DATABASE_URL at one of them (e.g. postgres://postgres@127.0.0.1:<port>/opd)," \
                "or name a new cluster for port $port with OPD_PG_CLUSTER=<name>."
        fi
        can_be_root || fail "no PostgreSQL cluster serves port $port, and creating one needs root." \
            "As root:  pg_createcluster -p $port $version $CLUSTER_NAME"
        say "creating PostgreSQL cluster $version/$CLUSTER_NAME on port $port"
        as_root pg_createcluster -p "$port" "$version" "$CLUSTER_NAME" >/dev/null
        name=$CLUSTER_NAME status=down owner=postgres
    fi
    if ! grep -q "^$version  *$name " <<<"$clusters_before"; then
        open_to_this_machine "$version" "$name"
        case $status in online*)
            as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$name" reload ;;
        esac
    fi
    case $status in
        online*)
            # Up, yet silent at the URL: only a cluster that is starting may still come.
            if grep -q "^$version  *$name " <<<"$clusters_before" && ! answers; then
                fail "PostgreSQL $version/$name runs, but does not answer at $where." \
                    "Is it listening there (listen_addresses, port in /etc/postgresql/$version/$name/postgresql.conf)?"
            fi
            ;;
        *) start_cluster "$version" "$name" "$owner" ;;
    esac
    wait_until_it_answers ||
        fail "PostgreSQL $version/$name does not answer at $where after ${WAIT_SECONDS} s." \
            "Its log: /var/log/postgresql/postgresql-$version-$name.log"
    say "PostgreSQL $version/$name answers at $where"
fi

# Answers, but lets us in? (Django creates the test database from the postgres database.)
if [ "$postgres" = 1 ] && command -v psql >/dev/null 2>&1; then
    if ! problem=$(PGCONNECT_TIMEOUT=5 psql "postgresql://$authority/postgres$query" \
        -XAtqc 'SELECT 1' 2>&1 >/dev/null); then
        fail "PostgreSQL at $where answers, but not to $user:" "  $problem" \
            "Give DATABASE_URL a user and password that may create databases" \
            "(postgres://USER:PASSWORD@HOST:PORT/opd), or let $user in from this machine" \
            "(pg_hba.conf, e.g. \"host all $user 127.0.0.1/32 trust\" on a test machine)."
    fi
fi
exit 0
