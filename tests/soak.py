#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""soak.py: the driver of make soak, started by tests/soak.sh.

The server runs already (tests/soak.sh); this sets up one runit service
per account (scripts/runit, an account.conf each, run by imapwait-service
and imapwait-loop), a relay between the accounts and the server
(tests/soakrelay.py), a getmail6 hook per account, and then for
SOAK_SECONDS delivers mail and injects faults on the schedule that
SOAK_SEED fixes.  After a quiet drain it checks that every delivered
message is in its account's local Maildir exactly once (by Message-ID),
and prints and writes the report.  Every process it starts is stopped by
its PID at the end, whatever happens; it is a child subreaper, so that
anything orphaned in its tree (a hook that outlived its loop) is seen,
counted and stopped too.  See tests/README-soak.md.
"""

import ctypes
import datetime
import json
import os
import platform
import pwd
import random
import shutil
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import time

ENV = os.environ
TOP = ENV["SOAK_TOP"]
RUN = ENV["SOAK_RUN"]
DV = ENV["SOAK_DOVECOT"]
BASE = int(ENV["SOAK_PORTBASE"])
N = int(ENV["SOAK_ACCOUNTS"])
PASSFILE = ENV["SOAK_PASS"]
SECONDS = int(ENV.get("SOAK_SECONDS") or 600)
SEED = int(ENV.get("SOAK_SEED") or int(time.time()) % 100000)
GAP = float(ENV.get("SOAK_GAP") or 2)
TIMEOUT = int(ENV.get("SOAK_TIMEOUT") or 60)
DRAIN = int(ENV.get("SOAK_DRAIN") or 3 * TIMEOUT)
RESULTS = ENV.get("SOAK_RESULTS") or ""

CA = os.path.join(DV, "ca.pem")
PASS = open(PASSFILE).read().strip()
IMAPWAIT = os.path.join(RUN, "imapwait")
SVDIR = os.path.join(RUN, "service")
LMTP = os.path.join(DV, "run", "lmtp")
ACCOUNTS = ["s%03d" % i for i in range(1, N + 1)]
PASSCOPY = os.path.join(RUN, "pass")
RUNAS = ENV.get("SOAK_RUNAS") or "nobody"
# getmail6 as Debian ships it, or with its fork race closed (see
# tests/soakgetmail.py); the system's python3, where getmailcore lives
if ENV.get("SOAK_GETMAIL") == "plain":
    GETMAIL = "getmail"
else:
    GETMAIL = "/usr/bin/python3 " + os.path.join(TOP, "tests", "soakgetmail.py")
RUNAS_UID, RUNAS_GID = pwd.getpwnam(RUNAS)[2:4]
# getmail under flock(1), as scripts/README's recipe has it: one at a time
# per account, even when a hook outlives a loop killed by SIGKILL and the
# next one starts; SOAK_HOOKLOCK=0 runs it bare
HOOKLOCK = ENV.get("SOAK_HOOKLOCK", "1") not in ("", "0")

# How a fault period is drawn around a fault: from its start to its end,
# plus what the design gives the chain to recover (seconds).  A cut is
# noticed at imapwait's -t deadline, a connection made during it at the
# -w deadline of the step it hangs in; a Dovecot restart leaves every loop
# in its back-off (1, 2, 4 ... s); a failed hook is retried after the
# loop's pause.
EXTRA = ENV.get("SOAK_OPTS", "")
W = 30
if "-w" in EXTRA.split():
    W = int(EXTRA.split()[EXTRA.split().index("-w") + 1])
RECOVER = {"dovecot": 20, "cut": TIMEOUT + W + 10, "restart": 5, "kill": 5,
           "hookfail": 10}
TICK = 0.02

t0 = time.time()
log_f = open(os.path.join(RUN, "soak.log"), "a")


def say(msg):
    line = "soak: [%6.1f] %s" % (time.time() - t0, msg)
    print(line, file=sys.stderr, flush=True)
    log_f.write(line + "\n")
    log_f.flush()


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=kw.pop("timeout", 60), **kw)


# ------------------------------------------------------------- processes

libc = ctypes.CDLL(None, use_errno=True)
PR_SET_CHILD_SUBREAPER = 36
libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
MYPID = os.getpid()
started = {}            # pid -> what, for processes started here
exited = {}             # pid -> status, reaped here


def reap():
    while True:
        try:
            pid, st = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        exited[pid] = st


def proc_stat(pid):
    """(comm, state, ppid, utime+stime ticks) or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    r = s.rindex(")")
    comm = s[s.index("(") + 1:r]
    f = s[r + 2:].split()
    return comm, f[0], int(f[1]), int(f[11]) + int(f[12])


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def descendants(root=MYPID):
    """Every live process below root: {pid: (comm, ppid)}."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = proc_stat(int(d))
            if st and st[1] != "Z":
                kids.setdefault(st[2], []).append((int(d), st[0]))
    out, todo = {}, [root]
    while todo:
        p = todo.pop()
        for c, comm in kids.get(p, ()):
            if c not in out:
                out[c] = (comm, p)
                todo.append(c)
    return out


def alive(pid):
    st = proc_stat(pid)
    return st is not None and st[1] != "Z"


def stop_pid(pid, grace=5.0):
    """TERM, then KILL after grace seconds; only for our own PIDs."""
    if not alive(pid):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    end = time.time() + grace
    while time.time() < end and alive(pid):
        reap()
        time.sleep(0.05)
    if alive(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    reap()


def private_kb(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            kb = 0
            for l in f:
                if l.startswith(("Private_Clean:", "Private_Dirty:")):
                    kb += int(l.split()[1])
            return kb
    except OSError:
        return None


# --------------------------------------------------------------- cgroups

class CpuGroups:
    """Two CPU accounting groups, "loop" (runsvdir and everything under it:
    runsv, svlogd, imapwait-loop, imapwait) and "hook" (each hook moves
    itself there: sh and getmail).  cgroup v1 cpuacct, or v2; without
    either the CPU figures are n/a."""

    def __init__(self):
        self.base = None
        self.v2 = False
        own = {}
        with open("/proc/self/cgroup") as f:
            for l in f:
                h, ctl, path = l.rstrip("\n").split(":", 2)
                for c in ctl.split(","):
                    own[c] = path
                if h == "0":
                    own["2"] = path
        for top, key, v2 in (("/sys/fs/cgroup/cpuacct", "cpuacct", False),
                             ("/sys/fs/cgroup", "2", True),
                             ("/sys/fs/cgroup/unified", "2", True)):
            if key not in own:
                continue
            if v2 and not os.path.exists(os.path.join(top, "cgroup.controllers")) \
                    and not os.path.exists(os.path.join(top, "cgroup.procs")):
                continue
            if not v2 and not os.path.exists(os.path.join(top, "cpuacct.usage")):
                continue
            base = os.path.join(top + own[key], "imapwait-soak-%d" % MYPID)
            try:
                for g in ("", "loop", "hook"):
                    os.makedirs(os.path.join(base, g), exist_ok=True)
                self.base, self.v2 = base, v2
                break
            except OSError:
                shutil.rmtree(base, ignore_errors=True)

    def procs(self, g):
        return os.path.join(self.base, g, "cgroup.procs") if self.base else ""

    def seconds(self, g):
        if not self.base:
            return None
        try:
            if self.v2:
                with open(os.path.join(self.base, g, "cpu.stat")) as f:
                    for l in f:
                        if l.startswith("usage_usec"):
                            return int(l.split()[1]) / 1e6
                return None
            with open(os.path.join(self.base, g, "cpuacct.usage")) as f:
                return int(f.read()) / 1e9
        except OSError:
            return None

    def remove(self):
        if not self.base:
            return
        for g in ("loop", "hook", ""):
            try:
                os.rmdir(os.path.join(self.base, g))
            except OSError:
                pass


# ---------------------------------------------------------------- setup

def relay_port(i, kind):
    return BASE + 2 + 2 * i + (1 if kind == "gm" else 0)


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def setup(cg):
    # getmail refuses to deliver as root: the services run as RUNAS, as a
    # system-wide runit setup for a user would
    for d in ("service", "getmail", "local", "state", "hookpid", "fail"):
        os.makedirs(os.path.join(RUN, d), exist_ok=True)
    for d in ("getmail", "local", "state", "hookpid"):
        os.chown(os.path.join(RUN, d), RUNAS_UID, RUNAS_GID)
    write(os.path.join(RUN, "hooks.log"), "", 0o644)
    os.chown(os.path.join(RUN, "hooks.log"), RUNAS_UID, RUNAS_GID)
    write(PASSCOPY, PASS + "\n", 0o600)
    os.chown(PASSCOPY, RUNAS_UID, RUNAS_GID)
    if cg.base:
        for f in ("cgroup.procs", "tasks"):
            p = os.path.join(cg.base, "hook", f)
            if os.path.exists(p):
                os.chown(p, RUNAS_UID, RUNAS_GID)
    hook = os.path.join(RUN, "hook.sh")
    write(hook, """#!/bin/sh
