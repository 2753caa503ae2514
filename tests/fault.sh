# SPDX-License-Identifier: ISC
# shellcheck shell=sh
# fault.sh: helpers for the fault tests (t-fault-*.sh, t-netns.sh), which
# run imapwait against tests/fakeimap.py instead of Dovecot. Sourced after
# lib.sh, with NODOVECOT=1:
#
#	export NODOVECOT=1
#	. "$(dirname "$0")/lib.sh"
#	. "$(dirname "$0")/fault.sh"
#
# The fake server and its certificates:
#	fake SCENARIO [fakeimap options]   start it on 127.0.0.1 (implicit TLS,
#	                          a certificate for localhost from the test CA);
#	                          sets FAKE_PID, FAKE_PORT, FAKE_REC (its record
#	                          of every line the client sent), FAKE_LOG;
#	                          FAKE_WRAP, if set, is put before python3 (e.g.
#	                          "ip netns exec NS": it must exec, keeping the pid)
#	CERTS                     tests/certs.sh's directory: ca.pem ca.key
#	                          server.pem server.key other-ca.pem other-ca.key
#	make_cert NAME SAN [CANAME] [STARTDATE ENDDATE]   $TESTDIR/NAME.pem and
#	                          .key, signed by CERTS/CANAME (default ca),
#	                          e.g. make_cert old DNS:localhost ca
#	                          20200101000000Z 20200201000000Z
#
# imapwait against it (a fault test run is one imapwait, named after the
# test file):
#	fake_iw [imapwait options]  iw_start with -p $FAKE_PORT -C CERTS/ca.pem
#	                          -P a password file -w 3 (scaled); in the plain
#	                          run under GNU time for its peak RSS and CPU
#	fake_wait SECS            wait for the exit (kill at SECS); sets
#	                          IW_STATUS, IW_MS (ms from start to exit),
#	                          IW_KB (peak RSS, kB) and IW_CPU (CPU ms)
#	expect_exit CODE SECS TEXT   fake_wait, then check the exit status, that
#	                          it came within SECS (scaled) and the log line
#	expect_running SECS       still running after SECS more seconds
#	                          (sampling RSS and CPU meanwhile)
#	iw_stop                   SIGTERM, then fake_wait
#	no_credentials            the record shows no LOGIN and no AUTHENTICATE
#	record_has WHAT ERE / record_lacks WHAT ERE   a client line matches
#	check_rss KB / check_cpu MS  bounds, checked in the plain run only
#	result EXPECTED           a "# result: ..." line for the summary table

