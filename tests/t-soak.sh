#!/bin/sh
# SPDX-License-Identifier: ISC
# The short soak (tests/soak.sh, the whole of make soak in about a
# minute): four accounts under a real runsvdir, each a scripts/runit
# service whose hook runs getmail6 over IMAPS into a local Maildir; mail by
# Maildir rename and by LMTP, single messages and bursts; every kind of
# fault once, on the schedule of seed 1: Dovecot stopped and started, two
# accounts' connections cut silently and restored, sv restart and kill -9
# of a loop (each once while it waits and once while its hook runs), a
# hook whose getmail is refused and one whose later step fails. After the
# drain every delivered message is in its local Maildir exactly once, and
# sv down leaves no hook or imapwait behind.
# repeat: no
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	not_ok "the soak needs root (accounts with uids of their own), running as uid $(id -u)"
	done_testing
fi

# Dovecot's sockets need a short path
sd=$TESTDIR/soak
own_sd=
if [ ${#sd} -gt 40 ]; then
	sd=$(mktemp -d /tmp/imapwait-tsoak.XXXXXX)
	own_sd=1
fi
soak_pid=
stop_soak() {
	# the soak stops everything it started on TERM; give it the time
	if [ -n "$soak_pid" ] && alive "$soak_pid"; then
		kill -TERM "$soak_pid" 2>/dev/null
		_i=300
		while [ $_i -gt 0 ] && alive "$soak_pid"; do
			sleep 0.1
			_i=$((_i - 1))
		done
		kill -KILL "$soak_pid" 2>/dev/null
	fi
	soak_pid=
}
trap 'stop_soak; _cleanup; [ -z "$own_sd" ] || { [ "$_tap_failed" -ne 0 ] || rm -rf "$sd"; }' EXIT

iw=
[ -x "$IMAPWAIT" ] && iw=$IMAPWAIT
out=$TESTDIR/soak.out
SOAK_SECONDS=40 SOAK_ACCOUNTS=4 SOAK_SEED=1 SOAK_GAP=1 SOAK_TIMEOUT=10 \
	SOAK_OPTS='-w 5' SOAK_DRAIN=40 SOAK_PORT=$((${PORTBASE:-10993} + 600)) SOAK_DIR=$sd \
	SOAK_IMAPWAIT=$iw sh "$TOP/tests/soak.sh" >"$out" 2>"$TESTDIR/soak.err" </dev/null &
soak_pid=$!
_i=1050
while [ $_i -gt 0 ] && alive "$soak_pid"; do
	sleep 0.1
	_i=$((_i - 1))
done
if alive "$soak_pid"; then
	stop_soak
	st=124
else
	wait "$soak_pid"
	st=$?
	soak_pid=
fi
check_exit 'the soak ends with 0 (nothing lost, duplicated or left running)' 0 "$st"
[ "$st" -eq 0 ] || { show "$TESTDIR/soak.err" 40; show "$out" 40; }

last=$(tail -n 1 "$out")
if echo "$last" | grep -qE '^soak: ([1-9][0-9]*) delivered, \1 fetched, 0 lost, 0 duplicated$'; then
	ok "$last"
else
	not_ok 'soak: N delivered, N fetched, 0 lost, 0 duplicated' "last line: $last"
fi
check_log 'every fault kind happened, each once (seed 1)' "$out" \
	'| faults | cut 1, dovecot 1, hookfail 2, kill 2, restart 2 |'
check 'mail came both ways: Maildir rename and LMTP' grep -qE \
	'^\| delivered \(Maildir rename, LMTP\) \| [0-9]+ \([1-9][0-9]*, [1-9][0-9]*\) \|$' "$out"
check_log 'sv down leaves no orphaned hook or imapwait' "$out" \
	'After `sv down` of every service: 0 orphaned hook or imapwait processes'
check 'the hook ran while a loop was killed and restarted (both caught)' \
	grep -q '"hook_not_caught": 0' "$sd/soak.json"
diag "$(grep -E '^\| (quiet|fault) \|' "$out" | tr '\n' ' ')"
done_testing