# the soak's hook for account $1: getmail6 once, as a user would run it
a=$1
d=%(run)s
[ -z "%(cg)s" ] || echo $$ >"%(cg)s" 2>/dev/null
echo $$ >"$d/hookpid/$a"
echo "start $a $(date +%%s%%N) $$" >>"$d/hooks.log"
%(lock)s%(getmail)s --quiet --rcfile "$d/getmail/$a/getmailrc" --getmaildir "$d/getmail/$a"
st=$?
if [ "$st" -eq 0 ] && [ -e "$d/fail/$a" ]; then
	echo "hook: a later step of the hook fails (soak fault)" >&2
	st=1
fi
echo "end $a $(date +%%s%%N) $$ $st" >>"$d/hooks.log"
rm -f "$d/hookpid/$a"
exit "$st"
""" % {"run": RUN, "cg": cg.procs("hook"), "getmail": GETMAIL,
       "lock": 'flock "$d/getmail/$a/lock" ' if HOOKLOCK else ""}, 0o755)
    # the login's key in an account file: LOGIN, where the service
    # knows it, else the older USER
    with open(os.path.join(TOP, "scripts", "imapwait-service")) as f:
        login_key = "LOGIN" if "LOGIN" in f.read() else "USER"
    for i, a in enumerate(ACCOUNTS):
        g = os.path.join(RUN, "getmail", a)
        md = os.path.join(RUN, "local", a, "Maildir")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(md, sub), exist_ok=True)
        os.makedirs(g, exist_ok=True)
        rc = os.path.join(g, "getmailrc")
        write(rc, """[retriever]
type = SimpleIMAPSSLRetriever
server = localhost
port = %d
username = %s
password = %s
ca_certs = %s
mailboxes = ("INBOX",)
timeout = 20

[destination]
type = Maildir
path = %s/

[options]
read_all = false
delete = false
verbose = 0
""" % (relay_port(i, "gm"), a, PASS, CA, md), 0o600)
        for p in (g, rc, os.path.join(RUN, "local", a), md) + tuple(
                os.path.join(md, x) for x in ("cur", "new", "tmp")):
            os.chown(p, RUNAS_UID, RUNAS_GID)
        sv = os.path.join(RUN, "service", a)
        shutil.copytree(os.path.join(TOP, "scripts", "runit"), sv)
        write(os.path.join(sv, "account.conf"), """HOST=localhost
