#!/bin/sh
# `make run`'s last step: the notification worker in the background, the development
# server in the foreground; when the server stops (Ctrl+C, or it fails), so does the worker.
#
#     sh scripts/run-dev.sh .venv/bin/python 8000
#
# The worker sends the messages the demo's changes owe (the console backend logs them,
# phones masked). --no-reload: one process, which the trap below can stop; restart
# `make run` after changing delivery code.
set -u
PY=${1:?the venv python}
PORT=${2:?the port}
# The messages' live status links point at this server, unless told otherwise.
OPD_PUBLIC_URL=${OPD_PUBLIC_URL:-http://127.0.0.1:$PORT}
export OPD_PUBLIC_URL

"$PY" manage.py send_pending_notifications --grace 0 >/dev/null || exit 1
"$PY" manage.py db_worker --no-reload --interval 2 &
worker=$!

stop_worker() {
    trap - EXIT INT TERM
    if kill -0 "$worker" 2>/dev/null; then
        kill -TERM "$worker" 2>/dev/null
        wait "$worker" 2>/dev/null
    fi
}
trap stop_worker EXIT
trap 'stop_worker; exit 130' INT
trap 'stop_worker; exit 143' TERM

"$PY" manage.py runserver "127.0.0.1:$PORT"
status=$?
stop_worker
exit $status
