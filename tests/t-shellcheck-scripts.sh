#!/bin/sh
# SPDX-License-Identifier: ISC
# Every shell script in scripts/ (the loop, imapwait-service, each
# supervisor's run/finish/log scripts, the init script, the demo, the
# example account file) passes shellcheck at every severity, style
# included: stricter than the suite's lint, which stops at warnings.
# repeat: no
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

if ! need shellcheck shellcheck; then
	not_ok 'shellcheck is installed' "see $TESTDIR/apt.log"
	done_testing
fi

cd "$TOP" || exit 1
n=0
for f in $(find scripts -type f | sort); do
	case $f in
	*.service | *.md | */README | *.[158]) continue ;;
	esac
	n=$((n + 1))
	if shellcheck -s sh "$f" >"$TESTDIR/sc.log" 2>&1; then
		ok "shellcheck $f"
	else
		not_ok "shellcheck $f"
		show "$TESTDIR/sc.log" 40
	fi
	case $f in
	*.example) ;;
	*) check "$f is executable" test -x "$f" ;;
	esac
	check "$f: sh -n" sh -n "$f"
done
check "scripts found ($n)" test "$n" -ge 10

done_testing