%s=%s
PASSFILE=%s
HOOK='sh %s %s'
OPTS='-C %s -p %d -t %d%s'
STATE=%s/state/%s
RUNAS=%s
""" % (login_key, a, PASSCOPY, hook, a, CA, relay_port(i, "iw"), TIMEOUT,
       " " + EXTRA if EXTRA else "", RUN, a, RUNAS))


def start_relay():
    ctl = os.path.join(RUN, "relay.sock")
    specs = []
    for i, a in enumerate(ACCOUNTS):
        specs += ["%s.iw:%d" % (a, relay_port(i, "iw")),
                  "%s.gm:%d" % (a, relay_port(i, "gm"))]
    p = subprocess.Popen([sys.executable, os.path.join(TOP, "tests", "soakrelay.py"),
                          ctl, str(BASE)] + specs, stdout=subprocess.PIPE,
                         stderr=open(os.path.join(RUN, "relay.log"), "w"),
                         stdin=subprocess.DEVNULL, start_new_session=True)
    started[p.pid] = "relay"
    line = p.stdout.readline()
    if line.strip() != b"ready":
        raise SystemExit("soak: the relay did not start (see %s/relay.log)" % RUN)
    return p.pid, ctl


def relay(ctl, *words):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(ctl)
    s.sendall((" ".join(words) + "\n").encode())
    r = s.recv(256).decode().strip()
    s.close()
    if not r.startswith("ok"):
        say("relay %s: %s" % (" ".join(words), r))
    return r


def start_runsvdir(cg):
    env = dict(ENV, PATH=os.path.join(TOP, "scripts") + ":" + ENV["PATH"],
               IMAPWAIT=IMAPWAIT)
    env.pop("SOAK_RESULTS", None)
    # into the loop group first, so that everything below it is counted
    cmd = ["sh", "-c", '[ -z "$1" ] || echo $$ >"$1"; exec runsvdir -P "$2"',
           "sh", cg.procs("loop"), SVDIR]
    p = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                         stdout=open(os.path.join(RUN, "runsvdir.log"), "w"),
                         stderr=subprocess.STDOUT, start_new_session=True)
    started[p.pid] = "runsvdir"
    return p.pid


def sv(*args, timeout=60):
    return run(["sv"] + list(args), timeout=timeout)


def loop_pid(a):
    try:
        with open(os.path.join(SVDIR, a, "supervise", "pid")) as f:
            s = f.read().strip()
        return int(s) if s else None
    except (OSError, ValueError):
        return None


def hook_running(a):
    try:
        with open(os.path.join(RUN, "hookpid", a)) as f:
            pid = int(f.read().strip() or 0)
    except (OSError, ValueError):
        return None
    return pid if pid and alive(pid) else None


# -------------------------------------------------------------- delivery

class Mail:
    seq = 0
    pending = []        # LMTP messages waiting for the server (an MTA's queue)
    delivered = {}      # msgid -> (account, method, t_delivered)
    lmtp_retries = 0
    refused = 0

    @classmethod
    def make(cls, a, method):
        cls.seq += 1
        mid = "<%d.%d.soak@imapwait.test>" % (SEED, cls.seq)
        body = "".join("line %d of message %d for %s\n" % (k, cls.seq, a)
                       for k in range(1 + cls.seq % 40))
        text = ("From: Soak <soak@imapwait.test>\nTo: %s@localhost\n"
                "Subject: soak %d (%s)\nDate: %s\nMessage-ID: %s\n\n%s"
                % (a, cls.seq, method, time.strftime("%a, %d %b %Y %H:%M:%S +0000",
                                                     time.gmtime()), mid, body))
        return mid, text

    @classmethod
    def rename(cls, a, count):
        md = os.path.join(DV, "home", a, "Maildir")
        uid = 22000 + ACCOUNTS.index(a) + 1
        gid = os.stat(md).st_gid
        for _ in range(count):
            mid, text = cls.make(a, "rename")
            name = "%d.M%dP%dQ%d.soak" % (time.time(), time.time_ns() % 10**6,
                                          MYPID, cls.seq)
            tmp = os.path.join(md, "tmp", name)
            with open(tmp, "w") as f:
                f.write(text)
            os.chown(tmp, uid, gid)
            os.rename(tmp, os.path.join(md, "new", name))
            cls.delivered[mid] = (a, "rename", time.time())

    @classmethod
    def lmtp(cls, a, count):
        for _ in range(count):
            mid, text = cls.make(a, "lmtp")
            cls.pending.append((a, mid, text))
        cls.flush()

    @classmethod
    def flush(cls):
        if not cls.pending:
            return
        try:
            c = smtplib.LMTP(LMTP, timeout=5)
        except OSError:
            return
        try:
            c.ehlo_or_helo_if_needed()
            while cls.pending:
                a, mid, text = cls.pending[0]
                try:
                    c.sendmail("soak@imapwait.test", [a + "@localhost"],
                               text.replace("\n", "\r\n").encode())
                except smtplib.SMTPRecipientsRefused as e:
                    code = list(e.recipients.values())[0][0]
                    if code >= 500:
                        # never delivered: not counted, but said
                        say("LMTP refused %s for %s: %s" % (mid, a, e.recipients))
                        cls.refused += 1
                        cls.pending.pop(0)
                        continue
                    cls.lmtp_retries += 1
                    break
                cls.delivered[mid] = (a, "lmtp", time.time())
                cls.pending.pop(0)
        except (OSError, smtplib.SMTPException):
            cls.lmtp_retries += 1
        finally:
            try:
                c.quit()
            except (OSError, smtplib.SMTPException):
                pass


class Local:
    """What getmail put in the local Maildirs, by Message-ID."""
    seen = {}           # path -> (msgid, t_fetched)
    last_new = 0.0

    @classmethod
    def scan(cls):
        for a in ACCOUNTS:
            md = os.path.join(RUN, "local", a, "Maildir")
            for sub in ("new", "cur"):
                d = os.path.join(md, sub)
                for name in os.listdir(d):
                    p = os.path.join(d, name)
                    if p in cls.seen:
                        continue
                    try:
                        st = os.stat(p)
                        mid = None
                        with open(p, errors="replace") as f:
                            for l in f:
                                if l in ("\n", "\r\n"):
                                    break
                                if l.lower().startswith("message-id:"):
                                    mid = l.split(":", 1)[1].strip()
                    except OSError:
                        continue
                    cls.seen[p] = (a, mid, st.st_ctime_ns / 1e9)
                    cls.last_new = time.time()

    @classmethod
    def by_msgid(cls):
        out = {}
        for p, (a, mid, t) in cls.seen.items():
            out.setdefault(mid, []).append((a, t, p))
        return out


# -------------------------------------------------------------- schedule

KINDS = ["dovecot", "cut", "restart-hook", "kill-hook", "restart", "kill",
         "hookfail-refuse", "hookfail-after"]


def schedule(rng):
    """Deliveries and faults, fixed by the seed."""
    ev = []
    t = 3.0
    while True:
        t += rng.expovariate(1 / GAP)
        if t >= SECONDS:
            break
        a = rng.choice(ACCOUNTS)
        n = 1 if rng.random() < 0.75 else rng.randint(2, 15)
        ev.append((t, "deliver", a, n, rng.choice(["rename", "lmtp"])))
    # every kind once per 5 minutes or so, at least once each, in slots
    # spread over the run (none in the first 5 s or the last 10 s)
    k = max(1, round(SECONDS / 300))
    kinds = [x for x in KINDS for _ in range(k)]
    kinds += ["dovecot"] * max(0, round(SECONDS / 200) - k)
    kinds += ["cut"] * max(0, round(SECONDS / 100) - k)
    rng.shuffle(kinds)
    lo, hi = 5.0, SECONDS - 10.0
    dmax = max(8.0, min(45.0, SECONDS / 12))
    slot = (hi - lo) / len(kinds)
    for j, kind in enumerate(kinds):
        t = lo + slot * (j + rng.uniform(0.05, 0.35))
        if kind == "dovecot":
            dur = rng.uniform(3, min(12, dmax))
        elif kind == "cut":
            dur = rng.uniform(5, dmax)
        else:
            dur = rng.uniform(5, dmax * 0.7)
        dur = max(2.0, min(dur, SECONDS - 5 - t))
        if kind == "cut":
            targets = rng.sample(ACCOUNTS, min(len(ACCOUNTS), rng.randint(1, 3)))
        else:
            targets = [rng.choice(ACCOUNTS)]
        ev.append((t, kind, targets, round(dur, 1), round(rng.uniform(0.02, 0.15), 2)))
    ev.sort(key=lambda e: e[0])
    return ev


# ------------------------------------------------------------ the run

class Soak:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.events = schedule(self.rng)
        self.faults = []        # dicts: kind, accounts, start, end
        self.killed_trees = set()   # pids under loops killed by SIGKILL
        self.mem = {"imapwait": [], "loop": [], "tee": []}  # per sample: list of KB
        self.mem_first = {}
        self.mem_peak = {}     # kind -> (KB, pid, account, time, its last log line)
        self.t0 = time.time()
        self.mem_last = {}
        self.cg = CpuGroups()
        self.relay_pid = None
        self.runsvdir_pid = None
        self.ctl = None
        self.stopped = False
        self.hook_uncaught = 0     # meant to hit a hook at work, missed it
        self.hook_hit = 0          # restarts and kills that hit a hook at work
        self.orphans = []
        self.orphans_killed9 = []
        self.leftover = []

    # --- faults

    def fault(self, kind, accounts, start, end=None):
        f = {"kind": kind, "accounts": accounts, "start": start, "end": end}
        self.faults.append(f)
        return f

    def wait_hook(self, a, limit=20.0):
        """Deliver a burst to a (a fetch long enough to be caught at
        work) and return once its hook runs."""
        Mail.rename(a, 10)
        end = time.time() + limit
        while time.time() < end:
            if hook_running(a):
                return True
            self.tick()
        return False

    def do(self, e):
        t, kind = e[0], e[1]
        if kind == "deliver":
            _, _, a, n, how = e
            (Mail.rename if how == "rename" else Mail.lmtp)(a, n)
            return
        _, kind, targets, dur, delay = e
        a = targets[0]
        now = time.time()
        if kind == "dovecot":
            say("fault: Dovecot stopped for %.1f s" % dur)
            f = self.fault("dovecot", list(ACCOUNTS), now)
            # in the background: the master waits for its children, and
            # mail goes on arriving meanwhile
            p = subprocess.Popen(["sh", os.path.join(TOP, "tests", "dovecot.sh"), "stop", DV],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            self.later(dur, self.dovecot_start, f, p)
        elif kind == "cut":
            say("fault: network of %s cut silently for %.1f s" % (" ".join(targets), dur))
            f = self.fault("cut", targets, now)
            for x in targets:
                relay(self.ctl, "cut", x)
            self.later(dur, self.restore, f)
        elif kind in ("restart", "restart-hook", "kill", "kill-hook"):
            during = kind.endswith("-hook")
            if during:
                self.wait_hook(a)
                self.sleep(delay)
            running = hook_running(a) is not None
            if during and not running:
                self.hook_uncaught += 1
            if running:
                self.hook_hit += 1
            what = "while its hook runs" if running else (
                "(its hook did not run then)" if during else "while it waits")
            if kind.startswith("restart"):
                say("fault: sv restart %s %s" % (a, what))
                self.fault("restart", [a], time.time(), time.time())
                sv("restart", os.path.join(SVDIR, a))
            else:
                pid = loop_pid(a)
                say("fault: kill -9 of %s's loop (pid %s) %s" % (a, pid, what))
                self.fault("kill", [a], time.time(), time.time())
                if pid:
                    self.killed_trees |= set(descendants(pid)) | {pid}
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        elif kind.startswith("hookfail"):
            how = kind.split("-")[1]
            say("fault: %s's hook fails for %.1f s (%s)" % (
                a, dur, "getmail's connection refused" if how == "refuse"
                else "a step after getmail fails"))
            f = self.fault("hookfail", [a], now)
            if how == "refuse":
                relay(self.ctl, "refuse", a)
            else:
                open(os.path.join(RUN, "fail", a), "w").close()
            # the wake that the failing hook must retry
            Mail.rename(a, 1)
            self.later(dur, self.hook_ok, f, how)

    pending_calls = []

    def later(self, dt, fn, *args):
        self.pending_calls.append((time.time() + dt, fn, args))

    def dovecot_start(self, f, stopping):
        if stopping.poll() is None:
            self.later(0.1, self.dovecot_start, f, stopping)
            return
        # the daemon keeps no pipe of ours open
        p = subprocess.Popen(["dovecot", "-c", os.path.join(DV, "dovecot.conf")],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=open(os.path.join(RUN, "dovecot-restart.log"), "a"))
        self.later(0.1, self.dovecot_up, f, p, time.time() + 30)

    def dovecot_up(self, f, starting, deadline):
        if starting.poll() is None or not (os.path.exists(LMTP) and socket_open(BASE)):
            if time.time() < deadline:
                self.later(0.1, self.dovecot_up, f, starting, deadline)
                return
            say("Dovecot did not start again within 30 s (see %s/dovecot-restart.log)" % RUN)
        f["end"] = time.time()
        say("Dovecot started again")

    def restore(self, f):
        for x in f["accounts"]:
            relay(self.ctl, "restore", x)
        f["end"] = time.time()
        say("network of %s restored" % " ".join(f["accounts"]))

    def hook_ok(self, f, how):
        a = f["accounts"][0]
        if how == "refuse":
            relay(self.ctl, "accept", a)
        else:
            try:
                os.unlink(os.path.join(RUN, "fail", a))
            except FileNotFoundError:
                pass
        f["end"] = time.time()
        say("%s's hook works again" % a)

    # --- the clock

    last_mem = 0.0
    last_scan = 0.0
    last_flush = 0.0

    def tick(self):
        now = time.time()
        for c in [c for c in self.pending_calls if c[0] <= now]:
            self.pending_calls.remove(c)
            c[1](*c[2])
        if Mail.pending and now - self.last_flush >= 1.0:
            self.last_flush = now
            Mail.flush()
        if now - self.last_scan >= 1.0:
            self.last_scan = now
            Local.scan()
        if now - self.last_mem >= 5.0:
            self.last_mem = now
            self.sample_mem()
        reap()
        time.sleep(TICK)

    def sleep(self, dt):
        end = time.time() + dt
        while time.time() < end:
            self.tick()

    def sample_mem(self):
        s = {"imapwait": [], "loop": [], "tee": []}
        for pid, (comm, _) in descendants().items():
            args = cmdline(pid).split()
            if comm == "imapwait":
                k = "imapwait"
            elif any(os.path.basename(x) == "imapwait-loop" for x in args[:3]):
                k = "loop"
            elif comm == "tee" and "imapwait-loop." in " ".join(args):
                k = "tee"       # the loop's relay of imapwait's lines
            else:
                continue
            kb = private_kb(pid)
            if kb is None:
                continue
            s[k].append(kb)
            self.mem_first.setdefault((k, pid), kb)
            self.mem_last[(k, pid)] = kb
            if kb > self.mem_peak.get(k, (0,))[0]:
                cl = cmdline(pid).split()
                a = cl[cl.index("-u") + 1] if "-u" in cl[:-1] else "?"
                self.mem_peak[k] = (kb, pid, a, round(time.time() - self.t0, 1),
                                    last_log_line(a))
        for k in s:
            self.mem[k].append(s[k])

    # --- start, run, drain, stop

    def start(self):
        setup(self.cg)
        self.relay_pid, self.ctl = start_relay()
        self.runsvdir_pid = start_runsvdir(self.cg)
        say("%d accounts, runsvdir pid %d, relay pid %d, Dovecot on 127.0.0.1:%d"
            % (N, self.runsvdir_pid, self.relay_pid, BASE))
        # every service up and through its first (boot) hook run
        end = time.time() + 60 + N
        while time.time() < end:
            if all(os.path.exists(os.path.join(SVDIR, a, "supervise", "ok"))
                   for a in ACCOUNTS) and self.boots() >= N and \
                    not any(hook_running(a) for a in ACCOUNTS):
                break
            self.sleep(0.2)
        else:
            say("not every service started and ran its first hook (%d of %d)"
                % (self.boots(), N))
        self.boot_runs = self.hook_records()[0]
        self.cpu0 = {g: self.cg.seconds(g) for g in ("loop", "hook")}
        self.t_start = time.time()

    def boots(self):
        return len({a for a, _, _ in self.hook_records()[1]})

    def hook_records(self):
        """(number of hook starts, [(account, t, kind)], failures)"""
        starts, recs, fails = 0, [], 0
        try:
            with open(os.path.join(RUN, "hooks.log")) as f:
                for l in f:
                    w = l.split()
                    if len(w) >= 4 and w[0] == "start":
                        starts += 1
                        recs.append((w[1], int(w[2]) / 1e9, "start"))
                    elif len(w) >= 5 and w[0] == "end" and w[4] != "0":
                        fails += 1
        except OSError:
            pass
        return starts, recs, fails

    def run(self):
        i = 0
        say("seed %d: %d deliveries and %d faults over %d s"
            % (SEED, sum(1 for e in self.events if e[1] == "deliver"),
               sum(1 for e in self.events if e[1] != "deliver"), SECONDS))
        with open(os.path.join(RUN, "schedule.json"), "w") as f:
            json.dump(self.events, f, indent=0)
        while i < len(self.events):
            e = self.events[i]
            if time.time() - self.t_start >= e[0]:
                self.do(e)
                i += 1
            else:
                self.tick()
        # faults still open end now (they were drawn to end before this)
        end = time.time() + 120
        while self.pending_calls and time.time() < end:
            self.pending_calls.sort(key=lambda c: c[0])
            if self.pending_calls[0][0] > time.time():
                self.pending_calls[0] = (time.time(),) + self.pending_calls[0][1:]
            self.tick()
        self.t_end = time.time()
        self.cpu1 = {g: self.cg.seconds(g) for g in ("loop", "hook")}

    def drain(self):
        say("drain: up to %d s, until every delivered message is fetched and "
            "no hook runs" % DRAIN)
        end = time.time() + DRAIN
        t_last_fault = max([f["end"] or 0 for f in self.faults] + [self.t_end])
        while time.time() < end:
            self.tick()
            if Mail.pending:
                continue
            Local.scan()
            got = Local.by_msgid()
            if all(m in got for m in Mail.delivered) and \
                    not any(hook_running(a) for a in ACCOUNTS) and \
                    time.time() - Local.last_new >= 5 and \
                    time.time() - t_last_fault >= 5:
                break
        self.t_drained = time.time()
        self.sample_mem()
        Local.scan()

    def down(self):
        """sv down everything; then what is left in the tree is an orphan."""
        if self.stopped or not self.runsvdir_pid:
            return
        self.stopped = True
        dirs = [os.path.join(SVDIR, a) for a in ACCOUNTS]
        sv("-w", "20", "down", *dirs, timeout=120)
        time.sleep(0.5)
        reap()
        for pid, (comm, ppid) in descendants().items():
            cl = cmdline(pid)
            if comm == "imapwait" or "getmail" in cl or "hook.sh" in cl or \
                    "imapwait-loop" in cl:
                (self.orphans_killed9 if pid in self.killed_trees
                 else self.orphans).append("%d %s" % (pid, cl[:120]))

    def stop(self):
        """Stop everything started here, by PID."""
        try:
            self.down()
        except Exception as e:
            say("sv down: %s" % e)
        if self.runsvdir_pid:
            dirs = [os.path.join(SVDIR, a) for a in ACCOUNTS]
            try:
                sv("exit", *dirs, timeout=60)
                sv("exit", *[os.path.join(d, "log") for d in dirs], timeout=60)
            except Exception as e:
                say("sv exit: %s" % e)
            stop_pid(self.runsvdir_pid)
        if self.relay_pid:
            stop_pid(self.relay_pid)
        # whatever is left below us (orphans, a Dovecot we restarted is not
        # ours to keep: tests/soak.sh stops it by its pid file)
        for pid, (comm, _) in descendants().items():
            if comm.startswith("dovecot") or comm in ("imap", "imap-login", "auth",
                                                      "config", "log", "anvil", "lmtp",
                                                      "stats"):
                continue
            self.leftover.append("%d %s" % (pid, cmdline(pid)[:120]))
            stop_pid(pid, 2)
        reap()
        self.cg.remove()


def socket_open(port):
    s = socket.socket()
    s.settimeout(0.5)
    try:
        s.connect(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


# --------------------------------------------------------------- report

def pct(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(p / 100 * len(xs) + 0.5)) - 1))]


def summary(xs):
    return {"n": len(xs), "median": pct(xs, 50) if xs else None,
            "p99": pct(xs, 99), "max": max(xs) if xs else None}


def last_log_line(a):
    try:
        with open(os.path.join(SVDIR, a, "log", "main", "current"), "rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - 400))
            return f.read().decode(errors="replace").rstrip("\n").split("\n")[-1][:200]
    except OSError:
        return ""


def svlog_times(a, text):
    """Times of svlogd -tt lines of account a that contain text."""
    out = []
    p = os.path.join(SVDIR, a, "log", "main", "current")
    try:
        with open(p, errors="replace") as f:
            for l in f:
                if text in l:
                    ts = l.split(" ", 1)[0]
                    try:
                        dt = datetime.datetime.strptime(ts[:26], "%Y-%m-%d_%H:%M:%S.%f")
                    except ValueError:
                        continue
                    out.append(dt.replace(tzinfo=datetime.timezone.utc).timestamp())
    except OSError:
        pass
    return sorted(out)


def machine():
    m = {}
    try:
        with open("/proc/cpuinfo") as f:
            for l in f:
                if l.startswith("model name"):
                    m["cpu"] = l.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    m["cores"] = os.cpu_count()
    m["kernel"] = platform.release()
    try:
        with open("/etc/os-release") as f:
            for l in f:
                if l.startswith("PRETTY_NAME="):
                    m["os"] = l.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    with open("/proc/loadavg") as f:
        m["loadavg_end"] = " ".join(f.read().split()[:3])

    def first(cmd):
        try:
            return run(cmd).stdout.strip().splitlines()[0]
        except Exception:
            return None
    m["imapwait"] = first([IMAPWAIT, "-V"])
    m["commit"] = first(["git", "-C", TOP, "log", "-1", "--format=%h %cI %s"])
    m["dovecot"] = first(["dovecot", "--version"])
    m["getmail"] = first(["getmail", "--version"])
    m["runit"] = first(["dpkg-query", "-W", "-f", "${Version}", "runit"])
    m["mbedtls"] = first(["dpkg-query", "-W", "-f", "${Version}", "libmbedtls-dev"])
    m["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return m


def report(s):
    got = Local.by_msgid()
    lost = [m for m in Mail.delivered if m not in got]
    dups = {m: len(v) for m, v in got.items() if m in Mail.delivered and len(v) > 1}
    wrong = [m for m, v in got.items() if m in Mail.delivered and
             any(x[0] != Mail.delivered[m][0] for x in v)]
    unknown = [m for m in got if m not in Mail.delivered]
    fetched = sum(1 for m in Mail.delivered if m in got)
    duplicated = sum(n - 1 for n in dups.values())

    # hook starts and "new mail" lines per account, for the split
    starts = {}
    for a, t, _ in s.hook_records()[1]:
        starts.setdefault(a, []).append(t)
    exists = {a: svlog_times(a, ": new mail (") for a in ACCOUNTS}
    lat = {"quiet": [], "fault": []}
    to_hook = {"quiet": [], "fault": []}
    to_exists = []
    per_msg = []
    for m, (a, how, td) in Mail.delivered.items():
        if m not in got:
            continue
        tf = min(x[1] for x in got[m])
        d = max(0.0, tf - td)
        inf = any(a in f["accounts"] and f["start"] - 1 <= tf and
                  td <= (f["end"] or s.t_end) + RECOVER[f["kind"]]
                  for f in s.faults)
        k = "fault" if inf else "quiet"
        lat[k].append(d)
        per_msg.append((m, a, how, round(td - s.t_start, 3), round(d, 3), k))
        h = [t for t in starts.get(a, []) if td <= t <= tf]
        if h:
            to_hook[k].append(h[0] - td)
        if k == "quiet":
            x = [t for t in exists[a] if td <= t <= tf]
            if x:
                to_exists.append(x[0] - td)

    with open(os.path.join(RUN, "messages.tsv"), "w") as f:
        f.write("message-id\taccount\thow\tdelivered_s\tto_fetched_s\tperiod\n")
        for x in sorted(per_msg, key=lambda x: -x[4]):
            f.write("%s\t%s\t%s\t%s\t%s\t%s\n" % x)
    runs, _, fails = s.hook_records()
    races = sum(len(svlog_times(a, "waiting child pid")) for a in ACCOUNTS)
    run_hooks = runs - s.boot_runs
    hours = (s.t_end - s.t_start) / 3600
    cpu = {}
    for g in ("loop", "hook"):
        a, b = s.cpu0.get(g), s.cpu1.get(g)
        cpu[g] = None if a is None or b is None else b - a
    mem = {}
    for k in ("imapwait", "loop", "tee"):
        samples = [x for x in s.mem[k] if x]
        allkb = [kb for x in samples for kb in x]
        final = s.mem[k][-1] if s.mem[k] else []
        growth = [s.mem_last[key] - s.mem_first[key] for key in s.mem_last
                  if key[0] == k]
        mem[k] = {
            "peak_process_KB": max(allkb) if allkb else None,
            "median_process_KB": statistics.median(allkb) if allkb else None,
            "peak_total_KB": max(sum(x) for x in samples) if samples else None,
            "final_processes": len(final),
            "final_total_KB": sum(final),
            "final_median_KB": statistics.median(final) if final else None,
            "max_growth_same_process_KB": max(growth) if growth else None,
            "median_first_sample_KB": statistics.median(samples[0]) if samples else None,
            "median_last_sample_KB": statistics.median(samples[-1]) if samples else None,
            "peak_process": dict(zip(("KB", "pid", "account", "at_s", "last_log_line"),
                                     s.mem_peak.get(k, ()))),
        }

    faults = {}
    for f in s.faults:
        faults[f["kind"]] = faults.get(f["kind"], 0) + 1
    r = {
        "seed": SEED, "seconds": SECONDS, "accounts": N, "gap": GAP,
        "imapwait_t": TIMEOUT, "imapwait_extra_options": EXTRA, "drain_s": round(s.t_drained - s.t_end, 1),
        "retrieval": "getmail6 oldmail bookkeeping, read_all = false, delete = false",
        "delivered": len(Mail.delivered),
        "delivered_by": {h: sum(1 for v in Mail.delivered.values() if v[1] == h)
                         for h in ("rename", "lmtp")},
        "lmtp_retries": Mail.lmtp_retries, "lmtp_refused": Mail.refused,
        "fetched": fetched, "lost": len(lost), "duplicated": duplicated,
        "wrong_account": len(wrong), "unknown": len(unknown),
        "lost_ids": lost[:20], "duplicated_ids": sorted(dups)[:20],
        "faults": faults, "hook_not_caught": s.hook_uncaught,
        "faults_during_hook": s.hook_hit,
        "fault_log": [{"kind": f["kind"], "accounts": f["accounts"],
                       "start_s": round(f["start"] - s.t_start, 1),
                       "end_s": round((f["end"] or s.t_end) - s.t_start, 1)}
                      for f in s.faults],
        "latency_s": {k: summary(v) for k, v in lat.items()},
        "to_hook_start_s": {k: summary(v) for k, v in to_hook.items()},
        "dovecot_exists_s": summary(to_exists),
        "hook_runs": run_hooks, "boot_hook_runs": s.boot_runs,
        "hook_failures": fails,
        "getmail": "as shipped" if GETMAIL == "getmail" else
        "with its two races closed (tests/soakgetmail.py)",
        "getmail_child_wait_timeouts": races,
        "hook_lock": HOOKLOCK,
        "hook_runs_per_message": round(run_hooks / len(Mail.delivered), 3)
        if Mail.delivered else None,
        "memory": mem,
        "cpu_s": cpu,
        "cpu_loop_s_per_account_hour": round(cpu["loop"] / N / hours, 3)
        if cpu["loop"] is not None and hours else None,
        "cpu_hook_s_per_run": round(cpu["hook"] / max(1, run_hooks), 3)
        if cpu["hook"] is not None else None,
        "orphans_after_sv_down": s.orphans,
        "left_by_kill9_after_sv_down": s.orphans_killed9,
        "leftover_stopped": s.leftover,
        "machine": machine(),
    }
    return r


def fmt(x, unit="s"):
    if x is None:
        return "n/a"
    return "%.3f %s" % (x, unit) if unit == "s" else "%s %s" % (x, unit)


def markdown(r):
    L = []
    m = r["machine"]
    L.append("# make soak: %d s, %d accounts, seed %d" % (r["seconds"], r["accounts"], r["seed"]))
    L.append("")
    L.append("%s; %s cores, %s; %s; kernel %s; load average at the end %s."
             % (m.get("date"), m.get("cores"), m.get("cpu"), m.get("os"),
                m.get("kernel"), m.get("loadavg_end")))
    L.append("imapwait %s (%s), Dovecot %s, getmail %s, runit %s, mbedTLS %s."
             % (m.get("imapwait"), m.get("commit"), m.get("dovecot"),
                m.get("getmail"), m.get("runit"), m.get("mbedtls")))
    L.append("Rerun: `SOAK_SEED=%d SOAK_SECONDS=%d SOAK_ACCOUNTS=%d make soak`."
             % (r["seed"], r["seconds"], r["accounts"]))
    L.append("")
    L.append("| | |")
    L.append("| --- | --- |")
    L.append("| delivered (Maildir rename, LMTP) | %d (%d, %d) |" % (
        r["delivered"], r["delivered_by"]["rename"], r["delivered_by"]["lmtp"]))
    L.append("| fetched by getmail6 into the local Maildirs | %d |" % r["fetched"])
    L.append("| lost, duplicated, in the wrong account, unknown | %d, %d, %d, %d |" % (
        r["lost"], r["duplicated"], r["wrong_account"], r["unknown"]))
    L.append("| faults | %s |" % ", ".join("%s %d" % kv for kv in sorted(r["faults"].items())))
    L.append("| restarts and kills that hit a running hook | %d |" % r["faults_during_hook"])
    L.append("| retrieval | %s |" % r["retrieval"])
    L.append("| imapwait -t, drain after the run | %d s, %.1f s |" % (r["imapwait_t"], r["drain_s"]))
    L.append("| hook runs (after the boot runs), per delivered message | %d, %s |" % (
        r["hook_runs"], r["hook_runs_per_message"]))
    L.append("| hook runs that failed | %d |" % r["hook_failures"])
    L.append("| getmail6 | %s%s; \"waiting child pid N timed out\": %d |" % (
        r["getmail"], ", under flock" if r["hook_lock"] else ", without flock (SOAK_HOOKLOCK=0)",
        r["getmail_child_wait_timeouts"]))
    L.append("")
    L.append("Delivery to fetched (the message in the local Maildir), seconds:")
    L.append("")
    L.append("| period | messages | median | p99 | max | delivery to hook start, median | p99 |")
    L.append("| --- | --- | --- | --- | --- | --- | --- |")
    for k in ("quiet", "fault"):
        a, h = r["latency_s"][k], r["to_hook_start_s"][k]
        L.append("| %s | %d | %s | %s | %s | %s | %s |" % (
            k, a["n"], fmt(a["median"]), fmt(a["p99"]), fmt(a["max"]),
            fmt(h["median"]), fmt(h["p99"])))
    d = r["dovecot_exists_s"]
    L.append("")
    L.append("Dovecot's own part, delivery to the EXISTS that imapwait logs "
             "(\"new mail\", svlogd's time stamp), quiet periods: median %s, "
             "p99 %s (%d wakes). It is in every figure above." % (
                 fmt(d["median"]), fmt(d["p99"]), d["n"]))
    L.append("")
    L.append("| processes | peak private, one process | median | peak total | final: processes, total, median | largest growth of one process |")
    L.append("| --- | --- | --- | --- | --- | --- |")
    for k in ("imapwait", "loop", "tee"):
        x = r["memory"][k]
        L.append("| %s | %s KB | %s KB | %s KB | %d, %d KB, %s KB | %s KB |" % (
            k, x["peak_process_KB"], x["median_process_KB"], x["peak_total_KB"],
            x["final_processes"], x["final_total_KB"], x["final_median_KB"],
            x["max_growth_same_process_KB"]))
    for k in ("imapwait", "loop"):
        x = r["memory"][k]
        pk = x.get("peak_process") or {}
        L.append("")
        L.append("%s: median of the first sample %s KB, of the last %s KB; the largest "
                 "(%s KB) was %s's, %s s into the soak, when its log's last line was: `%s`"
                 % (k, x["median_first_sample_KB"], x["median_last_sample_KB"],
                    pk.get("KB"), pk.get("account"), pk.get("at_s"),
                    (pk.get("last_log_line") or "").split(" ", 1)[-1]))
    L.append("")
    L.append("CPU: runsvdir, runsv, svlogd, imapwait-loop and imapwait together "
             "%s s per account per hour (%s s in all); hooks (sh and getmail6) "
             "%s s per run." % (r["cpu_loop_s_per_account_hour"],
                                None if r["cpu_s"]["loop"] is None else round(r["cpu_s"]["loop"], 1),
                                r["cpu_hook_s_per_run"]))
    L.append("")
    L.append("After `sv down` of every service: %d orphaned hook or imapwait "
             "processes; %d left by a loop killed with SIGKILL." % (
                 len(r["orphans_after_sv_down"]), len(r["left_by_kill9_after_sv_down"])))
    for o in r["orphans_after_sv_down"] + r["left_by_kill9_after_sv_down"]:
        L.append("    " + o)
    if r["lost_ids"] or r["duplicated_ids"]:
        L.append("")
        L.append("Lost: %s" % " ".join(r["lost_ids"]))
        L.append("Duplicated: %s" % " ".join(r["duplicated_ids"]))
    L.append("")
    L.append("soak: %d delivered, %d fetched, %d lost, %d duplicated" % (
        r["delivered"], r["fetched"], r["lost"], r["duplicated"]))
    return "\n".join(L) + "\n"


def main():
    s = Soak()
    r = None

    def interrupted(sig, _):
        raise KeyboardInterrupt("signal %d" % sig)
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    try:
        s.start()
        s.run()
        s.drain()
        s.down()
        r = report(s)
    except KeyboardInterrupt as e:
        say("interrupted (%s): stopping everything" % e)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        s.stop()
    if r is None:
        return 130
    r["leftover_stopped"] = s.leftover
    md = markdown(r)
    sys.stdout.write(md)
    with open(os.path.join(RUN, "soak.json"), "w") as f:
        json.dump(r, f, indent=1)
    if RESULTS:
        with open(RESULTS + ".md", "w") as f:
            f.write(md)
        with open(RESULTS + ".json", "w") as f:
            json.dump(r, f, indent=1)
            f.write("\n")
    bad = r["lost"] or r["duplicated"] or r["wrong_account"] or \
        r["orphans_after_sv_down"] or len(Mail.delivered) == 0
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
