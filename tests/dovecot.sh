#!/bin/sh
# SPDX-License-Identifier: ISC
# dovecot.sh start|stop|status DIR [portbase]: a private Dovecot for tests,
# the demo and benchmarks. Everything it makes lives in DIR.
#
#   portbase     IMAP over implicit TLS (default $PORTBASE, else 10993)
#   portbase+1   IMAP with STARTTLS
#
# Both listen on 127.0.0.1 only, with a certificate for "localhost" from
# tests/certs.sh (DIR/ca.pem; DIR/other-ca.pem is an unrelated CA).
#
# Users (passwd-file DIR/passwd, passwords also in DIR/USER.pass, mode 0600):
#   alice   a plain password; mailboxes INBOX and "Entwürfe"
#   bob     p"a\ss wörd  (a quote, a backslash, a space and 8-bit UTF-8)
#
# Maildirs: DIR/home/USER/Maildir, owned by the mail uid (root runs the
# server: nobody, as Dovecot never gives mail access to uid 0; anyone else:
# that user). DIR/env holds shell assignments for the rest of the suite:
# PORT, STARTTLS_PORT, CA, OTHERCA, MAILUID, MAILGID, DOVECOT_LOG.
#
# The log (DIR/dovecot.log) has one imap-login line per connection; a
# connection that never sent credentials ends with "no auth attempts", one
# that did says "Login:" or "auth failed" (auth_verbose adds the reason).
#
# start is safe to repeat; stop signals only the master in base_dir's pid
# file and removes nothing.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-}
dir=${2:-}
case $cmd in start|stop|status) ;; *) cmd= ;; esac
if [ -z "$cmd" ] || [ -z "$dir" ]; then
	echo 'usage: dovecot.sh start|stop|status DIR [portbase]' >&2
	exit 100
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
pidfile=$dir/run/master.pid
log=$dir/dovecot.log

die() { echo "dovecot.sh: $*" >&2; exit 1; }

# master_pid: the pid of our running master, or nothing
master_pid() {
	[ -s "$pidfile" ] || return 0
	p=$(sed -n '1{/^[0-9][0-9]*$/p;}' "$pidfile")
	[ -n "$p" ] || return 0
	if kill -0 "$p" 2>/dev/null &&
	    tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q "dovecot.*$dir/dovecot.conf"; then
		echo "$p"
	fi
}

# listening PORT: is something listening on 127.0.0.1:PORT?
listening() {
	ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

stop() {
	p=$(master_pid)
	[ -n "$p" ] || return 0
	# its children too: an imap process may outlive the master, and
	# keep a session (and IDLE) going after "stop"
	kids=$(cat /proc/[0-9]*/stat 2>/dev/null | awk -v pp="$p" '
		{ pid = $1; sub(/.*\) /, "") } $2 == pp { printf "%s ", pid }')
	kill -TERM "$p" 2>/dev/null || return 0
	i=0
	while [ $i -lt 100 ] && kill -0 "$p" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$p" 2>/dev/null; then
		echo "dovecot.sh: master $p did not stop in 10 s, killing it" >&2
		kill -KILL "$p" 2>/dev/null || :
	fi
	for k in $kids; do
		i=0
		while [ $i -lt 30 ] && kill -0 "$k" 2>/dev/null; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$k" 2>/dev/null || :
	done
}

case $cmd in
stop)
	stop
	exit 0
	;;
status)
	p=$(master_pid)
	[ -n "$p" ] && { echo "running, pid $p"; exit 0; }
	echo "not running"
	exit 1
	;;
esac

portbase=${3:-${PORTBASE:-10993}}
port=$portbase
sport=$((portbase + 1))

command -v dovecot >/dev/null || PATH=$PATH:/usr/sbin:/sbin
command -v dovecot >/dev/null || die "dovecot not found (apt-get install dovecot-imapd)"

if [ -n "$(master_pid)" ]; then
	if [ -s "$dir/env" ] && grep -qx "PORT=$port" "$dir/env"; then
		exit 0
	fi
	die "a Dovecot already runs in $dir with other ports; stop it first"
fi
for p in "$port" "$sport"; do
	listening "$p" && die "127.0.0.1:$p is already in use"
done

