#!/bin/sh
# SPDX-License-Identifier: ISC
# imapwait-loop uses the login imapwait uses (imapwait -n): with the
# login from ~/.netrc (no -u), the loop's lines say alice@localhost, as
# imapwait's do, and the state file is named after alice, not after the
# Unix user that runs the loop.
# repeat: no
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

home=$TESTDIR/home
mkdir -p "$home"
printf 'machine %s login alice password %s\n' "$HOST" "$(cat "$DOVECOT/alice.pass")" >"$home/.netrc"
chmod 600 "$home/.netrc"
log=$TESTDIR/netrc.log
HOME=$home USER=somebody-else XDG_STATE_HOME=$home/state sh "$LOOP" -C "$CA" -p "$PORT" \
	-k 0 -w "$(scaled 10)" "$HOST" -- true >/dev/null 2>"$log" </dev/null &
LOOP_PID=$!
LOOP_LOG=$log
IW_PIDS="$IW_PIDS $LOOP_PID"
if wait_count "$log" 'idling (' 1 "$(scaled 20)"; then
	ok 'the loop logs in with the login from ~/.netrc and idles'
else
	not_ok 'the loop logs in with the login from ~/.netrc and idles' && show "$log"
fi
check_log "the loop's lines name that login" "$log" 'imapwait-loop: alice@localhost/INBOX: running the hook'
check_nolog 'and never the Unix user' "$log" 'somebody-else@'
check 'the state file is named after it' test -s "$home/state/imapwait/alice@localhost:$PORT/INBOX"

done_testing
