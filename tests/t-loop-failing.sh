#!/bin/sh
# SPDX-License-Identifier: ISC
# imapwait-loop when temporary failures keep coming: after 5 minutes of
# nothing else it says so louder (an error, shown with -q too: for how
# long, how many failures, the last one's reason as imapwait gave it), once an hour after that while
# they last, and says when it works again. The clock is a stand-in that
# moves 30 s each time the loop reads it, and sleep returns at once, so
# hours pass in a second.
# repeat: no
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

bin=$TESTDIR/bin
mkdir -p "$bin"
cat >"$bin/date" <<EOF
#!/bin/sh
c=\$(cat $TESTDIR/clock 2>/dev/null || echo 1000000)
echo \$((c + 30)) >$TESTDIR/clock
echo "\$c"
EOF
printf '#!/bin/sh\nexit 0\n' >"$bin/sleep"
chmod +x "$bin/date" "$bin/sleep"

# 10 failures, 60 s apart (the loop reads the clock before and after
# each run), then a good run
LOOP_PREFIX="env PATH=$bin:$PATH"
fake_loop short '111 111 111 111 111 111 111 111 111 111 2 100' true -q -u bob localhost
wait_pid_exit "$LOOP_PID" 20
check_exit 'the loop ends with the stand-in'"'"'s 100' 100 $?
check 'said louder once in 10 minutes of failures' \
	test "$(count "$LOOP_LOG" 'not working for')" -eq 1
check_log 'after 5 minutes, with how long and how many (with -q too)' "$LOOP_LOG" \
	'imapwait-loop: bob@localhost/INBOX: not working for 5 min: 6 temporary failures in a row, the last: fake run 6: 111; still trying'
check_log 'and says when it works again' "$LOOP_LOG" 'working again after 10 min'
check 'the quiet pauses stay quiet with -q' test "$(count "$LOOP_LOG" 'retrying in')" -eq 0

# 70 failures: at 5 minutes, then an hour later
codes=
i=0
while [ $i -lt 70 ]; do codes="$codes 111"; i=$((i + 1)); done
fake_loop long "$codes 100" true
wait_pid_exit "$LOOP_PID" 60
check_exit 'the loop ends with the stand-in'"'"'s 100' 100 $?
check 'said louder twice in 70 minutes of failures' \
	test "$(count "$LOOP_LOG" 'not working for')" -eq 2
check_log 'the second time an hour later' "$LOOP_LOG" \
	'not working for 65 min: 66 temporary failures in a row'
LOOP_PREFIX=

# the real imapwait against a port where nothing listens: the louder
# word gives its reason
port=${PORTBASE:-11993}
port=$((port + 97))
if ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
	ok "# skip: 127.0.0.1:$port is in use"
else
	printf 'secret\n' >"$TESTDIR/pass"
	chmod 600 "$TESTDIR/pass"
	log=$TESTDIR/real.log
	TMPDIR=$TESTDIR PATH=$bin:$PATH XDG_STATE_HOME=$TESTDIR/xdg sh "$LOOP" -q -u bob \
		-P "$TESTDIR/pass" -p "$port" -w 2 127.0.0.1 -- true 2>"$log" </dev/null &
	LOOP_PID=$!
	IW_PIDS="$IW_PIDS $LOOP_PID"
	if wait_text "$log" 'not working for' 20; then
		ok 'the real imapwait, refused: the loop says so louder'
	else
		not_ok 'the real imapwait, refused: the loop says so louder' && show "$log"
	fi
	check_log 'with the reason imapwait gave' "$log" \
		"imapwait-loop: bob@127.0.0.1/INBOX: not working for 5 min: 6 temporary failures in a row, the last: unable to connect to 127.0.0.1:$port: Connection refused; still trying"
	kill -TERM "$LOOP_PID"
	wait_pid_exit "$LOOP_PID" 10
	check_exit 'and stops by SIGTERM' 143 $?
fi

done_testing