FAULT_NAME=$(basename "$0" .sh)
FAULT_NAME=${FAULT_NAME#t-}
FAKE_PID=
FAKE_PORT=
FAKE_WRAP=${FAKE_WRAP:-}
FAKE_REC=$TESTDIR/fake.rec
FAKE_LOG=$TESTDIR/fake.log
IW_TIMEPID=
IW_RUSAGE=
IW_T0=
IW_MS=
IW_KB=0
IW_CPU=0
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

_fault_cleanup() {
	if [ -n "$FAKE_PID" ] && kill -0 "$FAKE_PID" 2>/dev/null; then
		kill -TERM "$FAKE_PID" 2>/dev/null
		wait "$FAKE_PID" 2>/dev/null
	fi
	_cleanup
}
trap _fault_cleanup EXIT

# certificates: the private Dovecot's when there is one, else our own
if [ -n "${DOVECOT:-}" ] && [ -s "$DOVECOT/ca.key" ] && [ -s "$DOVECOT/other-ca.key" ]; then
	CERTS=$DOVECOT
else
	CERTS=$TESTDIR/certs
	sh "$TOP/tests/certs.sh" "$CERTS" || exit 1
fi
FAULT_SECRET=fake-Secret-7
FAULT_PASS=$TESTDIR/alice.pass
(umask 077 && echo "$FAULT_SECRET" >"$FAULT_PASS")

make_cert() {
	_cn=${2#*:}
	_ca=${3:-ca}
	_d=$TESTDIR/ca-$1
	mkdir -p "$_d"
	: >"$_d/index.txt"
	echo 01 >"$_d/serial"
	cat >"$_d/ca.cnf" <<-EOF
	[ca]
	default_ca = test
	[test]
	database = $_d/index.txt
	new_certs_dir = $_d
	serial = $_d/serial
	default_md = sha256
	default_days = 3650
	policy = any
	unique_subject = no
	[any]
	commonName = supplied
	[server]
	basicConstraints = critical, CA:FALSE
	keyUsage = critical, digitalSignature, keyEncipherment
	extendedKeyUsage = serverAuth
	subjectAltName = $2
	EOF
	_out=$TESTDIR/$1
	if [ -n "${4:-}" ]; then
		set -- -startdate "$4" -enddate "$5"
	else
		set --
	fi
	openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$_cn" \
		-keyout "$_out.key" -out "$_d/req.csr" 2>"$_d/err" &&
	openssl ca -batch -config "$_d/ca.cnf" -cert "$CERTS/$_ca.pem" \
		-keyfile "$CERTS/$_ca.key" -extensions server -notext \
		-in "$_d/req.csr" -out "$_out.pem" "$@" 2>>"$_d/err" >&2 || {
		cat "$_d/err" >&2
		return 1
	}
}

fake() {
	_sc=$1
	shift
	rm -f "$TESTDIR/fake.port"
	_has_opt --cert "$@" || set -- "$@" --cert "$CERTS/server.pem" --key "$CERTS/server.key"
	set -f
	# shellcheck disable=SC2086
	$FAKE_WRAP python3 "$TOP/tests/fakeimap.py" --scenario "$_sc" \
		--port-file "$TESTDIR/fake.port" --record "$FAKE_REC" \
		--timeout "$(scaled 90)" --verbose "$@" 2>"$FAKE_LOG" &
	FAKE_PID=$!
	set +f
	_i=100
	while [ $_i -gt 0 ] && [ ! -s "$TESTDIR/fake.port" ] && kill -0 "$FAKE_PID" 2>/dev/null; do
		sleep 0.1
		_i=$((_i - 1))
	done
	FAKE_PORT=$(cat "$TESTDIR/fake.port" 2>/dev/null)
	if [ -z "$FAKE_PORT" ]; then
		not_ok "fakeimap starts (scenario $_sc)"
		show "$FAKE_LOG"
		done_testing
	fi
}

fake_iw() {
	_iw=$IMAPWAIT
	IW_RUSAGE=
	if [ "${IMAPWAIT_MODE:-plain}" = plain ] && [ -x /usr/bin/time ]; then
		IW_RUSAGE=$TESTDIR/$FAULT_NAME.rusage
		rm -f "$IW_RUSAGE"
		IMAPWAIT="/usr/bin/time -q -o $IW_RUSAGE -f rusage:%M:%U:%S $_iw"
	fi
	_has_opt -C "$@" || set -- "$@" -C "$CERTS/ca.pem"
	_has_opt -p "$@" || set -- "$@" -p "$FAKE_PORT"
	_has_opt -P "$@" || set -- "$@" -P "$FAULT_PASS"
	_has_opt -w "$@" || set -- "$@" -w "$(scaled 3)"
	IW_T0=$(now_ms)
	iw_start "$FAULT_NAME" "$@"
	IMAPWAIT=$_iw
	IW_KB=0
	IW_CPU=0
	IW_TIMEPID=
	[ -n "$IW_RUSAGE" ] || return 0
	# the real imapwait is GNU time's child
	IW_TIMEPID=$IW_PID
	_i=50
	while [ $_i -gt 0 ]; do
		_c=$(pgrep -P "$IW_TIMEPID" 2>/dev/null | head -n 1)
		[ -n "$_c" ] && break
		alive "$IW_TIMEPID" || break
		sleep 0.02
		_i=$((_i - 1))
	done
	if [ -n "$_c" ]; then
		IW_PID=$_c
		IW_PIDS="$IW_PIDS $IW_PID"
	fi
}

# _sample: peak RSS and CPU so far, from /proc (valid while running)
_sample() {
	_kb=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$IW_PID/status" 2>/dev/null)
	[ -n "$_kb" ] && [ "$_kb" -gt "$IW_KB" ] && IW_KB=$_kb
	_t=$(sed 's/^.*) //' "/proc/$IW_PID/stat" 2>/dev/null | cut -d ' ' -f 12,13)
	if [ -n "$_t" ]; then
		_ms=$(( (${_t% *} + ${_t#* }) * 1000 / CLK_TCK ))
		[ "$_ms" -gt "$IW_CPU" ] && IW_CPU=$_ms
	fi
	return 0
}

fake_wait() {
	_i=$(($(scaled "$1") * 20))
	while [ "$_i" -gt 0 ] && alive "$IW_PID"; do
		_sample
		sleep 0.05
		_i=$((_i - 1))
	done
	if alive "$IW_PID"; then
		_sample
		kill -KILL "$IW_PID" 2>/dev/null
	fi
	IW_MS=$(($(now_ms) - IW_T0))
	if [ -n "$IW_TIMEPID" ]; then
		wait "$IW_TIMEPID" 2>/dev/null
		IW_STATUS=$?
	else
		wait "$IW_PID" 2>/dev/null
		IW_STATUS=$?
	fi
	[ "$_i" -gt 0 ] || IW_STATUS=124
	_no_leak
	if [ -n "$IW_RUSAGE" ] && [ -s "$IW_RUSAGE" ]; then
		_r=$(grep '^rusage:' "$IW_RUSAGE" | tail -n 1)
		_kb=$(echo "$_r" | cut -d : -f 2)
		_cpu=$(echo "$_r" | awk -F : '{ printf "%d", ($3 + $4) * 1000 }')
		[ -n "$_kb" ] && [ "$_kb" -gt "$IW_KB" ] && IW_KB=$_kb
		[ -n "$_cpu" ] && [ "$_cpu" -gt "$IW_CPU" ] && IW_CPU=$_cpu
	fi
	return 0
}

# _no_leak: neither the password nor the SASL token the server received
# is in imapwait's log
_no_leak() {
	_leak=
	grep -qF -- "$FAULT_SECRET" "$IW_LOG" 2>/dev/null && _leak=password
	for _tok in $(grep -v '^#' "$FAKE_REC" 2>/dev/null |
	    sed -n '/^[^ ]* AUTHENTICATE /{s/^[^ ]* AUTHENTICATE [^ ]* *//p;n;p;}'); do
		[ "${#_tok}" -ge 12 ] || continue
		grep -qF -- "$_tok" "$IW_LOG" 2>/dev/null && _leak="$_leak SASL-token"
	done
	if [ -n "$_leak" ]; then
		not_ok "no secret in imapwait's log" "found:$_leak"
	else
		ok "no secret in imapwait's log"
	fi
}

# expect_exit CODE SECS [TEXT]: exit status CODE within SECS (scaled)
expect_exit() {
	fake_wait $(($2 * 2 + 5))
	check_exit "exit status $1" "$1" "$IW_STATUS"
	_lim=$(($(scaled "$2") * 1000))
	if [ "$IW_MS" -le "$_lim" ]; then
		ok "exits within $(scaled "$2") s (took $IW_MS ms)"
	else
		not_ok "exits within $(scaled "$2") s" "took $IW_MS ms"
	fi
	[ -z "${3:-}" ] || check_log "logs \"$3\"" "$IW_LOG" "$3"
}

# expect_running SECS: still running (idling) after SECS more seconds
expect_running() {
	_i=$(($1 * 20))
	while [ "$_i" -gt 0 ] && alive "$IW_PID"; do
		_sample
		sleep 0.05
		_i=$((_i - 1))
	done
	if alive "$IW_PID"; then
		ok "still running after $1 more s"
		return 0
	fi
	not_ok "still running after $1 more s" "it exited"
	show "$IW_LOG"
	return 1
}

iw_stop() {
	alive "$IW_PID" && kill -TERM "$IW_PID" 2>/dev/null
	fake_wait 10
}

wait_idling() {
	if wait_ready "$IW_READY" "$(scaled 10)" "$IW_PID"; then
		ok "imapwait idles"
		return 0
	fi
	not_ok "imapwait idles" "no readiness"
	show "$IW_LOG"
	return 1
}

no_credentials() {
	if [ ! -e "$FAKE_REC" ]; then
		not_ok "the server kept a record" "no $FAKE_REC"
	elif grep -Eiq '^[^# ]+ (LOGIN|AUTHENTICATE)( |$)' "$FAKE_REC"; then
		not_ok "the server received no LOGIN or AUTHENTICATE"
		show "$FAKE_REC"
	else
		ok "the server received no LOGIN or AUTHENTICATE"
	fi
}

record_has() {
	if grep -Eiq -- "$2" "$FAKE_REC" 2>/dev/null; then
		ok "$1"
	else
		not_ok "$1" "no line matching /$2/ in the server's record"
		show "$FAKE_REC"
	fi
}

record_lacks() {
	if grep -Eiq -- "$2" "$FAKE_REC" 2>/dev/null; then
		not_ok "$1" "the server's record has:"
		grep -Ei -- "$2" "$FAKE_REC" | head -n 5 | sed 's/^/#   | /'
	else
		ok "$1"
	fi
}

_plain_only() {
	[ "${IMAPWAIT_MODE:-plain}" = plain ] && return 0
	diag "skip: $1 is measured in the plain run only"
	return 1
}

# check_rss KB: peak RSS at most KB
check_rss() {
	_plain_only "peak RSS" || return 0
	if [ "$IW_KB" -gt 0 ] && [ "$IW_KB" -le "$1" ]; then
		ok "peak RSS $IW_KB kB <= $1 kB"
	else
		not_ok "peak RSS $IW_KB kB <= $1 kB"
	fi
}

# check_cpu MS: CPU time (user + system) at most MS
check_cpu() {
	_plain_only "CPU time" || return 0
	if [ "$IW_CPU" -le "$1" ]; then
		ok "CPU time $IW_CPU ms <= $1 ms"
	else
		not_ok "CPU time $IW_CPU ms <= $1 ms"
	fi
}

# result EXPECTED: one row of the fault table
result() {
	diag "result: $FAULT_NAME | $1 | exit $IW_STATUS$(status_name "$IW_STATUS") | $IW_MS ms | $IW_KB kB | $IW_CPU ms CPU"
}

# State files (-s): "UIDVALIDITY UIDNEXT EXISTS CHANGED PENDING".
#	state_put FILE LINE       write LINE to FILE, mode 0600, as imapwait
#	                          does: five numbers get their cksum; four
#	                          (a file of version 0.1) are written as such
#	check_state WHAT FILE LINE   FILE holds the five numbers LINE, with
#	                          their cksum
#	check_uidnext FILE N      its second field (UIDNEXT) is N
state_put() {
	case $2 in
	*' '*' '*' '*' '*) _line="$2 $(printf '%s' "$2" | cksum | cut -d' ' -f1)" ;;
	*) _line=$2 ;;
	esac
	(umask 077 && printf '%s\n' "$_line" >"$1")
}

check_state() {
	_got=$(cut -d ' ' -f 1-5 "$2" 2>/dev/null)
	_sum=$(cut -d ' ' -f 6 "$2" 2>/dev/null)
	if [ "$_got" = "$3" ] &&
	    [ "$_sum" = "$(printf '%s' "$3" | cksum | cut -d ' ' -f 1)" ]; then
		ok "$1"
	else
		not_ok "$1" "expected \"$3\" and its cksum, the state file holds \"$(cat "$2" 2>/dev/null)\""
	fi
}

check_uidnext() {
	_got=$(cut -d ' ' -f 2 "$1" 2>/dev/null)
	if [ "$_got" = "$2" ]; then
		ok "the state file's UIDNEXT is $2"
	else
		not_ok "the state file's UIDNEXT is $2" "got \"$_got\" (file: \"$(cat "$1" 2>/dev/null)\")"
	fi
}

# wait_record ERE SECS: until a line of the server's record matches
wait_record() {
	_i=$(($(scaled "$2") * 10))
	while [ "$_i" -gt 0 ]; do
		grep -Eq -- "$1" "$FAKE_REC" 2>/dev/null && return 0
		sleep 0.1
		_i=$((_i - 1))
	done
	return 1
}
