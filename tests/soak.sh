#!/bin/sh
# SPDX-License-Identifier: ISC
# soak.sh: make soak. The whole chain, end to end, under load and faults:
# a private Dovecot with SOAK_ACCOUNTS accounts, one scripts/runit service
# per account under a real runsvdir (imapwait-service, imapwait-loop,
# imapwait), each with a hook that runs getmail6 over IMAPS into a local
# Maildir; mail delivered at random (Maildir rename and LMTP, single
# messages and bursts) while faults are injected on a schedule fixed by
# SOAK_SEED. At the end every delivered message must be in its account's
# local Maildir exactly once. tests/soak.py is the driver and the report;
# this script builds, installs what is missing and starts the server.
#
# Environment (all optional):
#   SOAK_SECONDS   how long mail arrives and faults happen (600)
#   SOAK_ACCOUNTS  accounts, loops and services (50; at most 400)
#   SOAK_SEED      the schedule's seed (default: from the clock; printed)
#   SOAK_GAP       mean seconds between two deliveries (2)
#   SOAK_TIMEOUT   imapwait -t of every loop (60): a cut connection is
#                  noticed at this deadline, see tests/README-soak.md
#   SOAK_OPTS      more imapwait options for every account (e.g. -w 5)
#   SOAK_DRAIN     longest quiet drain after the run (3 * SOAK_TIMEOUT)
#   SOAK_PORT      first port tried (18993); the server takes it and the
#                  next, the relay 2 per account after those
#   SOAK_RESULTS   write the report as SOAK_RESULTS.md and .json
#   SOAK_HOOKLOCK  0: getmail without flock(1) (default 1, the recipe's)
#   SOAK_GETMAIL   plain: /usr/bin/getmail as shipped, without the two
#                  fixes of tests/soakgetmail.py
#   SOAK_IMAPWAIT  the binary to soak (default: make, then ./imapwait)
#   SOAK_DIR       scratch directory (default /tmp/imapwait-soak.XXXXXX,
#                  removed after a clean run unless SOAK_KEEP=1)
#
# The last line is "soak: N delivered, N fetched, N lost, N duplicated";
# exit 0 when nothing was lost or duplicated and nothing was left running,
# else 1. Everything stays on 127.0.0.1; every process started is stopped
# by its PID at the end, also after a failure or an interrupt.
set -u

cd "$(dirname "$0")/.." || exit 1
top=$(pwd)
say() { echo "soak: $*" >&2; }

accounts=${SOAK_ACCOUNTS:-50}
case $accounts in
'' | *[!0-9]*) say "SOAK_ACCOUNTS must be a number"; exit 100 ;;
esac
[ "$accounts" -ge 1 ] && [ "$accounts" -le 400 ] ||
	{ say "SOAK_ACCOUNTS must be 1 to 400"; exit 100; }
[ "$(id -u)" -eq 0 ] || { say "run as root (accounts with uids of their own, runsvdir, cgroups)"; exit 100; }

sh tests/deps.sh || exit 1
command -v dovecot >/dev/null || PATH=$PATH:/usr/sbin:/sbin
for c in getmail runsvdir sv svlogd; do
	command -v "$c" >/dev/null || { say "$c is missing (tests/deps.sh)"; exit 1; }
done
[ -e /usr/lib/dovecot/lmtp ] || { say "Dovecot's lmtp is missing (dovecot-lmtpd)"; exit 1; }

if [ -n "${SOAK_DIR:-}" ]; then
	dir=$SOAK_DIR
	mkdir -p "$dir" || exit 1
	own_dir=
else
	dir=$(mktemp -d /tmp/imapwait-soak.XXXXXX) || exit 1
	own_dir=1
fi
chmod 755 "$dir"
dir=$(cd "$dir" && pwd)
dv=$dir/dovecot
rm -rf "$dv"

