#!/bin/sh
# SPDX-License-Identifier: ISC
# The Debian init script (scripts/debian/imapwait) for real against the
# private Dovecot, with its directories moved into the test's (CONFDIR,
# RUNDIR, LOGDIR): start runs one loop per account file, in the
# background with a pid file, as the account's RUNAS user (nobody here);
# a delivery runs the hook and the log file gets the line with a time;
# status tells; stop ends the loop and imapwait and removes the pid file;
# stop while the hook runs leaves no process of the hook behind.
# The state file lives where the account example puts it, in the RUNAS
# user's own directory under STATEDIR, which the init script makes.
# repeat: no
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

if [ "$(id -u)" -ne 0 ]; then
	ok '# skip: RUNAS needs root'
	done_testing
fi

# nobody must read the password, run the programs (installed copies, as
# the tree may be where nobody cannot reach, e.g. under /root) and write
# the state and the hook's file: all in a directory of its own
acct=$(mktemp -d /tmp/imapwait-initd.XXXXXX) || exit 1
trap '_loop_cleanup; rm -rf "$acct"' EXIT
mkdir -p "$acct/bin"
cp "$TOP/imapwait" "$TOP/scripts/imapwait-loop" \
	"$TOP/scripts/imapwait-service" "$acct/bin/"
cp "$DOVECOT/alice.pass" "$acct/alice.pass"
sl=$(marker initd "$acct")
chown -R nobody "$acct"
chmod 700 "$acct"

CONFDIR=$TESTDIR/etc
RUNDIR=$TESTDIR/run
LOGDIR=$TESTDIR/log
STATEDIR=$acct/lib
DAEMON=$acct/bin/imapwait-service
IMAPWAIT=$acct/bin/imapwait
export CONFDIR RUNDIR LOGDIR STATEDIR DAEMON IMAPWAIT
init=$TOP/scripts/debian/imapwait
mkdir -p "$CONFDIR"
runs=$acct/runs
cat >"$CONFDIR/work.conf" <<CONF
HOST=$HOST
LOGIN=alice
PASSFILE=$acct/alice.pass
HOOK='echo "\$(id -un)" >>$runs; [ ! -e $acct/slow ] || $sl 301'
OPTS='-C $CA -p $PORT -k 0 -w 10'
STATE=$STATEDIR/nobody/work.state
RUNAS=nobody
CONF
empty_mailbox alice
log=$LOGDIR/work.log

out=$(sh "$init" start 2>&1)
check_exit "start: $out" 0 $?
pid=$(cat "$RUNDIR/work.pid" 2>/dev/null)
IW_PIDS="$IW_PIDS $pid"
check "a pid file ($pid)" test -n "$pid"
if wait_count "$log" 'idling (' 1 "$(scaled 20)"; then
	ok 'the loop idles (its log says so)'
else
	not_ok 'the loop idles' && show "$log"
fi
check 'the loop runs as nobody' test "$(ps -o user= -p "$pid")" = nobody
iw=$(imapwait_of "$pid")
check "imapwait runs as nobody ($iw)" test "$(ps -o user= -p "${iw:-0}" 2>/dev/null)" = nobody
check 'lines in the log file start with the time' grep -qE \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} imapwait: alice@localhost/INBOX: idling' "$log"

check 'start made STATEDIR, root'"'"'s and writable by no one else (755)' \
	test "$(stat -c '%U %a' "$STATEDIR" 2>/dev/null)" = 'root 755'
check 'the account'"'"'s directory there is nobody'"'"'s own (0700)' \
	test "$(stat -c '%U %a' "$STATEDIR/nobody" 2>/dev/null)" = 'nobody 700'
check 'and keeps its state file in it' test -s "$STATEDIR/nobody/work.state"

deliver alice INBOX 'to the init script'
if wait_count "$runs" nobody 2 "$(scaled 10)"; then
	ok 'a delivery runs the hook, as nobody'
else
	not_ok 'a delivery runs the hook, as nobody' && show "$log"
fi
if wait_text "$log" 'new mail (0 -> 1)' 5; then
	ok 'the log file has the "new mail" line'
else
	not_ok 'the log file has the "new mail" line' && show "$log"
fi

out=$(sh "$init" start work 2>&1)
check "start again: $out" test "$out" = 'imapwait: work already running'
out=$(sh "$init" status 2>&1)
check_exit "status: $out" 0 $?

wait_count "$log" 'idling (' 2 "$(scaled 10)"
iw=$(imapwait_of "$pid")
check "imapwait idles ($iw)" test -n "$iw"
# stop while the hook runs (left: but the loop, whose arguments name it)
LOOP_PID=$pid
touch "$acct/slow"
deliver alice INBOX 'a slow hook'
wait_count "$runs" nobody 3 "$(scaled 10)"
i=50
while [ $i -gt 0 ] && [ -z "$(left initd "$acct")" ]; do
	sleep 0.1
	i=$((i - 1))
done
hook=$(left initd "$acct" | tr '\n' ' ')
check "the slow hook runs ($hook)" test -n "$hook"
out=$(sh "$init" stop 2>&1)
check_exit "stop: $out" 0 $?
check 'the loop and imapwait are gone' sh -c "! kill -0 $pid 2>/dev/null && ! kill -0 ${iw:-0} 2>/dev/null"
l=$(left initd "$acct")
check "no process of the hook is left (${l:-none})" test -z "$l"
kill_marked initd "$acct"
check 'the pid file is gone' test ! -e "$RUNDIR/work.pid"
if wait_text "$log" 'stopped by SIGTERM' 5; then
	ok 'the log says the loop stopped'
else
	not_ok 'the log says the loop stopped' && show "$log"
fi
out=$(sh "$init" status 2>&1)
check_exit "status after stop: $out" 3 $?

done_testing
