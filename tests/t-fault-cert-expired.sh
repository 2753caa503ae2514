#!/bin/sh
# An expired certificate (valid in January 2020) from the right CA for the
# right name: 100, and no credentials sent.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

make_cert expired DNS:localhost ca 20200101000000Z 20200201000000Z
fake normal --cert "$TESTDIR/expired.pem" --key "$TESTDIR/expired.key"
fake_iw
expect_exit 100 5 "certificate verification failed"
check_log "says it expired" "$IW_LOG" "expired"
no_credentials
result "100 \"certificate verification failed\", no LOGIN"
done_testing
