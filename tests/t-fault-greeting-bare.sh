#!/bin/sh
# A greeting of just "* OK" (no text): imapwait goes on (0 on new mail)
# or calls it a protocol error (111); never a crash.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake greeting-bare
fake_iw
fake_wait 8
case $IW_STATUS in
111) check_log "111: logs \"protocol error\"" "$IW_LOG" "protocol error" ;;
0) check_log "0: woken by the real EXISTS" "$IW_LOG" "new mail (3 -> 4)" ;;
*)
	not_ok "exit status 111 or 0" "got $IW_STATUS$(status_name "$IW_STATUS")"
	show "$IW_LOG"
	;;
esac
result "0 or 111"
done_testing
