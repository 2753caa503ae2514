#!/bin/sh
# SPDX-License-Identifier: ISC
# A simulated power cut after a wake (the rename reached the disk, or did
# not, or was torn): the state file is put back to the older copy, cut
# short, or left empty. Each time the next run wakes (exit 0): a lost or
# torn write costs one extra hook run, never a missed message.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

state=$TESTDIR/state
state_put "$state" "1 4 3 0"
cp "$state" "$TESTDIR/state.older"
fake power-cut --connections 4
fake_iw -s "$state"
wait_idling
expect_exit 0 5 "new mail (3 -> 4)"
check_state "the state file says \"1 5 4 0 1\"" "$state" "1 5 4 0 1"
cp "$state" "$TESTDIR/state.newer"

# the older copy, as if the rename never reached the disk
FAULT_NAME="state-power-cut-older"
cp "$TESTDIR/state.older" "$state"
fake_iw -s "$state"
expect_exit 0 5 "new mail while not watching"

# cut short after five bytes, without the newline
FAULT_NAME="state-power-cut-short"
head -c 5 "$TESTDIR/state.newer" >"$state"
fake_iw -s "$state"
expect_exit 0 5
check_log "warns that the state file is corrupt" "$IW_LOG" "warning"

# zero length
FAULT_NAME="state-power-cut-empty"
: >"$state"
fake_iw -s "$state"
expect_exit 0 5
result "0 each time"
done_testing
