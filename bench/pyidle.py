#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""pyidle: the plain Python IDLE loop a user might write instead of
imapwait, stdlib only (Python 3.11's imaplib has no idle(): IDLE and
DONE go by hand).  For bench.py's watcher comparison:

    pyidle.py host port user passfile cafile hook [args]

Runs hook (without a shell) each time the message count rises.
"""
import imaplib
import ssl
import subprocess
import sys

host, port, user, passfile, cafile, *hook = sys.argv[1:]
with open("/proc/self/comm", "w") as f:     # for perf's comm filter
    f.write("pyidle")
with open(passfile) as f:
    password = f.readline().rstrip("\n")
ctx = ssl.create_default_context(cafile=cafile)
imap = imaplib.IMAP4_SSL(host, int(port), ssl_context=ctx)
imap.login(user, password)
exists = int(imap.select("INBOX", readonly=True)[1][0])
while True:
    tag = imap._new_tag()
    imap.send(tag + b" IDLE\r\n")
    if not imap.readline().startswith(b"+"):
        sys.exit("pyidle: IDLE refused")
    while True:
        words = imap.readline().split()
        if len(words) == 3 and words[2] == b"EXISTS" and \
                int(words[1]) > exists:
            break
    hook_run = subprocess.Popen(hook)       # the hook first, then DONE
    exists = int(words[1])
    imap.send(b"DONE\r\n")
    while not imap.readline().startswith(tag):
        pass
    hook_run.wait()
