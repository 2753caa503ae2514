#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""memgrep.py PID FILE: exit 0 if the first line of FILE (a secret) is
found in the writable memory of process PID, 1 if not, 2 if the memory
could not be read.  Needs the right to ptrace PID (root, in the tests)."""

import sys


def main():
    pid, path = sys.argv[1], sys.argv[2]
    with open(path, 'rb') as f:
        secret = f.read().split(b'\n')[0]
    if not secret:
        return 2
    seen = 0
    try:
        with open('/proc/%s/maps' % pid) as maps, \
                open('/proc/%s/mem' % pid, 'rb', 0) as mem:
            for line in maps:
                addr, perms = line.split()[:2]
                if 'w' not in perms:
                    continue
                lo, hi = (int(x, 16) for x in addr.split('-'))
                try:
                    mem.seek(lo)
                    data = mem.read(hi - lo)
                except OSError:
                    continue
                seen += 1
                if secret in data:
                    return 0
    except OSError as e:
        print('memgrep: %s' % e, file=sys.stderr)
        return 2
    return 1 if seen else 2


if __name__ == '__main__':
    sys.exit(main())
