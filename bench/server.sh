#!/bin/sh
# SPDX-License-Identifier: ISC
# server.sh start|stop DIR PORT [USERS]: the tests' private Dovecot
# (tests/dovecot.sh), grown for the benchmarks.
#
# On top of what tests/dovecot.sh makes (alice, bob, the throwaway CA) it
# adds USERS accounts u0001 ... uUSERS and twenty more, s01 ... s20, all
# with the password in DIR/bench.pass, and restarts the server with room
# for a thousand IDLE connections at once:
#
#   - imap-login in "performance" mode (service_count = 0): one login
#     process proxies the TLS of many connections, instead of one process
#     per connection with a cap of 100;
#   - up to 1200 imap processes, client limits raised to match;
#   - every account has a uid of its own (20000 + n), because Linux allows
#     128 inotify instances per uid by default (fs.inotify.
#     max_user_instances) and each idling imap process holds one: with one
#     uid for all, the 129th IDLE would fall back to polling every 30 s.
#
# The s accounts get Dovecot's IDLE keepalive ("* OK Still here") every
# 29 minutes instead of every 2, so that an idle window of a minute shows
# the client's own cost alone; the u accounts keep the default, so that
# the thousand-account figures include the keepalives a user would get.
#
# Everything stays in DIR, both listeners on 127.0.0.1; stop signals only
# the master in DIR's pid file.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cmd=${1:-}
dir=${2:-}
port=${3:-}
nusers=${4:-0}

die() { echo "server.sh: $*" >&2; exit 1; }

case $cmd in
stop)
	[ -n "$dir" ] || die "usage: server.sh stop DIR"
	[ -d "$dir" ] || exit 0
	exec sh "$top/tests/dovecot.sh" stop "$dir"
	;;
start) ;;
*) die "usage: server.sh start|stop DIR PORT [USERS]" ;;
esac
[ -n "$dir" ] && [ -n "$port" ] || die "usage: server.sh start DIR PORT [USERS]"

command -v dovecot >/dev/null || PATH=$PATH:/usr/sbin:/sbin

# a fresh directory: no mail left from an earlier run
sh "$top/tests/dovecot.sh" stop "$dir" 2>/dev/null || :
rm -rf "$dir"
sh "$top/tests/dovecot.sh" start "$dir" "$port" >/dev/null
sh "$top/tests/dovecot.sh" stop "$dir"
dir=$(cd "$dir" && pwd)
. "$dir/env"

pass=bench-Secret-17
printf '%s\n' "$pass" >"$dir/bench.pass"
chmod 600 "$dir/bench.pass"

# u0001..uN and s01..s20: passwd-file lines and maildirs
awk -v n="$nusers" -v pass="$pass" -v dir="$dir" -v gid="$MAILGID" \
    -v slow=userdb_imap_idle_notify_interval=1740s 'BEGIN {
	for (i = 1; i <= n; i++)
		printf "u%04d:{PLAIN}%s:%d:%d::%s/home/u%04d::\n", i, pass, 20000 + i, gid, dir, i
	for (i = 1; i <= 20; i++)
		printf "s%02d:{PLAIN}%s:%d:%d::%s/home/s%02d::%s\n", i, pass, 21500 + i, gid, dir, i, slow
}' >>"$dir/passwd"

# their maildirs, owned by each account's uid (the caller's, if not root)
python3 - "$dir" "$MAILGID" <<'EOF'
import os, sys
top, gid = sys.argv[1], int(sys.argv[2])
root = os.getuid() == 0
lines = open(top + "/passwd").read().splitlines()
with open(top + "/passwd", "w") as f:
    for l in lines:
        v = l.split(":")
        if v[0][:1] in "us" and v[0][1:].isdigit():
            if not root:
                v[2] = str(os.getuid())
            for d in ("", "/Maildir", "/Maildir/cur", "/Maildir/new",
                      "/Maildir/tmp"):
                os.makedirs(v[5] + d, exist_ok=True)
                if root:
                    os.chown(v[5] + d, int(v[2]), gid)
        f.write(":".join(v) + "\n")
EOF
if [ "$(id -u)" -eq 0 ]; then
	uidconf="first_valid_uid = 20000
last_valid_uid = $MAILUID"
else
	uidconf=
fi

cat >>"$dir/dovecot.conf" <<EOF

# bench/server.sh: a thousand IDLE connections at once
$uidconf
default_client_limit = 5000
mail_max_userip_connections = 50
service imap-login {
  service_count = 0
  process_min_avail = 2
  process_limit = 8
  client_limit = 2500
}
service imap {
  process_limit = 1200
}
EOF

dovecot -c "$dir/dovecot.conf" || {
	tail -n 20 "$DOVECOT_LOG" >&2
	die "dovecot did not start"
}
i=0
while [ $i -lt 150 ]; do
	if ss -Hltn "sport = :$PORT" | grep -q .; then
		exit 0
	fi
	sleep 0.1
	i=$((i + 1))
done
sh "$top/tests/dovecot.sh" stop "$dir"
die "dovecot did not listen on 127.0.0.1:$PORT within 15 s"
