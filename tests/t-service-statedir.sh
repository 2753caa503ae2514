#!/bin/sh
# SPDX-License-Identifier: ISC
# As root with RUNAS, imapwait-service makes a missing STATE directory
# for that user only (0700, RUNAS's), in a directory that belongs to
# root; one that belongs to someone else is refused (100) before the loop
# starts: whoever owns the directory could rewrite the state file and
# hide mail.
# repeat: no
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	ok 'not root: RUNAS does not apply'
	done_testing
fi
chmod 755 "$TESTDIR"
sd=$TESTDIR/state
mkdir -m 755 "$sd"
# a stand-in for imapwait: the login for -n, else a permanent failure
cat >"$TESTDIR/iw" <<'STUB'
#!/bin/sh
for a; do [ "$a" = -n ] && { echo alice; exit 0; }; done
echo "imapwait: stand-in: exit 100" >&2
exit 100
STUB
chmod 755 "$TESTDIR/iw"

conf() {
	cat >"$TESTDIR/$1.conf" <<CONF
HOST=localhost
LOGIN=alice
PASSFILE=/dev/null
HOOK=true
STATE=$sd/$1/work.state
RUNAS=nobody
CONF
}

conf made
IMAPWAIT=$TESTDIR/iw sh "$TOP/scripts/imapwait-service" "$TESTDIR/made.conf" \
	>"$TESTDIR/made.log" 2>&1
check_exit 'the loop ran, as far as the stand-in (100)' 100 $?
check 'the directory is made, nobody'"'"'s, 0700' \
	test "$(stat -c '%U %a' "$sd/made" 2>/dev/null)" = 'nobody 700'

conf taken
mkdir -m 777 "$sd/taken"
chown daemon "$sd/taken"
IMAPWAIT=$TESTDIR/iw sh "$TOP/scripts/imapwait-service" "$TESTDIR/taken.conf" \
	>"$TESTDIR/taken.log" 2>&1
check_exit 'a directory of another user: refused (100)' 100 $?
check_log 'says whose it is' "$TESTDIR/taken.log" "belongs to daemon, not nobody"
check_nolog 'before the loop starts' "$TESTDIR/taken.log" 'stand-in'
done_testing