driver=
cleanup() {
	# the driver stops what it started itself: pass the signal on
	if [ -n "$driver" ]; then
		kill -TERM "$driver" 2>/dev/null
		wait "$driver"
		driver=
	fi
	sh "$top/tests/dovecot.sh" stop "$dv" >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# a snapshot of the binary: the tree's may be rebuilt while this runs
if [ -n "${SOAK_IMAPWAIT:-}" ]; then
	cp "$SOAK_IMAPWAIT" "$dir/imapwait" || exit 1
else
	make -s imapwait >"$dir/make.log" 2>&1 || { cat "$dir/make.log" >&2; exit 1; }
	cp imapwait "$dir/imapwait"
fi

# the first base with the server's two ports and the relay's free
need=$((2 + 2 * accounts))
port=${SOAK_PORT:-18993}
i=0
while :; do
	busy=$(ss -Hltn | awk -v lo="$port" -v hi=$((port + need)) '{
		n = split($4, a, ":"); p = a[n] + 0
		if (p >= lo && p < hi) print p }' | head -n 1)
	[ -z "$busy" ] && break
	i=$((i + 1))
	[ $i -lt 10 ] || { say "no $need free ports from ${SOAK_PORT:-18993}"; exit 1; }
	port=$((port + need + 100))
done

# The tests' Dovecot, grown: s001 ... sNNN with uids of their own (each
# idling imap process holds an inotify instance, 128 per uid), LMTP on a
# unix socket, and room for every account's imapwait and getmail at once.
sh tests/dovecot.sh start "$dv" "$port" >"$dir/dovecot-start.log" 2>&1 &&
	sh tests/dovecot.sh stop "$dv" >>"$dir/dovecot-start.log" 2>&1 ||
	{ cat "$dir/dovecot-start.log" >&2; exit 1; }
. "$dv/env"
pass=soak-Secret-13
printf '%s\n' "$pass" >"$dv/soak.pass"
chmod 600 "$dv/soak.pass"
python3 - "$dv" "$accounts" "$pass" "$MAILGID" <<'EOF'
import os, sys
dv, n, pw, gid = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
with open(dv + "/passwd", "a") as f:
    for i in range(1, n + 1):
        home = "%s/home/s%03d" % (dv, i)
        uid = 22000 + i
        f.write("s%03d:{PLAIN}%s:%d:%d::%s::\n" % (i, pw, uid, gid, home))
        for d in ("", "/Maildir", "/Maildir/cur", "/Maildir/new", "/Maildir/tmp"):
            os.makedirs(home + d, exist_ok=True)
            os.chown(home + d, uid, gid)
EOF
cat >>"$dv/dovecot.conf" <<EOF

# tests/soak.sh: $accounts accounts, each with imapwait and getmail at once
protocols = imap lmtp
protocol lmtp {
  auth_username_format = %Ln
}
first_valid_uid = 22000
last_valid_uid = $MAILUID
default_client_limit = 5000
mail_max_userip_connections = 50
service imap-login {
  service_count = 0
  process_min_avail = 2
  process_limit = 8
  client_limit = 2500
}
service imap {
  process_limit = $((4 * accounts + 100))
}
EOF
dovecot -c "$dv/dovecot.conf" 2>>"$dir/dovecot-start.log" || {
	tail -n 20 "$DOVECOT_LOG" >&2
	exit 1
}
i=0
until ss -Hltn "sport = :$port" | grep -q . && [ -S "$dv/run/lmtp" ]; do
	i=$((i + 1))
	[ $i -lt 150 ] || { say "Dovecot did not listen on 127.0.0.1:$port within 15 s"; exit 1; }
	sleep 0.1
done

# in the background, so that a signal reaches this script at once
SOAK_TOP=$top SOAK_RUN=$dir SOAK_DOVECOT=$dv SOAK_PORTBASE=$port \
	SOAK_ACCOUNTS=$accounts SOAK_PASS=$dv/soak.pass \
	python3 tests/soak.py </dev/null &
driver=$!
wait "$driver"
status=$?
driver=
cleanup
trap - EXIT
if [ "$status" -eq 0 ] && [ -n "$own_dir" ] && [ "${SOAK_KEEP:-}" != 1 ]; then
	rm -rf "$dir"
else
	say "files kept in $dir"
fi
exit "$status"
