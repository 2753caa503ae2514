#!/bin/sh
# SPDX-License-Identifier: ISC
# The private Dovecot itself, checked without imapwait, so that a failing
# imapwait test can be told from a broken test server: its certificate
# verifies for localhost and not for 127.0.0.1, alice and bob log in,
# Entwürfe is listed (as Entw&APw-rfe), and IDLE reports a delivery.
# repeat: no
. "$(dirname "$0")/lib.sh"

s_client() { # s_client NAME CAFILE [openssl options]
	sc_name=$1
	sc_ca=$2
	shift 2
	echo Q | openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$sc_ca" \
		-verify_return_error "$@" >"$TESTDIR/$sc_name.log" 2>&1
}

refused() {
	! s_client "$@"
}

check 'openssl: the certificate verifies for localhost' \
	s_client good "$CA" -servername localhost -verify_hostname localhost
check 'openssl: not for 127.0.0.1 (no IP subjectAltName)' \
	refused ip "$CA" -verify_ip 127.0.0.1
check 'openssl: not with the other CA' \
	refused other "$OTHERCA" -servername localhost

cat >"$TESTDIR/imap.py" <<'PY'
import imaplib, os, socket, ssl, sys, time

d, port, ca = os.environ['DOVECOT'], int(os.environ['PORT']), os.environ['CA']
ctx = ssl.create_default_context(cafile=ca)

def pw(user):
    with open(os.path.join(d, user + '.pass'), encoding='utf-8') as f:
        return f.readline().rstrip('\n')

def result(ok, what):
    print(('ok' if ok else 'not ok') + ' - ' + what, flush=True)

m = imaplib.IMAP4_SSL('localhost', port, ssl_context=ctx, timeout=10)
result('IDLE' in m.capabilities, 'IDLE is advertised')
m.login('alice', pw('alice'))
result(True, 'alice logs in')
typ, boxes = m.list()
result(any(b.endswith(b'Entw&APw-rfe') for b in boxes), 'LIST shows Entw&APw-rfe (Entwürfe)')
typ, _ = m.select('"Entw&APw-rfe"', readonly=True)
result(typ == 'OK', 'EXAMINE Entw&APw-rfe')
typ, _ = m.select('INBOX', readonly=True)
result(typ == 'OK', 'EXAMINE INBOX')
m.sock.settimeout(10)
tag = m._new_tag().decode()
m.send(('%s IDLE\r\n' % tag).encode())
line = m.readline()
result(line.startswith(b'+'), 'IDLE is accepted')
sys.stdout.write('deliver\n')
sys.stdout.flush()
seen = b''
deadline = time.time() + 10
while time.time() < deadline and b'EXISTS' not in seen:
    try:
        seen = m.readline()
    except socket.timeout:
        break
result(b'EXISTS' in seen, 'IDLE reports a delivery: ' + seen.decode().strip())
m.send(b'DONE\r\n')
m.logout()

for mech in ('LOGIN', 'PLAIN'):
    b = imaplib.IMAP4_SSL('localhost', port, ssl_context=ctx, timeout=10)
    if mech == 'PLAIN':
        b.authenticate('PLAIN', lambda _: b'\0bob\0' + pw('bob').encode())
    else:
        b.literal = pw('bob').encode()
        typ, _ = b._simple_command('LOGIN', 'bob')
        b.state = 'AUTH'
    typ, _ = b.select('INBOX', readonly=True)
    result(typ == 'OK', 'bob logs in with ' + mech + ' (quote, backslash, space, 8-bit)')
    b.logout()
PY

empty_mailbox alice
DOVECOT=$DOVECOT PORT=$PORT CA=$CA python3 "$TESTDIR/imap.py" >"$TESTDIR/imap.out" 2>&1 &
py=$!
if wait_text "$TESTDIR/imap.out" deliver 15; then
	sleep 0.2
	deliver alice INBOX 'for the IDLE check'
fi
wait_pid_exit "$py" 30
st=$?
while IFS= read -r line; do
	case $line in
	'ok - '*) ok "${line#ok - }" ;;
	'not ok - '*) not_ok "${line#not ok - }" ;;
	esac
done <"$TESTDIR/imap.out"
if [ "$st" -ne 0 ]; then
	not_ok "python3 imaplib session: exit status $st"
	show "$TESTDIR/imap.out"
fi

done_testing
