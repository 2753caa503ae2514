#!/bin/sh
# SPDX-License-Identifier: ISC
# make fuzz: the response scanner and the new-mail state machine under
# libFuzzer with AddressSanitizer and UndefinedBehaviorSanitizer.
# FUZZ_SECONDS bounds the run (default 60); any finding fails.
set -eu
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
mkdir -p tests/tmp/corpus
clang -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -DVERSION=\"fuzz\" \
	-o tests/fuzz-scan tests/fuzz.c -lmbedtls -lmbedx509 -lmbedcrypto
cp tests/corpus/* tests/tmp/corpus/
./tests/fuzz-scan -max_total_time="$secs" -max_len=16384 \
	-print_final_stats=1 -artifact_prefix=tests/tmp/ tests/tmp/corpus 2>tests/tmp/fuzz.log || {
	tail -n 40 tests/tmp/fuzz.log >&2
	echo "fuzz: a finding, see tests/tmp/fuzz.log" >&2
	exit 1
}
grep -E '^stat::number_of_executed_units' tests/tmp/fuzz.log |
	awk '{ print "fuzz: " $2 " executions in '"$secs"' s, no findings" }'
