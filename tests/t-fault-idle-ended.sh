#!/bin/sh
# The server ends IDLE by itself (a tagged OK, no DONE sent): not new
# mail and not a permanent failure; imapwait ends with 111 (or idles
# again), never 0 or 100.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake idle-ended
fake_iw
wait_idling
fake_wait 5
case $IW_STATUS in
111) ok "exit status 111" ;;
124) ok "still running (idling again) after 5 s" ;;
*)
	not_ok "exit status 111, or still running" "got $IW_STATUS$(status_name "$IW_STATUS")"
	show "$IW_LOG"
	;;
esac
result "111 (or idles again)"
done_testing