# The unix sockets in base_dir must fit in sun_path (108 bytes).
[ ${#dir} -le 64 ] || die "$dir is too long a path for Dovecot's sockets (64 at most)"

if [ "$(id -u)" -eq 0 ]; then
	mailuser=nobody
	mailuid=$(id -u nobody)
	mailgid=$(id -g nobody)
	internal=dovecot
	loginuser=dovenull
	nonroot=
else
	mailuser=$(id -un)
	mailuid=$(id -u)
	mailgid=$(id -g)
	internal=$mailuser
	loginuser=$mailuser
	nonroot=1
fi

# The mail processes run as the mail user: it must reach DIR.
chmod 755 "$dir"
if [ -z "$nonroot" ] &&
    ! setpriv --reuid="$mailuid" --regid="$mailgid" --clear-groups test -x "$dir"; then
	die "the mail user $mailuser cannot reach $dir; use a directory under /tmp"
fi

sh "$here/certs.sh" "$dir"
if [ -z "$nonroot" ]; then
	# read by the master only; 0600 root is what Dovecot wants
	chmod 600 "$dir/server.key"
fi

alicepass='alice-Secret-42'
bobpass='p"a\ss wörd'
printf '%s\n' "$alicepass" >"$dir/alice.pass"
printf '%s\n' "$bobpass" >"$dir/bob.pass"
chmod 600 "$dir/alice.pass" "$dir/bob.pass"

# passwd-file: fields split at ':' with no quoting, so any other byte,
# '"' and '\' included, is the password as written.
{
	printf 'alice:{PLAIN}%s:%s:%s::%s/home/alice::\n' "$alicepass" "$mailuid" "$mailgid" "$dir"
	printf 'bob:{PLAIN}%s:%s:%s::%s/home/bob::\n' "$bobpass" "$mailuid" "$mailgid" "$dir"
} >"$dir/passwd"
chmod 644 "$dir/passwd"

# Maildir++: a folder is a dot directory named in modified UTF-7,
# Entwürfe is .Entw&APw-rfe
for m in home/alice/Maildir home/alice/Maildir/.Entw\&APw-rfe home/bob/Maildir; do
	mkdir -p "$dir/$m/cur" "$dir/$m/new" "$dir/$m/tmp"
done
: >"$dir/home/alice/Maildir/.Entw&APw-rfe/maildirfolder"
printf 'Entw&APw-rfe\n' >"$dir/home/alice/Maildir/subscriptions"
chown -R "$mailuid:$mailgid" "$dir/home"

mkdir -p "$dir/run" "$dir/state"
chmod 755 "$dir/run"

if [ -n "$nonroot" ]; then
	chrootconf="service anvil {
  chroot =
}
service imap-login {
  chroot =
}
service auth-worker {
  user = $mailuser
}
service stats {
  unix_listener stats-writer {
    group =
  }
}
service imap-hibernate {
  unix_listener imap-hibernate {
    group =
  }
}
service dict {
  unix_listener dict {
    group =
  }
}
service dict-async {
  unix_listener dict-async {
    group =
  }
}"
else
	chrootconf=
fi

cat >"$dir/dovecot.conf" <<EOF
# private Dovecot for imapwait's tests (written by tests/dovecot.sh)
base_dir = $dir/run
state_dir = $dir/state
instance_name = imapwait-test-$port
log_path = $log
info_log_path = $log
debug_log_path = $log
protocols = imap
listen = 127.0.0.1
shutdown_clients = yes

default_internal_user = $internal
default_login_user = $loginuser
first_valid_uid = $mailuid
last_valid_uid = $mailuid
first_valid_gid = $mailgid
last_valid_gid = $mailgid

ssl = yes
ssl_cert = <$dir/server.pem
ssl_key = <$dir/server.key
ssl_min_protocol = TLSv1.2

disable_plaintext_auth = yes
auth_mechanisms = plain login
auth_verbose = yes
# tests provoke failed logins: answer them at once, with no growing penalty
auth_failure_delay = 0
auth_verbose_passwords = no
auth_debug = no
mail_debug = no
verbose_proctitle = yes
login_log_format_elements = user=<%u> method=%m rip=%r rport=%{rport} lip=%l lport=%{lport} mpid=%e %c session=<%{session}>

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u $dir/passwd
}

mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = /
  prefix =
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $sport
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $port
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    port = 0
  }
}
service submission-login {
  inet_listener submission {
    port = 0
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service lmtp {
  unix_listener lmtp {
    mode = 0600
  }
}
$chrootconf
EOF

cat >"$dir/env" <<EOF
PORT=$port
STARTTLS_PORT=$sport
CA=$dir/ca.pem
OTHERCA=$dir/other-ca.pem
MAILUID=$mailuid
MAILGID=$mailgid
DOVECOT_LOG=$log
EOF

: >>"$log"
dovecot -c "$dir/dovecot.conf" || {
	tail -n 20 "$log" >&2
	die "dovecot did not start"
}

# bounded: up to 15 s for both listeners
i=0
while [ $i -lt 150 ]; do
	if [ -n "$(master_pid)" ] && listening "$port" && listening "$sport"; then
		exit 0
	fi
	sleep 0.1
	i=$((i + 1))
done
tail -n 20 "$log" >&2
stop
die "dovecot did not listen on 127.0.0.1:$port and :$sport within 15 s"
