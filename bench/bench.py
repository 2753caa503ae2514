#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""bench.py: imapwait's benchmarks, run by bench/run (make bench).

Measures, against the private Dovecot that bench/server.sh started:

  ready      exec to IDLE accepted, untraced; and split into phases with
             perf uprobes on stable symbols (main, mbedTLS, getaddrinfo)
             and syscall tracepoints
  reaction   maildir rename to imapwait's exit; EXISTS arriving (the
             kernel waking imapwait) to its exit, from scheduler and
             syscall tracepoints; exit to the loop's hook
  footprint  smaps_rollup and VmHWM of idling processes; binary sizes
  idle       syscalls, context switches and CPU time over a window
  scale      N processes, one account each: memory, time until all idle,
             CPU while idle, time until one message each woke them all
  alternatives  getmail6 --idle and fetchmail --idle, same server
  watchers   the Dovecot EXISTS to the hook's start, side by side in one
             run: imapwait through scripts/imapwait-loop, imapfilter's
             enter_idle() and a plain Python imaplib IDLE loop
             (bench/pyidle.py); the same hook, a static stamp program

Every wait is bounded; only processes started here are signalled, by
PID.  Results: RESULTS/latest.json and RESULTS/latest.md (also printed).
"""

import atexit
import datetime
import json
import os
import platform
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import threading
import time

ENV = os.environ
TOP = ENV["BENCH_TOP"]
TMP = ENV["BENCH_TMP"]
DOVECOT = ENV["BENCH_DOVECOT"]
PORT = ENV["BENCH_PORT"]
RESULTS = ENV["BENCH_RESULTS"]
DYN = ENV["BENCH_DYN"]
STATIC = ENV.get("BENCH_STATIC") or None
STAMP = ENV["BENCH_STAMP"]
BUNDLE = ENV["BENCH_BUNDLE"]
QUICK = ENV.get("BENCH_QUICK", "") not in ("", "0")
LOOP = os.path.join(TOP, "scripts", "imapwait-loop")
PASS = os.path.join(DOVECOT, "bench.pass")
CA = os.path.join(DOVECOT, "ca.pem")
HOST = "localhost"

# How much: medians over TRIALS runs; idle windows of WINDOW seconds.
if QUICK:
    READY_TRIALS, SPLIT_TRIALS, REACT_TRIALS = 5, 3, 3
    LOOP_TRIALS, ALT_TRIALS, WINDOW = 3, 2, 10
    SCALE = [20, 100]
else:
    READY_TRIALS, SPLIT_TRIALS, REACT_TRIALS = 20, 7, 12
    LOOP_TRIALS, ALT_TRIALS, WINDOW = 10, 6, 60
    SCALE = [100, 1000]
# Dovecot's keepalive comes every 2 minutes per connection: a 2-minute
# window holds exactly one per process, whatever their phase.
SCALE_WINDOW = WINDOW if QUICK else 120
if ENV.get("BENCH_SCALE"):  # e.g. BENCH_SCALE=1000, with BENCH_ONLY
    SCALE = [int(x) for x in ENV["BENCH_SCALE"].split(",")]
SCALE_STATIC = not QUICK and STATIC is not None
SETTLE = 0.15  # after readiness, before mail: imapwait is asleep by then

started = []  # every Popen started here, for cleanup
probe_groups = []  # perf probe groups added here
log_lines = []


def say(*a):
    line = " ".join(str(x) for x in a)
    log_lines.append(line)
    print("bench: " + line, file=sys.stderr, flush=True)


def now():
    return time.monotonic_ns()


def median(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None


def pct(v, p):
    v = sorted(x for x in v if x is not None)
    if not v:
        return None
    k = min(len(v) - 1, max(0, int(round(p / 100 * (len(v) - 1)))))
    return v[k]


def r1(x, nd=1):
    return None if x is None else round(x, nd)


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read().rsplit(")", 1)[1].split()[0]
        return st != "Z"
    except OSError:
        return False


def stop_proc(p, sig=signal.SIGTERM, grace=5.0):
    """Signal one process we started, wait for it, kill it if need be."""
    if p.poll() is not None:
        return p.returncode
    try:
        p.send_signal(sig)
    except ProcessLookupError:
        pass
    try:
        return p.wait(grace)
    except subprocess.TimeoutExpired:
        p.kill()
        try:
            return p.wait(5)
        except subprocess.TimeoutExpired:
            return None


def spawn(args, **kw):
    kw.setdefault("stdin", subprocess.DEVNULL)
    p = subprocess.Popen(args, **kw)
    started.append(p)
    return p


class Light:
    """A child started with posix_spawn, which is much cheaper than Popen
    with pass_fds: for a thousand at once, so that the spawner is not what
    is measured.  Has what stop_proc and cleanup use of Popen."""

    def __init__(self, args, keep_fd, err_fd):
        os.set_inheritable(keep_fd, True)
        fa = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
              (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
              (os.POSIX_SPAWN_DUP2, err_fd, 2)]
        self.args = args
        self.pid = os.posix_spawn(args[0], args, os.environ, file_actions=fa)
        self.returncode = None
        started.append(self)

    def poll(self):
        if self.returncode is None:
            try:
                pid, st = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(st)
        return self.returncode

    def wait(self, timeout=None):
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() >= end:
                raise subprocess.TimeoutExpired(self.args, timeout)
            time.sleep(0.005)
        return self.returncode

    def send_signal(self, sig):
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self):
        self.send_signal(signal.SIGKILL)


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def cleanup():
    for p in started:
        if p.poll() is None:
            for c in children(p.pid):
                try:
                    os.kill(c, signal.SIGTERM)
                except OSError:
                    pass
            stop_proc(p, grace=3)
    for g in probe_groups:
        del_probes(g, ["main", "seed", "seedr", "gai", "gair", "hs", "hsr",
                       "vf", "vfr", "sslw"])
    probe_groups.clear()


atexit.register(cleanup)
signal.signal(signal.SIGTERM, lambda s, f: sys.exit(143))
signal.signal(signal.SIGINT, lambda s, f: sys.exit(130))


def run(args, timeout=60, **kw):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          encoding="utf-8", errors="replace", timeout=timeout,
                          **kw)


def first_line(args):
    try:
        r = run(args, timeout=20)
        out = (r.stdout or r.stderr).strip().splitlines()
        return out[0].strip() if out else None
    except (OSError, subprocess.SubprocessError):
        return None


# ---------------------------------------------------------------- /proc

def proc_status(pid):
    """VmHWM, VmRSS (kB) and context switches summed over all threads."""
    d = {"vol_cs": 0, "invol_cs": 0}
    try:
        with open("/proc/%d/status" % pid) as f:
            for l in f:
                k, _, v = l.partition(":")
                if k in ("VmHWM", "VmRSS"):
                    d[k] = int(v.split()[0])
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/status" % (pid, t)) as f:
                for l in f:
                    k, _, v = l.partition(":")
                    if k == "voluntary_ctxt_switches":
                        d["vol_cs"] += int(v)
                    elif k == "nonvoluntary_ctxt_switches":
                        d["invol_cs"] += int(v)
    except OSError:
        return None
    return d


def proc_cpu(pid):
    """CPU time of all threads: (ns from schedstat, ticks from stat)."""
    ns = 0
    try:
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
                ns += int(f.read().split()[0])
        with open("/proc/%d/stat" % pid) as f:
            v = f.read().rsplit(")", 1)[1].split()
        ticks = int(v[11]) + int(v[12])
    except (OSError, ValueError, IndexError):
        return None
    return ns, ticks


def smaps(pid):
    d = {}
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for l in f:
                m = re.match(r"(\w+):\s+(\d+) kB", l)
                if m:
                    d[m.group(1)] = int(m.group(2))
    except OSError:
        return None
    return d


def footprint(pid):
    s, st = smaps(pid), proc_status(pid)
    if not s or not st:
        return None
    return {"VmHWM_kB": st.get("VmHWM"), "Rss_kB": s.get("Rss"),
            "Pss_kB": s.get("Pss"), "Private_Dirty_kB": s.get("Private_Dirty"),
            "Private_Clean_kB": s.get("Private_Clean"),
            "Shared_Clean_kB": s.get("Shared_Clean")}


def dirty_map(pid):
    """Private_Dirty by mapping, for the report's explanation."""
    out, name = [], None
    try:
        with open("/proc/%d/smaps" % pid) as f:
            for l in f:
                if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", l):
                    v = l.split()
                    name = "%s %s" % (os.path.basename(v[5]) if len(v) > 5
                                      else "[anon]", v[1])
                elif l.startswith("Private_Dirty:"):
                    kb = int(l.split()[1])
                    if kb:
                        out.append([name, kb])
    except OSError:
        return None
    merged = {}
    for n, kb in out:
        merged[n] = merged.get(n, 0) + kb
    return sorted(merged.items(), key=lambda x: -x[1])


# ---------------------------------------------------------------- mail

def uid_of(user):
    with open(os.path.join(DOVECOT, "passwd")) as f:
        for l in f:
            v = l.split(":")
            if v[0] == user:
                return int(v[2]), int(v[3])
    raise KeyError(user)


_uids = {}
_seq = [0]


def prepare(user):
    """Write a message into tmp/; returns (tmp path, new path)."""
    if user not in _uids:
        _uids[user] = uid_of(user)
    md = os.path.join(DOVECOT, "home", user, "Maildir")
    _seq[0] += 1
    name = "%d.M%dP%dQ%d.bench" % (time.time(), now() % 1000000,
                                   os.getpid(), _seq[0])
    t = os.path.join(md, "tmp", name)
    with open(t, "w") as f:
        f.write("From: Bench <bench@example.org>\nTo: %s@localhost\n"
                "Subject: bench %d\nMessage-ID: <%s@localhost>\n\n"
                "Benchmark message.\n" % (user, _seq[0], name))
    if os.getuid() == 0:
        os.chown(t, *_uids[user])
    return t, os.path.join(md, "new", name)


def deliver(user):
    """An MDA's atomic rename into new/; returns the monotonic ns before."""
    t, n = prepare(user)
    t0 = now()
    os.rename(t, n)
    return t0


def iw_args(binary, user, ca=None, extra=()):
    return [binary, "-C", ca or BUNDLE, "-p", PORT, "-u", user, "-P", PASS,
            *extra, HOST]


class Ready:
    """A pipe for imapwait -r: the read end here, the write end passed on."""

    def __init__(self):
        self.r, self.w = os.pipe()
        os.set_blocking(self.r, False)
        self.n = 0
        self.t = []

    def args(self):
        return ["-r", str(self.w)]

    def after_spawn(self):
        if self.w is not None:
            os.close(self.w)
            self.w = None

    def wait(self, count, timeout, procs=()):
        """Until count bytes came (one per process ready); False if not."""
        end = time.monotonic() + timeout
        while self.n < count and time.monotonic() < end:
            rl, _, _ = select.select([self.r], [], [], 0.2)
            if rl:
                t = now()
                try:
                    b = os.read(self.r, 65536)
                except BlockingIOError:
                    continue
                if not b:
                    break
                self.n += len(b)
                self.t.extend([t] * len(b))
            elif procs and all(p.poll() is not None for p in procs):
                break
        return self.n >= count

    def close(self):
        self.after_spawn()
        os.close(self.r)


def start_iw(binary, user, ca=None, extra=(), log=None, launch=None):
    """Start one imapwait; returns (Popen, Ready)."""
    rd = Ready()
    args = iw_args(binary, user, ca, [*rd.args(), *extra])
    if launch:
        args = launch + args
    p = spawn(args, pass_fds=(rd.w,), stdout=subprocess.DEVNULL,
              stderr=log or subprocess.DEVNULL)
    rd.after_spawn()
    return p, rd


def wait_exit(p, timeout):
    """Wait for a child's exit with a pidfd: (monotonic ns seen, status)."""
    try:
        fd = os.pidfd_open(p.pid)
    except OSError:
        fd = None
    if fd is not None:
        try:
            select.select([fd], [], [], timeout)
        finally:
            os.close(fd)
    t = now()
    try:
        st = p.wait(0.5 if fd is not None else timeout)
    except subprocess.TimeoutExpired:
        st = None
    return t, st


def server_idle(user, timeout):
    """Until Dovecot's imap process of user shows IDLE in its title."""
    end = time.monotonic() + timeout
    pat = "[%s 127.0.0.1 IDLE]" % user
    while time.monotonic() < end:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    c = f.read()
            except OSError:
                continue
            if pat.encode() in c:
                return True
        time.sleep(0.1)
    return False


def dovecot_pids():
    try:
        with open(os.path.join(DOVECOT, "run", "master.pid")) as f:
            master = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    out = [master]
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/stat" % pid) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                        out.append(int(pid))
            except (OSError, ValueError, IndexError):
                pass
    return out


# ---------------------------------------------------------------- perf

SYSCALLS = {}


def syscall_names():
    for h in ("/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
              "/usr/include/asm/unistd_64.h"):
        try:
            with open(h) as f:
                for l in f:
                    m = re.match(r"#define __NR_(\w+) (\d+)", l)
                    if m:
                        SYSCALLS[int(m.group(2))] = m.group(1)
            return
        except OSError:
            pass


def sysname(nr):
    return SYSCALLS.get(nr, str(nr))


PERF_LINE = re.compile(r"^\s*(?P<comm>.*?)\s+(?P<pid>-?\d+)/(?P<tid>-?\d+)\s+"
                       r"(?P<sec>\d+)\.(?P<ns>\d{9}):\s+(?P<ev>[\w:]+):\s?"
                       r"(?P<trace>.*)$")


def perf_ok():
    if not shutil.which("perf"):
        return False
    try:
        r = run(["perf", "record", "-q", "-k", "CLOCK_MONOTONIC", "-o",
                 os.path.join(TMP, "perf-check.data"), "-e",
                 "sched:sched_process_exit", "--", "true"], timeout=30)
        return r.returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def perf_script(path):
    r = run(["perf", "script", "-i", path, "--ns", "-F",
             "comm,pid,tid,time,event,trace"], timeout=300)
    ev = []
    for l in r.stdout.splitlines():
        m = PERF_LINE.match(l)
        if m:
            ev.append({"comm": m.group("comm"), "pid": int(m.group("pid")),
                       "tid": int(m.group("tid")),
                       "t": int(m.group("sec")) * 10**9 + int(m.group("ns")),
                       "ev": m.group("ev"), "trace": m.group("trace")})
    return ev


def field(trace, name):
    m = re.search(r"\b%s=(\S+)" % name, trace)
    return m.group(1) if m else None


# ---------------------------------------------------------------- machine

def machine():
    m = {}
    m["imapwait_build"] = "make (dynamic) and make STATIC=1, %s" % (
        first_line(["cc", "--version"]))
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
    try:
        with open("/proc/meminfo") as f:
            m["memory_MB"] = int(f.readline().split()[1]) // 1024
    except OSError:
        pass
    with open("/proc/loadavg") as f:
        m["loadavg_start"] = " ".join(f.read().split()[:3])
    m["imapwait"] = first_line([DYN, "-V"])
    m["mbedtls"] = first_line(["dpkg-query", "-W", "-f",
                               "${Package} ${Version}", "libmbedtls-dev"])
    m["dovecot"] = first_line(["dovecot", "--version"])
    m["getmail"] = first_line(["getmail", "--version"])
    m["fetchmail"] = first_line(["fetchmail", "--version"])
    m["cc"] = first_line(["cc", "--version"])
    m["libc"] = os.confstr("CS_GNU_LIBC_VERSION")
    m["perf"] = first_line(["perf", "--version"])
    m["strace"] = first_line(["strace", "-V"])
    m["python"] = platform.python_version()
    g = run(["git", "-C", TOP, "log", "-1", "--format=%h %cI", "--",
             "imapwait.c"])
    m["imapwait_c_commit"] = g.stdout.strip()
    a = run(["git", "-C", TOP, "hash-object", os.path.join(TMP,
                                                           "imapwait.c")])
    b = run(["git", "-C", TOP, "rev-parse", "HEAD:imapwait.c"])
    m["imapwait_c_modified"] = a.stdout.strip() != b.stdout.strip()
    m["date"] = datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M UTC")
    return m


def binsize(path):
    if not path or not os.path.exists(path):
        return None
    d = {"file_bytes": os.path.getsize(path)}
    r = run(["size", path])
    v = r.stdout.splitlines()[-1].split() if r.returncode == 0 else []
    if len(v) >= 3:
        d.update(text=int(v[0]), data=int(v[1]), bss=int(v[2]))
    return d


# ---------------------------------------------------------------- ready

def bench_ready(variants):
    """exec to IDLE accepted: the launcher stamps just before execve.  The
    builds take turns, so that a burst of load elsewhere hits both."""
    d = {name: {"ms": [], "cpu": [], "fails": 0} for name, _, _ in variants}
    logs = {name: open(os.path.join(TMP, "ready-%s.log" % user), "a")
            for name, _, user in variants}
    for i in range(READY_TRIALS + 1):  # the first warms the server
        for name, binary, user in variants:
            stampf = os.path.join(TMP, "ready-%s.stamp" % user)
            try:
                os.unlink(stampf)
            except FileNotFoundError:
                pass
            p, rd = start_iw(binary, user, log=logs[name],
                             launch=[STAMP, stampf])
            ok = rd.wait(1, 20, [p])
            c = proc_cpu(p.pid) if ok else None
            stop_proc(p)
            rd.close()
            if not ok:
                d[name]["fails"] += 1
                continue
            with open(stampf) as f:
                t0 = int(f.read().split()[0])
            if i:
                d[name]["ms"].append((rd.t[0] - t0) / 1e6)
                if c:
                    d[name]["cpu"].append(c[0] / 1e6)
            time.sleep(0.02)
    out = {}
    for name, _, _ in variants:
        logs[name].close()
        ms, cpu = d[name]["ms"], d[name]["cpu"]
        out[name] = {"median_ms": r1(median(ms), 2), "min_ms": r1(min(ms), 2)
                     if ms else None, "max_ms": r1(max(ms), 2) if ms else None,
                     "runs": len(ms), "failed": d[name]["fails"],
                     "client_cpu_ms": r1(median(cpu), 2),
                     "all_ms": [round(x, 2) for x in ms]}
        say("ready %s: median %s ms over %d" % (name, out[name]["median_ms"],
                                                len(ms)))
    return out


# Phase markers, in order: (key, label of the phase that ends there).
MARKS = [
    ("exec", None),
    ("main", "exec to main (loader, relocations)"),
    ("seed", "options, credentials"),
    ("seedr", "DRBG seed (getrandom)"),
    ("gai", "TLS setup"),
    ("gair", "resolve (getaddrinfo)"),
    ("hs", "TCP connect"),
    ("hsr", "TLS handshake"),
    ("vf", "CA loading"),
    ("vfr", "chain verification"),
    ("login", "greeting"),
    ("examine", "login (+ CAPABILITY)"),
    ("idle", "EXAMINE"),
    ("ready", "IDLE accepted"),
]


UPROBES = "/sys/kernel/tracing/uprobe_events"


def file_offset(path, name):
    """The file offset of a defined function symbol, for a uprobe."""
    r = run(["nm", "-D" if ".so" in os.path.basename(path) else "-a",
             "--defined-only", path])
    addr = None
    for l in r.stdout.splitlines():
        v = l.split()
        if len(v) == 3 and v[2].split("@")[0] == name and v[1] in "TtWi":
            addr = int(v[0], 16)
            break
    if addr is None:
        return None
    with open(path, "rb") as f:
        h = f.read(64)
        if h[:4] != b"\x7fELF" or h[4] != 2:
            return None
        phoff, = struct.unpack_from("<Q", h, 32)
        phentsize, phnum = struct.unpack_from("<HH", h, 54)
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
    for i in range(phnum):
        typ, flags, off, vaddr, _, filesz = struct.unpack_from(
            "<IIQQQQ", ph, i * phentsize)
        if typ == 1 and vaddr <= addr < vaddr + filesz:
            return addr - vaddr + off
    return None


def uprobe(line, quiet=False):
    try:
        fd = os.open(UPROBES, os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)
        return True
    except OSError as e:
        if not quiet:
            say("uprobe %r: %s" % (line, e))
        return False


def del_probes(group, names):
    for n in names:
        uprobe("-:%s/%s" % (group, n), quiet=True)


def add_probes(group, binary):
    """Uprobes on stable symbols: main, mbedTLS, getaddrinfo.  Written to
    uprobe_events directly: perf probe insists on debuginfo where the
    binary has some, and the static binary has it only for imapwait.c."""
    libs = {}
    r = run(["ldd", binary])
    for l in r.stdout.splitlines():
        m = re.match(r"\s*(\S+) => (\S+)", l)
        if m:
            libs[m.group(1).split(".so")[0]] = os.path.realpath(m.group(2))

    def where(lib):
        return libs.get(lib, binary)

    want = [
        ("main", "p", binary, "main", ""),
        ("seed", "p", where("libmbedcrypto"), "mbedtls_ctr_drbg_seed", ""),
        ("seedr", "r", where("libmbedcrypto"), "mbedtls_ctr_drbg_seed", ""),
        ("gai", "p", where("libc"), "getaddrinfo", ""),
        ("gair", "r", where("libc"), "getaddrinfo", ""),
        ("hs", "p", where("libmbedtls"), "mbedtls_ssl_handshake", ""),
        ("hsr", "r", where("libmbedtls"), "mbedtls_ssl_handshake", ""),
        ("vf", "p", where("libmbedx509"), "mbedtls_x509_crt_verify", ""),
        ("vfr", "r", where("libmbedx509"), "mbedtls_x509_crt_verify", ""),
        # the first 8 bytes of each TLS write: "a2 EXAMI", never a secret
        ("sslw", "p", where("libmbedtls"), "mbedtls_ssl_write",
         " cmd=+0(%si):u64"),
    ]
    probe_groups.append(group)
    got = []
    for name, kind, path, sym, args in want:
        off = file_offset(path, sym)
        if off is None:
            say("no symbol %s in %s" % (sym, path))
            continue
        if uprobe("%s:%s/%s %s:0x%x%s" % (kind, group, name, path, off,
                                         args)):
            got.append(name)
    return got


def split_one(group, binary, user, got, i):
    data = os.path.join(TMP, "split-%s-%d.data" % (user, i))
    rd = Ready()
    evs = ["-e", "sched:sched_process_exec", "-e", "syscalls:sys_enter_write",
           "--filter", "fd == %d" % rd.w]
    for n in got:
        evs += ["-e", "%s:%s" % (group, n)]
    args = ["perf", "record", "-q", "-k", "CLOCK_MONOTONIC", "-o", data,
            *evs, "--", *iw_args(binary, user, None, rd.args())]
    p = spawn(args, pass_fds=(rd.w,), stdout=subprocess.DEVNULL,
              stderr=open(os.path.join(TMP, "split-%s.log" % user), "a"))
    rd.after_spawn()
    ok = rd.wait(1, 30, [p])
    for c in children(p.pid):  # the imapwait that perf started for us
        os.kill(c, signal.SIGTERM)
    try:
        p.wait(15)
    except subprocess.TimeoutExpired:
        stop_proc(p, signal.SIGINT)
    rd.close()
    if not ok:
        return None
    m = {}
    for e in perf_script(data):
        ev = e["ev"].split(":", 1)[1]
        if ev == "sched_process_exec":
            m.setdefault("exec", e["t"])
        elif ev == "sys_enter_write":
            m.setdefault("ready", e["t"])
        elif ev == "sslw":
            v = field(e["trace"], "cmd")
            try:
                s = struct.pack("<Q", int(v) & (2**64 - 1))
            except (TypeError, ValueError):
                continue
            word = s.split(b" ")[1][:5] if b" " in s else b""
            key = {b"AUTHE": "login", b"LOGIN": "login", b"EXAMI": "examine",
                   b"IDLE\r": "idle"}.get(word)
            if key:
                m.setdefault(key, e["t"])
        else:
            key = ev
            if key.endswith("r") and key[:-1] in ("seed", "gai", "hs", "vf"):
                m[key] = e["t"]  # the last return
            else:
                m.setdefault(key, e["t"])
    return m


def bench_split(variants):
    out = {}
    for name, binary, user in variants:
        group = "iwb%d_%s" % (os.getpid(), "s" if binary == STATIC else "d")
        got = add_probes(group, binary)
        runs = []
        for i in range(SPLIT_TRIALS + 1):
            m = split_one(group, binary, user, got, i)
            if m and i:
                runs.append(m)
            time.sleep(0.02)
        del_probes(group, got)
        probe_groups.remove(group)
        phases = []
        keys = [k for k, _ in MARKS if runs and all(k in r for r in runs)]
        prev = None
        labels = []
        for k, label in MARKS:
            if label:
                labels.append(label)
            if k not in keys:
                continue
            if prev is not None:
                d = [(r[k] - r[prev]) / 1e6 for r in runs]
                phases.append({"phase": " + ".join(labels),
                               "median_ms": r1(median(d), 3)})
            labels = []
            prev = k
        total = None
        if runs and "exec" in keys and "ready" in keys:
            total = r1(median([(r["ready"] - r["exec"]) / 1e6 for r in runs]),
                       2)
        out[name] = {"phases": phases, "total_ms": total, "runs": len(runs)}
        say("split %s: %s" % (name, ", ".join("%s %s" % (p["phase"],
                                                         p["median_ms"])
                                              for p in phases)))
    return out


# ---------------------------------------------------------------- reaction

REACT_EVENTS = [
    "-e", "sched:sched_waking", "--filter", 'comm ~ "imapwait*"',
    "-e", "sched:sched_switch", "--filter", 'next_comm ~ "imapwait*"',
    "-e", "sched:sched_process_exit", "--filter", 'comm ~ "imapwait*"',
    "-e", "signal:signal_generate", "--filter", "sig == 17",
    "-e", "raw_syscalls:sys_enter", "--filter", 'comm ~ "imapwait*"',
    "-e", "raw_syscalls:sys_exit", "--filter", 'comm ~ "imapwait*"',
    "-e", "exceptions:page_fault_user", "--filter", 'comm ~ "imapwait*"',
    "-e", "mmap_lock:mmap_lock_start_locking", "--filter",
    'comm ~ "imapwait*"',
    "-e", "mmap_lock:mmap_lock_released", "--filter", 'comm ~ "imapwait*"',
]


def start_perf_a(data, events):
    p = spawn(["perf", "record", "-q", "-a", "-k", "CLOCK_MONOTONIC",
               "-m", "4M", "-o", data, *events],
              stdout=subprocess.DEVNULL,
              stderr=open(data + ".log", "w"))
    time.sleep(1.5)  # perf opens its events before this
    if p.poll() is not None:
        return None
    return p


def timeline(events):
    """Events per tid, in time order."""
    per = {}
    for e in events:
        ev = e["ev"].split(":", 1)[1]
        if ev in ("sched_waking", "sched_process_exit"):
            pid = int(field(e["trace"], "pid") or -1)
        elif ev == "sched_switch":
            m = re.search(r"next_pid=(\d+)", e["trace"])
            pid = int(m.group(1)) if m else -1
        else:
            pid = e["tid"]
        per.setdefault(pid, []).append((e["t"], ev, e["trace"]))
    for v in per.values():
        v.sort()
    return per


def analyse_wake(tl, t_mail):
    """From the first wakeup after t_mail to the exit, for one process:
    wakeup latency, what it did while running (syscalls with their
    durations, page faults), and the kernel's exit (mm teardown, the
    rest: files and socket, notifying the parent)."""
    wake = run_at = exitg = reap = None
    mm0 = mm1 = None
    calls, faults = [], 0
    cur = None  # the syscall in progress: (name, t)
    for t, ev, tr in tl:
        if t < t_mail:
            continue
        if wake is None:
            if ev == "sched_waking":
                wake = t
            continue
        if ev == "sched_switch" and run_at is None:
            run_at = t
        elif ev == "sys_enter":
            nr = int(tr.split()[1])
            if nr in (231, 60):
                exitg = exitg or t
                calls.append([sysname(nr), None])
            else:
                cur = (sysname(nr), t)
        elif ev == "sys_exit" and cur:
            calls.append([cur[0], round((t - cur[1]) / 1e3, 1)])
            cur = None
        elif ev == "page_fault_user" and exitg is None:
            faults += 1
        elif ev.startswith("mmap_lock") and exitg is not None:
            mm0 = mm0 or t
            mm1 = t
        elif ev == "signal_generate":
            reap = t
            break
    if wake is None or reap is None:
        return None

    def us(a, b):
        return (b - a) / 1e3 if a is not None and b is not None else None

    def dur(name):
        v = [d for n, d in calls if n == name and d is not None]
        return sum(v) if v else None

    in_calls = sum(d for _, d in calls if d is not None)
    user = us(run_at, exitg)
    return {"wake": wake, "reap": reap,
            "exists_exit_us": us(wake, reap),
            "wakeup_us": us(wake, run_at),
            "user_us": user,
            "in_syscalls_us": in_calls,
            "page_faults": faults,
            "kernel_exit_us": us(exitg, reap),
            "mm_teardown_us": us(mm0, mm1),
            "fsync_us": dur("fsync") or dur("fdatasync"),
            "rename_us": dur("rename"),
            "syscalls": calls}


def bench_reaction(variants, perf):
    data = os.path.join(TMP, "reaction.data")
    pp = start_perf_a(data, REACT_EVENTS) if perf else None
    trials = {name: [] for name, _, _, _ in variants}
    logs = {}
    for name, binary, user, state in variants:
        logs[name] = open(os.path.join(TMP, "react-%s.log" % user), "a")
        if state:
            try:
                os.unlink(state)
            except FileNotFoundError:
                pass
            p, rd = start_iw(binary, user, extra=["-s", state],
                             log=logs[name])
            wait_exit(p, 20)  # no state yet: records it, exits 0
            rd.close()
    for i in range(REACT_TRIALS):
        for name, binary, user, state in variants:
            extra = ["-s", state] if state else []
            p, rd = start_iw(binary, user, extra=extra, log=logs[name])
            if not rd.wait(1, 20, [p]):
                stop_proc(p)
                rd.close()
                trials[name].append({"error": "not ready"})
                continue
            rd.close()
            time.sleep(SETTLE)
            t0 = deliver(user)
            t1, st = wait_exit(p, 15)
            if st is None:
                stop_proc(p)
            trials[name].append({"pid": p.pid, "t_mail": t0, "t_seen": t1,
                                 "status": st})
    loop = bench_loop() if os.path.exists(LOOP) else bench_loop(plain=True)
    if pp:
        stop_proc(pp, signal.SIGINT, grace=60)
    for f in logs.values():
        f.close()
    tl = timeline(perf_script(data)) if pp else {}
    out = {}
    for name, _, _, state in variants:
        rows = []
        for tr in trials[name]:
            if "pid" not in tr or tr["status"] != 0:
                rows.append({"error": tr.get("error") or
                             "exit status %s" % tr.get("status")})
                continue
            a = analyse_wake(tl.get(tr["pid"], []), tr["t_mail"])
            row = {"rename_exit_ms": (tr["t_seen"] - tr["t_mail"]) / 1e6}
            if a:
                row["rename_exit_ms"] = (a["reap"] - tr["t_mail"]) / 1e6
                row.update({k: v for k, v in a.items()
                            if k not in ("wake", "reap")})
            rows.append(row)
        good = [r for r in rows if "error" not in r]
        res = {"trials": len(rows), "failed": len(rows) - len(good)}
        for k in ("rename_exit_ms", "exists_exit_us", "wakeup_us", "user_us",
                  "in_syscalls_us", "page_faults", "kernel_exit_us",
                  "mm_teardown_us", "fsync_us", "rename_us"):
            v = [r.get(k) for r in good]
            res[k] = r1(median(v), 3 if k.endswith("ms") else 1)
            if k == "exists_exit_us":
                res["exists_exit_us_min"] = r1(min([x for x in v if x]
                                                   or [0]), 1) or None
                res["exists_exit_us_max"] = r1(max([x for x in v if x]
                                                   or [0]), 1) or None
        calls = [r for r in good if r.get("syscalls")]
        if calls:
            calls.sort(key=lambda r: r["exists_exit_us"])
            res["syscalls_wake_to_exit"] = [
                n if d is None else "%s %s us" % (n, d)
                for n, d in calls[len(calls) // 2]["syscalls"]]
        res["all"] = [{k: (r1(v, 3) if isinstance(v, float) else v)
                       for k, v in r.items() if k != "syscalls"}
                      for r in rows]
        out[name] = res
        say("reaction %s: rename->exit %s ms, EXISTS->exit %s us" % (
            name, res["rename_exit_ms"], res["exists_exit_us"]))
    out["loop"] = analyse_loop(loop, tl)
    return out


def bench_loop(plain=False):
    """The loop: imapwait exits, the loop runs the hook (stamp)."""
    user = "s15"
    stampf = os.path.join(TMP, "loop-hook.stamp")
    state = os.path.join(TMP, "state", "loop-" + user)
    for f in (stampf, state):
        try:
            os.unlink(f)
        except FileNotFoundError:
            pass
    iw = iw_args(DYN, user)
    if plain:
        script = 'while "$@"; do "%s" "%s"; done' % (STAMP, stampf)
        args = ["sh", "-c", script, "sh", *iw[:-1], "-s", state, HOST]
    else:
        args = ["sh", LOOP, *iw[1:-1], "-s", state, HOST, "--", STAMP,
                stampf]
    lines = []
    env = dict(ENV, IMAPWAIT=DYN)
    p = spawn(args, env=env, stdout=subprocess.DEVNULL,
              stderr=subprocess.PIPE, text=True)

    def reader():
        for l in p.stderr:
            lines.append((now(), l.rstrip("\n")))

    th = threading.Thread(target=reader, daemon=True)
    th.start()

    def idles():
        return sum(1 for _, l in lines if "idling (" in l)

    def stamps():
        try:
            with open(stampf) as f:
                return [int(x) for x in f.read().split()]
        except (OSError, ValueError):
            return []

    def until(cond, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end and p.poll() is None:
            if cond():
                return True
            time.sleep(0.005)
        return cond()

    trials = []
    ok = until(lambda: idles() >= 1 and len(stamps()) >= 1, 20)
    for i in range(LOOP_TRIALS if ok else 0):
        k = idles()
        if not until(lambda: idles() >= k, 10):
            break
        time.sleep(SETTLE)
        n = len(stamps())
        t0 = deliver(user)
        if not until(lambda: len(stamps()) > n, 15):
            trials.append({"error": "no hook run"})
            continue
        trials.append({"t_mail": t0, "t_hook": stamps()[n]})
        until(lambda: idles() > k, 10)
    stop_proc(p)
    th.join(5)
    return {"kind": "shell loop (scripts/imapwait-loop missing)" if plain
            else "scripts/imapwait-loop", "trials": trials, "pid": p.pid,
            "log": [l for _, l in lines][-20:]}


def analyse_loop(loop, tl):
    rows = []
    exits = []
    for pid, evs in tl.items():
        # SIGCHLD sent to the loop by an imapwait (comm-filtered
        # sched_process_exit), not by anything else on the machine
        if any(ev == "sched_process_exit" for _, ev, _ in evs):
            exits += [t for t, ev, tr in evs if ev == "signal_generate"
                      and field(tr, "pid") == str(loop.get("pid"))]
    exits.sort()
    for tr in loop["trials"]:
        if "error" in tr:
            rows.append(tr)
            continue
        row = {"rename_hook_ms": (tr["t_hook"] - tr["t_mail"]) / 1e6}
        ex = [t for t in exits if tr["t_mail"] < t < tr["t_hook"]]
        if ex:
            row["exit_hook_ms"] = (tr["t_hook"] - ex[-1]) / 1e6
            row["rename_exit_ms"] = (ex[-1] - tr["t_mail"]) / 1e6
        rows.append(row)
    good = [r for r in rows if "error" not in r]
    res = {"kind": loop["kind"], "trials": len(rows),
           "failed": len(rows) - len(good)}
    for k in ("rename_hook_ms", "exit_hook_ms", "rename_exit_ms"):
        res[k] = r1(median([r.get(k) for r in good]), 3)
    res["all"] = [{k: r1(v, 3) if isinstance(v, float) else v
                   for k, v in r.items()} for r in rows]
    if not good:
        res["log"] = loop["log"]
    say("loop: rename->hook %s ms, exit->hook %s ms" % (
        res["rename_hook_ms"], res["exit_hook_ms"]))
    return res


# ------------------------------------------------------------ watchers

# The first wakeup of a watcher after the rename is Dovecot's EXISTS
# arriving: none of the three wakes for anything else while idling.
# Others may run imapwait on the same machine: wakeups count only for
# the watchers' own pids, the loop's children found by their forks.
WATCH_EVENTS = [
    "-e", "sched:sched_waking", "--filter",
    'comm ~ "imapwait*" || comm == "imapfilter" || comm == "pyidle"',
    "-e", "sched:sched_process_fork", "--filter", 'parent_comm == "sh"',
]


def write_imapfilter(user, stampf, home):
    """imapfilter's config: enter_idle(), then the hook, forever."""
    os.makedirs(home, exist_ok=True)
    cfg = os.path.join(home, "config.lua")
    with open(cfg, "w") as f:
        f.write("options.info = false\noptions.certificates = false\n"
                "options.timeout = 60\n"
                "local acct = IMAP { server = '%s', port = %s, "
                "username = '%s', password = '%s', ssl = 'auto' }\n"
                "while acct.INBOX:enter_idle() do\n"
                "  os.execute('%s %s')\nend\n"
                % (HOST, PORT, user, open(PASS).read().strip(), STAMP,
                   stampf))
    os.chmod(cfg, 0o600)
    return ["imapfilter", "-c", cfg, "-t", BUNDLE]


def bench_watchers(perf):
    """imapwait-loop, imapfilter and pyidle, each on an account of its
    own, all idling at once; the deliveries take turns between them."""
    home = os.path.join(TMP, "watchers")
    shutil.rmtree(home, ignore_errors=True)
    os.makedirs(home)
    stamp = {n: os.path.join(home, n + ".stamp")
             for n in ("imapwait", "imapfilter", "python")}
    state = os.path.join(home, "state-s16")
    iw = iw_args(DYN, "s16")
    cmds = {
        "imapwait": (["sh", LOOP, *iw[1:-1], "-s", state, HOST, "--",
                      STAMP, stamp["imapwait"]], "s16"),
        "imapfilter": (write_imapfilter("s17", stamp["imapfilter"],
                                        os.path.join(home, "imapfilter")),
                       "s17"),
        "python": (["python3", os.path.join(TOP, "bench", "pyidle.py"),
                    HOST, PORT, "s18", PASS, BUNDLE, STAMP,
                    stamp["python"]], "s18"),
    }
    if not shutil.which("imapfilter"):
        del cmds["imapfilter"]
        say("watchers: imapfilter is not installed (Debian package "
            "imapfilter): its row is n/a")
    data = os.path.join(TMP, "watchers.data")
    pp = start_perf_a(data, WATCH_EVENTS) if perf else None
    procs, logs = {}, {}
    env = dict(ENV, IMAPWAIT=DYN, HOME=home)
    for n, (args, user) in cmds.items():
        logs[n] = open(os.path.join(home, n + ".log"), "w")
        procs[n] = spawn(args, env=env, stdout=logs[n], stderr=logs[n])
    # the loop's first run has no state: it wakes once (the boot fetch)
    end = time.monotonic() + 20
    while count_lines(stamp["imapwait"]) < 1 and time.monotonic() < end:
        time.sleep(0.05)
    trials = {n: [] for n in cmds}
    for i in range(LOOP_TRIALS):
        for n, (args, user) in cmds.items():
            if procs[n].poll() is not None:
                trials[n].append({"error": "exited %s" %
                                  procs[n].returncode})
                continue
            if not server_idle(user, 20):
                trials[n].append({"error": "not idling"})
                continue
            time.sleep(0.3)
            k = count_lines(stamp[n])
            t0 = deliver(user)
            end = time.monotonic() + 15
            while count_lines(stamp[n]) <= k and time.monotonic() < end:
                time.sleep(0.002)
            v = read_lines(stamp[n])
            if len(v) <= k:
                trials[n].append({"error": "no hook run"})
                continue
            trials[n].append({"t_mail": t0, "t_hook": v[k]})
    for p in procs.values():
        stop_proc(p)
    for f in logs.values():
        f.close()
    if pp:
        stop_proc(pp, signal.SIGINT, grace=60)
    wakes = {}  # watcher -> wakeup times of its own processes
    if pp:
        evs = perf_script(data)
        mine = {procs[n].pid: n for n in procs}
        for e in sorted(evs, key=lambda e: e["t"]):
            if e["ev"].endswith("sched_process_fork"):
                parent = int(field(e["trace"], "pid") or -1)
                child = int(field(e["trace"], "child_pid") or -1)
                if parent in mine:
                    mine[child] = mine[parent]
            elif e["ev"].endswith("sched_waking"):
                n = mine.get(int(field(e["trace"], "pid") or -1))
                if n:
                    wakes.setdefault(n, []).append(e["t"])
    out = {}
    for n, tr in trials.items():
        rows = []
        w = sorted(wakes.get(n, []))
        for t in tr:
            if "error" in t:
                rows.append(t)
                continue
            row = {"rename_hook_ms": (t["t_hook"] - t["t_mail"]) / 1e6}
            first = [x for x in w if t["t_mail"] < x < t["t_hook"]]
            if first:
                row["exists_hook_us"] = (t["t_hook"] - first[0]) / 1e3
            rows.append(row)
        good = [r for r in rows if "error" not in r]
        out[n] = {"trials": len(rows), "failed": len(rows) - len(good),
                  "rename_hook_ms": r1(median([r["rename_hook_ms"]
                                               for r in good]), 3),
                  "exists_hook_us": r1(median([r.get("exists_hook_us")
                                               for r in good]), 1),
                  "all": [{k: r1(v, 3) if isinstance(v, float) else v
                           for k, v in r.items()} for r in rows]}
        say("watchers %s: rename->hook %s ms, EXISTS->hook %s us (%d/%d)"
            % (n, out[n]["rename_hook_ms"], out[n]["exists_hook_us"],
               len(good), len(rows)))
    v = first_line(["imapfilter", "-V"]) if "imapfilter" in cmds else None
    out["imapfilter_version"] = " ".join(v.split()[:2]) if v else None
    return out


# ---------------------------------------------------------------- idle

def write_fetchmailrc(user, stampf, home):
    os.makedirs(home, exist_ok=True)
    rc = os.path.join(home, "fetchmailrc")
    with open(rc, "w") as f:
        f.write('set no syslog\n'
                'poll %s service %s protocol imap auth password timeout 60\n'
                '  user "%s" password "%s" is "root" here\n'
                '  ssl sslcertck sslcertfile "%s" sslproto "TLS1.2+"\n'
                '  idle keep\n'
                '  mda "%s -d %s"\n' % (HOST, PORT, user,
                                        open(PASS).read().strip(), CA,
                                        STAMP, stampf))
    os.chmod(rc, 0o600)
    return ["fetchmail", "-f", rc, "-N", "-d", "0", "--pidfile",
            os.path.join(home, "pid"), "--idle"]


def write_getmailrc(user, stampf, home):
    os.makedirs(home, exist_ok=True)
    rc = os.path.join(home, "getmailrc")
    with open(rc, "w") as f:
        f.write("[retriever]\ntype = SimpleIMAPSSLRetriever\n"
                "server = %s\nport = %s\nusername = %s\npassword = %s\n"
                'mailboxes = ("INBOX",)\nca_certs = %s\n\n'
                "[destination]\ntype = MDA_external\npath = %s\n"
                'arguments = ("-d", "%s")\nignore_stderr = true\n'
                "allow_root_commands = true\n\n"
                "[options]\nread_all = false\ndelete = false\nverbose = 1\n"
                % (HOST, PORT, user, open(PASS).read().strip(), CA, STAMP,
                   stampf))
    os.chmod(rc, 0o600)
    return ["getmail", "--rcfile", rc, "--getmaildir", home, "--idle",
            "INBOX"]


def strace_c(pid, out):
    return spawn(["strace", "-c", "-f", "-p", str(pid), "-o", out],
                 stdout=subprocess.DEVNULL, stderr=open(out + ".err", "w"))


def parse_strace_c(path):
    try:
        with open(path + ".err") as f:
            if "attached" not in f.read():
                return None
        with open(path) as f:
            text = f.read()  # empty: not a single syscall
    except OSError:
        return None
    calls, per = 0, {}
    for l in text.splitlines():
        v = l.split()
        if len(v) >= 5 and v[-1] != "total" and v[0][0].isdigit():
            try:
                n = int(v[3])
            except ValueError:
                continue
            per[v[-1]] = n
        if v and v[-1] == "total":
            for x in v[2:5]:
                if x.isdigit():
                    calls = int(x)
                    break
    return {"calls": sum(per.values()) if per else calls, "by_syscall": per}


def perf_stat(pid, out):
    return spawn(["perf", "stat", "-x,", "-o", out, "-e",
                  "raw_syscalls:sys_enter", "-e", "context-switches", "-e",
                  "task-clock", "-p", str(pid), "--", "sleep", str(WINDOW)],
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def parse_perf_stat(path):
    d = {}
    try:
        with open(path) as f:
            for l in f:
                v = l.strip().split(",")
                if len(v) >= 4 and v[0] and not l.startswith("#"):
                    try:
                        val = float(v[0])
                    except ValueError:
                        # never counted because the process never ran
                        val = 0.0 if v[0] == "<not counted>" and \
                            v[3] in ("0", "0.0") else None
                    d[v[2]] = val
    except OSError:
        return None
    return {"syscalls": d.get("raw_syscalls:sys_enter"),
            "context_switches": d.get("context-switches"),
            "task_clock_ms": d.get("task-clock")}


def bench_idle(perf):
    """Footprint, idle cost over WINDOW s, and the alternatives' reaction."""
    procs = {}
    os.makedirs(os.path.join(TMP, "alt"), exist_ok=True)
    logf = open(os.path.join(TMP, "idle.log"), "a")
    want = [("imapwait", DYN, "s05", None),
            ("imapwait static", STATIC, "s06", None),
            ("imapwait, test CA only", DYN, "s07", CA),
            ("imapwait static, test CA only", STATIC, "s08", CA)]
    strace_users = {"imapwait": "s11", "imapwait static": "s12",
                    "getmail6": "s13", "fetchmail": "s14"}
    for name, binary, user, ca in want:
        if binary:
            p, rd = start_iw(binary, user, ca=ca, log=logf)
            procs[name] = {"p": p, "rd": rd, "user": user}
    for name, binary, user, ca in want:
        if name in strace_users and binary:
            p, rd = start_iw(binary, strace_users[name], ca=ca, log=logf)
            procs[name + " (strace)"] = {"p": p, "rd": rd,
                                         "user": strace_users[name]}
    alts = {}
    for name, user, mk in (("getmail6", "s09", write_getmailrc),
                           ("fetchmail", "s10", write_fetchmailrc)):
        if not shutil.which(name.rstrip("6")):
            continue
        for u, key in ((user, name), (strace_users[name],
                                      name + " (strace)")):
            home = os.path.join(TMP, "alt", u)
            shutil.rmtree(home, ignore_errors=True)
            stampf = os.path.join(home, "mda.stamp")
            args = mk(u, stampf, home)
            p = spawn(args, stdout=open(os.path.join(home, "out.log"), "w"),
                      stderr=subprocess.STDOUT,
                      env=dict(ENV, FETCHMAILHOME=home, HOME=home))
            procs[key] = {"p": p, "user": u, "stamp": stampf}
            if key == name:
                alts[name] = procs[key]
    for name, d in procs.items():
        if "rd" in d:
            d["ok"] = d["rd"].wait(1, 30, [d["p"]])
            d["rd"].close()
        else:
            d["ok"] = server_idle(d["user"], 30)
    time.sleep(1.0)
    measured = [n for n in procs if "(strace)" not in n and procs[n]["ok"]]
    s0 = {n: (proc_status(procs[n]["p"].pid), proc_cpu(procs[n]["p"].pid))
          for n in measured}
    fp = {n: footprint(procs[n]["p"].pid) for n in measured}
    maps = {n: dirty_map(procs[n]["p"].pid) for n in measured
            if n.startswith("imapwait")}
    stats, straces = {}, {}
    for n in measured:
        if perf and "test CA" not in n:
            stats[n] = (perf_stat(procs[n]["p"].pid,
                                  os.path.join(TMP, "stat-%s.txt" %
                                               procs[n]["user"])),
                        os.path.join(TMP, "stat-%s.txt" % procs[n]["user"]))
    for n, d in procs.items():
        if "(strace)" in n and d["ok"] and shutil.which("strace"):
            f = os.path.join(TMP, "strace-%s.txt" % d["user"])
            straces[n[:-9]] = (strace_c(d["p"].pid, f), f)
    t_start = time.monotonic()
    say("idle window: %d s, %d processes" % (WINDOW, len(measured)))
    time.sleep(WINDOW)
    for sp, _ in straces.values():
        stop_proc(sp, signal.SIGINT, grace=10)
    for sp, _ in stats.values():
        try:
            sp.wait(max(1, WINDOW - (time.monotonic() - t_start)) + 20)
        except subprocess.TimeoutExpired:
            stop_proc(sp, signal.SIGINT)
    s1 = {n: (proc_status(procs[n]["p"].pid), proc_cpu(procs[n]["p"].pid))
          for n in measured}
    idle = {}
    for n in measured:
        if "test CA" in n:
            continue
        a, b = s0[n], s1[n]
        d = {"seconds": WINDOW}
        if a[0] and b[0]:
            d["voluntary_cs"] = b[0]["vol_cs"] - a[0]["vol_cs"]
            d["involuntary_cs"] = b[0]["invol_cs"] - a[0]["invol_cs"]
        if a[1] and b[1]:
            d["cpu_ms"] = r1((b[1][0] - a[1][0]) / 1e6, 3)
            d["cpu_ticks"] = b[1][1] - a[1][1]
        if n in stats:
            d["perf"] = parse_perf_stat(stats[n][1])
        if n in straces:
            d["strace_c"] = parse_strace_c(straces[n][1])
        idle[n] = d
        say("idle %s: %s" % (n, {k: v for k, v in d.items()
                                 if k != "strace_c"}))
    fp_end = {n: footprint(procs[n]["p"].pid) for n in measured}
    for n in measured:
        if fp[n] and fp_end.get(n):
            fp[n]["Private_Dirty_kB_end"] = fp_end[n]["Private_Dirty_kB"]
    # the alternatives' reaction: rename to their MDA (stamp) starting
    alt_react = {}
    for name, d in alts.items():
        if not d["ok"]:
            alt_react[name] = {"error": "never idled"}
            continue
        ms = []
        for i in range(ALT_TRIALS):
            if not server_idle(d["user"], 20):
                break
            time.sleep(0.3)
            n0 = count_lines(d["stamp"])
            t0 = deliver(d["user"])
            end = time.monotonic() + 20
            while count_lines(d["stamp"]) <= n0 and time.monotonic() < end:
                time.sleep(0.002)
            v = read_lines(d["stamp"])
            if len(v) > n0:
                ms.append((v[n0] - t0) / 1e6)
        alt_react[name] = {"rename_mda_ms": r1(median(ms), 3),
                           "trials": len(ms),
                           "all_ms": [round(x, 3) for x in ms]}
        say("reaction %s: rename->MDA %s ms" % (name,
                                                 alt_react[name]["rename_mda_ms"]))
    for n, d in procs.items():
        stop_proc(d["p"])
    logf.close()
    failed = [n for n, d in procs.items() if not d["ok"]]
    return {"footprint": fp, "dirty_by_mapping": maps, "idle": idle,
            "alt_reaction": alt_react, "not_ready": failed}


def read_lines(path):
    try:
        with open(path) as f:
            return [int(x) for x in f.read().split()]
    except (OSError, ValueError):
        return []


def count_lines(path):
    return len(read_lines(path))


# ---------------------------------------------------------------- scale

def bench_scale(n, binary, window):
    users = ["u%04d" % i for i in range(1, n + 1)]
    base = len(dovecot_pids())
    logf = open(os.path.join(TMP, "scale-%d.log" % n), "w")
    rd = Ready()
    procs = []
    srv0 = {pid: proc_cpu(pid) for pid in dovecot_pids()}
    me0 = os.times()
    t0 = now()
    for u in users:
        procs.append(Light(iw_args(binary, u, None, rd.args()), rd.w,
                           logf.fileno()))
    t_spawned = now()
    me1 = os.times()
    rd.after_spawn()
    ok = rd.wait(n, 120, procs)
    t_ready = rd.t[-1] if rd.t else None
    res = {"n": n, "binary": "static" if binary == STATIC else "dynamic",
           "ready": rd.n, "spawn_s": r1((t_spawned - t0) / 1e9, 2),
           "spawner_cpu_s": r1(me1.user + me1.system - me0.user -
                               me0.system, 2),
           "all_idle_s": r1((t_ready - t0) / 1e9, 2) if ok else None,
           "half_idle_s": r1((rd.t[n // 2 - 1] - t0) / 1e9, 2)
           if rd.n >= n // 2 else None}
    rd.close()
    alive_p = [p for p in procs if p.poll() is None]
    # where the CPU went while they started: two cores, all of it busy?
    cc = [proc_cpu(p.pid) for p in alive_p]
    res["client_cpu_start_s"] = r1(sum(c[0] for c in cc if c) / 1e9, 2)
    res["client_cpu_per_start_ms"] = r1(sum(c[0] for c in cc if c) / 1e6 /
                                        max(1, len(alive_p)), 2)
    sc = 0
    for pid in dovecot_pids():
        c = proc_cpu(pid)
        if c:
            sc += c[0] - (srv0.get(pid) or (0, 0))[0]
    res["server_cpu_start_s"] = r1(sc / 1e9, 2)
    res["exited_early"] = n - len(alive_p)
    time.sleep(1.0)
    fps = [footprint(p.pid) for p in alive_p]
    fps = [f for f in fps if f]
    if fps:
        res["private_dirty_total_MB"] = r1(sum(f["Private_Dirty_kB"]
                                               for f in fps) / 1024, 1)
        res["pss_total_MB"] = r1(sum(f["Pss_kB"] for f in fps) / 1024, 1)
        res["rss_total_MB"] = r1(sum(f["Rss_kB"] for f in fps) / 1024, 1)
        res["private_dirty_median_kB"] = median([f["Private_Dirty_kB"]
                                                  for f in fps])
        res["vmhwm_median_kB"] = median([f["VmHWM_kB"] for f in fps])
    srv = dovecot_pids()
    srv_fp = [footprint(pid) for pid in srv]
    res["server_processes"] = len(srv)
    res["server_pss_total_MB"] = r1(sum(f["Pss_kB"] for f in srv_fp if f)
                                    / 1024, 1)
    if window:
        c0 = [proc_cpu(p.pid) for p in alive_p]
        st0 = [proc_status(p.pid) for p in alive_p]
        sv0 = [proc_cpu(pid) for pid in srv]
        sp = None
        if shutil.which("perf"):
            sp = spawn(["perf", "stat", "-x,", "-o",
                        os.path.join(TMP, "scale-stat-%d.txt" % n), "-e",
                        "raw_syscalls:sys_enter", "-p",
                        ",".join(str(p.pid) for p in alive_p), "--",
                        "sleep", str(window)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(window)
        c1 = [proc_cpu(p.pid) for p in alive_p]
        st1 = [proc_status(p.pid) for p in alive_p]
        sv1 = [proc_cpu(pid) for pid in srv]
        cpu = sum(b[0] - a[0] for a, b in zip(c0, c1) if a and b)
        woke = [b["vol_cs"] + b["invol_cs"] - a["vol_cs"] - a["invol_cs"]
                for a, b in zip(st0, st1) if a and b]
        cs = sum(woke)
        res["processes_woken_in_window"] = sum(1 for x in woke if x)
        scpu = sum(b[0] - a[0] for a, b in zip(sv0, sv1) if a and b)
        res["idle_window_s"] = window
        res["client_cpu_ms_per_min"] = r1(cpu / 1e6 * 60 / window, 3)
        res["client_cs_per_min"] = r1(cs * 60 / window, 1)
        res["server_cpu_ms_per_min"] = r1(scpu / 1e6 * 60 / window, 1)
        if sp:
            try:
                sp.wait(30)
            except subprocess.TimeoutExpired:
                stop_proc(sp, signal.SIGINT)
            st = parse_perf_stat(os.path.join(TMP, "scale-stat-%d.txt" % n))
            if st and st["syscalls"] is not None:
                res["client_syscalls_per_min"] = r1(st["syscalls"] * 60 /
                                                    window, 1)
    # one message to each account, as fast as an MDA can
    files = [(u, prepare(u)) for u, p in zip(users, procs)
             if p.poll() is None]
    fds = {}
    for p in alive_p:
        try:
            fds[os.pidfd_open(p.pid)] = p
        except OSError:
            pass
    tw0 = now()
    for u, (t, nw) in files:
        os.rename(t, nw)
    tw1 = now()
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    exits = []
    end = time.monotonic() + 60
    pending = set(fds)
    while pending and time.monotonic() < end:
        for fd, _ in poller.poll(200):
            if fd in pending:
                exits.append(now())
                pending.discard(fd)
                poller.unregister(fd)
    for fd in fds:
        os.close(fd)
    statuses = [stop_proc(p, grace=5) if p.poll() is None else p.returncode
                for p in procs]
    logf.close()
    res["deliver_s"] = r1((tw1 - tw0) / 1e9, 3)
    res["woken"] = sum(1 for s in statuses if s == 0)
    exits.sort()
    if exits:
        res["first_exit_s"] = r1((exits[0] - tw0) / 1e9, 3)
        res["median_exit_s"] = r1((exits[len(exits) // 2] - tw0) / 1e9, 3)
        res["all_woken_s"] = r1((exits[-1] - tw0) / 1e9, 3) \
            if not pending and res["woken"] == len(fds) else None
        res["last_exit_s"] = r1((exits[-1] - tw0) / 1e9, 3)
    bad = {}
    for s in statuses:
        if s != 0:
            bad[str(s)] = bad.get(str(s), 0) + 1
    res["other_exit_statuses"] = bad
    say("scale %s" % res)
    # let Dovecot's imap processes go before the next round
    end = time.monotonic() + 30
    while len(dovecot_pids()) > base + 2 and time.monotonic() < end:
        time.sleep(0.2)
    return res


# ---------------------------------------------------------------- report

def judge(res):
    """The issue's targets: (what, target, value, hit)."""
    t = []
    fp = res["idle"]["footprint"]

    def add(what, target, value, hit, unit=""):
        t.append({"target": what, "goal": target,
                  "value": None if value is None else "%s%s" % (value, unit),
                  "hit": None if value is None else bool(hit)})

    v = (fp.get("imapwait") or {}).get("Private_Dirty_kB")
    add("Private_Dirty per idling process, dynamic", "<= 256 KB", v,
        v is not None and v <= 256, " KB")
    v = (fp.get("imapwait static") or {}).get("Private_Dirty_kB")
    add("Private_Dirty per idling process, static", "<= 160 KB", v,
        v is not None and v <= 160, " KB")
    v = res["ready"].get("dynamic", {}).get("median_ms")
    add("exec to IDLE accepted, system CA bundle, dynamic", "< 30 ms", v,
        v is not None and v < 30, " ms")
    v = res["ready"].get("static", {}).get("median_ms")
    add("exec to IDLE accepted, system CA bundle, static", "< 30 ms", v,
        v is not None and v < 30, " ms")
    for n in ("imapwait", "imapwait static"):
        d = res["idle"]["idle"].get(n) or {}
        sc = (d.get("perf") or {}).get("syscalls")
        cs = None
        if "voluntary_cs" in d:
            cs = d["voluntary_cs"] + d["involuntary_cs"]
        val = None if sc is None and cs is None else \
            "%s syscalls, %s context switches in %d s" % (
                "?" if sc is None else int(sc), cs, d.get("seconds", 0))
        add("idle: syscalls and context switches (%s)" % n, "0 and 0", val,
            (sc == 0 or sc is None) and cs == 0)
    for n in ("dynamic", "static", "dynamic -s", "static -s"):
        v = res["reaction"].get(n, {}).get("exists_exit_us")
        add("EXISTS arriving to exit, %s" % n, "<= 200 us", v,
            v is not None and v <= 200, " us")
    for n in ("dynamic", "static"):
        w = res["reaction"].get(n + " -s", {}).get("exists_exit_us")
        wo = res["reaction"].get(n, {}).get("exists_exit_us")
        v = r1(w / wo, 2) if w and wo else None
        add("EXISTS to exit, with -s / without, %s" % n, "<= 1.3", v,
            v is not None and v <= 1.3)
    wt = res.get("watchers") or {}
    mine = (wt.get("imapwait") or {}).get("exists_hook_us")
    for n in ("imapfilter", "python"):
        other = (wt.get(n) or {}).get("exists_hook_us")
        add("EXISTS to hook start: imapwait-loop not slower than %s" % n,
            "<= %s us" % fmt(other), mine,
            mine is not None and other is not None and mine <= other,
            " us")
    big = [s for s in res["scale"] if s["n"] >= 1000]
    for s in big:
        lim = 160 if s["binary"] == "static" else 256
        v = s.get("private_dirty_total_MB")
        add("%d accounts: total Private_Dirty, %s" % (s["n"], s["binary"]),
            "<= %d MB" % lim, v, v is not None and v <= lim, " MB")
        v = s.get("all_idle_s")
        add("%d accounts: all idling, %s" % (s["n"], s["binary"]),
            "<= 15 s", v, v is not None and v <= 15, " s")
        v = s.get("all_woken_s")
        add("%d accounts: all woken by one message each, %s" % (
            s["n"], s["binary"]), "<= 5 s", v, v is not None and v <= 5, " s")
        if "client_cpu_ms_per_min" in s:
            v = s["client_cpu_ms_per_min"]
            add("%d accounts: client CPU while idle, %s" % (s["n"],
                                                            s["binary"]),
                "<= 100 ms/min", v, v <= 100, " ms/min")
    return t


def fmt(v, nd=None):
    if v is None:
        return "n/a"
    if isinstance(v, float) and nd is not None:
        return ("%%.%df" % nd) % v
    if isinstance(v, float):
        return ("%.3f" % v).rstrip("0").rstrip(".")
    return str(v)


def table(head, rows):
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join(" --- " for _ in head) + "|"]
    for r in rows:
        out.append("| " + " | ".join(fmt(x) for x in r) + " |")
    return "\n".join(out)


def markdown(res):
    m = res["machine"]
    L = []
    L.append("# imapwait benchmarks%s" % (" (BENCH_QUICK=1)" if QUICK
                                           else ""))
    L.append("")
    L.append("`make bench` on %s. Medians over repeated runs; every figure "
             "below comes from this run." % m.get("date"))
    L.append("")
    L.append(table(["machine", ""], [
        ["CPU", "%s, %s cores" % (m.get("cpu"), m.get("cores"))],
        ["memory", "%s MB" % m.get("memory_MB")],
        ["kernel", m.get("kernel")], ["system", m.get("os")],
        ["C library", m.get("libc")], ["compiler", m.get("cc")],
        ["mbedTLS", m.get("mbedtls")], ["server", m.get("dovecot") and
                                         "Dovecot " + m["dovecot"]],
        ["imapwait", "%s, imapwait.c at %s%s" % (
            m.get("imapwait"), m.get("imapwait_c_commit"),
            " (modified)" if m.get("imapwait_c_modified") else "")],
        ["alternatives", "%s; %s" % (m.get("getmail"), m.get("fetchmail"))],
        ["tools", "%s; %s; Python %s" % (m.get("perf"), m.get("strace"),
                                          m.get("python"))],
        ["load average", "%s at the start, %s at the end; 1-minute value "
         "as each part began: %s (the machine is shared: other work "
         "runs beside the benchmarks)" % (
             m.get("loadavg_start"), m.get("loadavg_end"),
             ", ".join("%s %s" % (k, v) for k, v in
                       (res.get("load_1min") or {}).items()))],
    ]))
    L.append("")
    L.append("CA certificates: the system bundle (%s certificates) with the "
             "test CA appended last, as `-C`, unless a row says otherwise. "
             "Server: the tests' private Dovecot (tests/dovecot.sh) on "
             "127.0.0.1, grown by bench/server.sh." % res["bundle_certs"])
    L.append("")
    L.append("## Targets")
    L.append("")
    L.append(table(["target", "goal", "measured", ""],
                   [[t["target"], t["goal"], t["value"],
                     "n/a" if t["hit"] is None else
                     ("hit" if t["hit"] else "**MISS**")]
                    for t in res["targets"]]))
    L.append("")
    L.append("## Time to ready (exec to IDLE accepted)")
    L.append("")
    rows = []
    for n, d in res["ready"].items():
        rows.append([n, d["median_ms"], d["min_ms"], d["max_ms"],
                     d.get("client_cpu_ms"), d["runs"]])
    L.append(table(["build", "median ms", "min ms", "max ms",
                    "imapwait's own CPU ms", "runs"], rows))
    L.append("")
    L.append("Untraced: a static launcher stamps CLOCK_MONOTONIC right "
             "before execve; the end is the moment the readiness byte "
             "(`-r`) is read here. The CPU column is imapwait's own "
             "(schedstat) from exec to ready; the rest of the wall time is "
             "spent waiting for the server.")
    L.append("")
    sp = res.get("split") or {}
    if sp:
        names = list(sp)
        phases = []
        for n in names:
            for p in sp[n]["phases"]:
                if p["phase"] not in phases:
                    phases.append(p["phase"])
        rows = []
        for ph in phases:
            rows.append([ph] + [next((p["median_ms"] for p in sp[n]["phases"]
                                      if p["phase"] == ph), None)
                                for n in names])
        rows.append(["total (traced)"] + [sp[n]["total_ms"] for n in names])
        L.append(table(["phase, in order (median ms)"] + names, rows))
        L.append("")
        L.append("Split with perf uprobes on main, mbedtls_ctr_drbg_seed, "
                 "getaddrinfo, mbedtls_ssl_handshake, mbedtls_x509_crt_verify "
                 "and mbedtls_ssl_write (the first 8 bytes of each command "
                 "name the IMAP step), plus the exec and the readiness write "
                 "from tracepoints; %d runs each. imapwait loads the CA "
                 "certificates after the handshake, when it knows the "
                 "server's issuer." % SPLIT_TRIALS)
        L.append("")
    L.append("## Reaction")
    L.append("")
    rows = []
    for n, d in res["reaction"].items():
        if n == "loop":
            continue
        rows.append([n, d["rename_exit_ms"], d["exists_exit_us"],
                     "%s to %s" % (fmt(d.get("exists_exit_us_min")),
                                   fmt(d.get("exists_exit_us_max"))),
                     d["wakeup_us"], d["user_us"], d.get("in_syscalls_us"),
                     d.get("page_faults"), d["kernel_exit_us"],
                     d.get("mm_teardown_us"), d.get("fsync_us"),
                     d.get("rename_us"),
                     "%d/%d" % (d["trials"] - d["failed"], d["trials"])])
    L.append(table(["imapwait", "rename to exit ms", "EXISTS to exit us",
                    "range us", "wakeup us", "running to exit_group us",
                    "of which in syscalls us", "page faults",
                    "exit_group to parent notified us",
                    "of which mm teardown us", "fsync us", "rename us",
                    "runs"], rows))
    L.append("")
    L.append("Medians of each column on its own (they need not add up). "
             "Tracing costs about a microsecond per recorded event; the "
             "wake path records about 15.")
    L.append("")
    for n in ("dynamic", "static"):
        w = res["reaction"].get(n + " -s", {}).get("exists_exit_us")
        wo = res["reaction"].get(n, {}).get("exists_exit_us")
        if w and wo:
            L.append("EXISTS to exit with `-s`, %s: %s us, beside %s us "
                     "without it (%.2f times; goal at most 1.3)." % (
                         n, fmt(w), fmt(wo), w / wo))
            L.append("")
    lp = res["reaction"].get("loop") or {}
    L.append("Through the loop (%s, hook = a static program that stamps "
             "CLOCK_MONOTONIC): rename to hook start %s ms, imapwait's exit "
             "to hook start %s ms (medians of %d)." % (
                 lp.get("kind"), fmt(lp.get("rename_hook_ms")),
                 fmt(lp.get("exit_hook_ms")),
                 lp.get("trials", 0) - lp.get("failed", 0)))
    L.append("")
    L.append("\"EXISTS to exit\" starts when the kernel wakes imapwait for "
             "the server's bytes (sched_waking) and ends when the parent is "
             "notified of the exit (SIGCHLD generated): system-wide perf "
             "tracepoints with CLOCK_MONOTONIC, no ptrace. Rename to exit "
             "includes Dovecot's own delay before it sends EXISTS (about "
             "0.5 s).")
    sc = (res["reaction"].get("dynamic") or {}).get("syscalls_wake_to_exit")
    if sc:
        L.append("")
        L.append("Syscalls from the wakeup to the exit (dynamic): %s." %
                 ", ".join(sc))
    sc = (res["reaction"].get("dynamic -s") or {}).get(
        "syscalls_wake_to_exit")
    if sc:
        L.append("With `-s`: %s." % ", ".join(sc))
    L.append("")
    L.append("## Footprint while idling")
    L.append("")
    rows = []
    for n, f in res["idle"]["footprint"].items():
        if f:
            rows.append([n, f["Private_Dirty_kB"], f["Pss_kB"], f["Rss_kB"],
                         f["VmHWM_kB"], f.get("Private_Dirty_kB_end")])
    L.append(table(["process", "Private_Dirty KB", "PSS KB", "RSS KB",
                    "VmHWM KB", "Private_Dirty after the window KB"], rows))
    L.append("")
    rows = []
    for n, b in res["binaries"].items():
        if b:
            rows.append([n, b["file_bytes"], b.get("text"), b.get("data"),
                         b.get("bss")])
    L.append(table(["binary", "file bytes", "text", "data", "bss"], rows))
    L.append("")
    for n, mp in (res["idle"].get("dirty_by_mapping") or {}).items():
        if mp and "test CA" not in n:
            L.append("Private_Dirty of %s by mapping: %s." % (
                n, ", ".join("%s %d KB" % (a, b) for a, b in mp)))
            L.append("")
    L.append("## Idle cost (%d s, no mail)" % WINDOW)
    L.append("")
    rows = []
    for n, d in res["idle"]["idle"].items():
        pf = d.get("perf") or {}
        sc = d.get("strace_c") or {}
        rows.append([n, None if pf.get("syscalls") is None
                     else int(pf["syscalls"]), sc.get("calls"),
                     d.get("voluntary_cs"), d.get("involuntary_cs"),
                     d.get("cpu_ms")])
    L.append(table(["process", "syscalls (perf)", "syscalls (strace -c, "
                    "a second instance)", "voluntary cs", "involuntary cs",
                    "CPU ms"], rows))
    L.append("")
    L.append("perf stat counts raw_syscalls:sys_enter of the process without "
             "stopping it; strace -c stops the process to attach, so it ran "
             "on a second, identical process, over the same window (an empty "
             "summary: not a single syscall). Context switches and CPU time "
             "(schedstat) are /proc deltas over the same window. These "
             "accounts have Dovecot's IDLE keepalive (`* OK Still here`, "
             "2 minutes by default) set to 29 minutes, so the window holds "
             "the client's own activity only; the scale accounts below keep "
             "the default.")
    L.append("")
    L.append("## Scale: one process per account")
    L.append("")
    rows = []
    for s in res["scale"]:
        rows.append(["%d %s" % (s["n"], s["binary"]), s.get("all_idle_s"),
                     s.get("private_dirty_total_MB"), s.get("pss_total_MB"),
                     s.get("processes_woken_in_window"),
                     s.get("client_cpu_ms_per_min"),
                     s.get("client_syscalls_per_min"),
                     s.get("client_cs_per_min"), s.get("first_exit_s"),
                     s.get("all_woken_s"), "%s/%s" % (s.get("woken"),
                                                      s["n"]),
                     s.get("server_pss_total_MB"),
                     s.get("server_cpu_ms_per_min")])
    L.append(table(["processes", "all idle s", "Private_Dirty total MB",
                    "PSS total MB", "woken by a keepalive in the window",
                    "client CPU ms/min idle",
                    "syscalls/min idle", "context switches/min idle",
                    "first exit s", "all exited s", "woken", "server PSS MB",
                    "server CPU ms/min idle"], rows))
    L.append("")
    for sc in res["scale"]:
        if sc.get("client_cpu_start_s") is not None:
            L.append("- %d %s, while starting: imapwait %s s of CPU (%s ms "
                     "each), Dovecot %s s, the spawner here %s s; %s s of "
                     "wall time on %s cores." % (
                         sc["n"], sc["binary"], fmt(sc["client_cpu_start_s"]),
                         fmt(sc.get("client_cpu_per_start_ms")),
                         fmt(sc.get("server_cpu_start_s")),
                         fmt(sc.get("spawner_cpu_s")),
                         fmt(sc.get("all_idle_s")),
                         res["machine"].get("cores")))
    L.append("")
    L.append("All started at once; \"all idle\" is from the first spawn to "
             "the last readiness byte. One message is renamed into each "
             "account's new/ as fast as possible (%s); exits are counted "
             "from the first rename. Idle figures are over %d s, with "
             "Dovecot's default 2-minute IDLE keepalive, which it spreads "
             "over the accounts: each keepalive wakes one process once, and "
             "a 2-minute window holds one per process.%s"
             % (
                 ", ".join("%s s for %d" % (fmt(s.get("deliver_s")), s["n"])
                           for s in res["scale"]), SCALE_WINDOW,
                 " The static run has no idle window (same code, same cost)."
                 if any("idle_window_s" not in s for s in res["scale"])
                 else ""))
    L.append("")
    wt = res.get("watchers") or {}
    if wt:
        L.append("## Watchers: Dovecot's EXISTS to the hook")
        L.append("")
        rows = []
        for n, label in (("imapwait", "imapwait, scripts/imapwait-loop"),
                         ("imapfilter", "imapfilter enter_idle() (%s)" %
                          (wt.get("imapfilter_version") or "n/a")),
                         ("python", "Python imaplib IDLE loop "
                          "(bench/pyidle.py)")):
            d = wt.get(n) or {}
            rows.append([label, d.get("exists_hook_us"),
                         d.get("rename_hook_ms"),
                         "%d/%d" % (d.get("trials", 0) - d.get("failed", 0),
                                    d.get("trials", 0))])
        L.append(table(["watcher", "EXISTS to hook start us",
                        "rename to hook start ms", "runs"], rows))
        L.append("")
        L.append("All three idle at once, each on an account of its own; "
                 "the deliveries take turns. The hook is the same static "
                 "stamp program: imapfilter starts it with os.execute() "
                 "(through /bin/sh), pyidle.py with subprocess.Popen before "
                 "its DONE, the loop as its hook. \"EXISTS\" is the "
                 "watcher's first wakeup after the rename (perf "
                 "sched_waking); rename to hook includes Dovecot's own "
                 "delay before it sends EXISTS.")
        L.append("")
    L.append("## The alternatives, same server, same run")
    L.append("")
    fp = res["idle"]["footprint"]
    idl = res["idle"]["idle"]
    ar = res["idle"]["alt_reaction"]
    rows = []
    for n, react in (("imapwait", (res["reaction"].get("loop") or {}).get(
            "rename_hook_ms")),
                     ("imapwait static", None),
                     ("getmail6", (ar.get("getmail6") or {}).get(
                         "rename_mda_ms")),
                     ("fetchmail", (ar.get("fetchmail") or {}).get(
                         "rename_mda_ms"))):
        f = fp.get(n) or {}
        d = idl.get(n) or {}
        pf = d.get("perf") or {}
        rows.append([n, react, f.get("Private_Dirty_kB"), f.get("Pss_kB"),
                     f.get("Rss_kB"), None if pf.get("syscalls") is None
                     else int(pf["syscalls"]),
                     None if "voluntary_cs" not in d else
                     d["voluntary_cs"] + d["involuntary_cs"],
                     d.get("cpu_ms")])
    L.append(table(["client", "rename to hook / MDA ms", "Private_Dirty KB",
                    "PSS KB", "RSS KB", "syscalls in %d s" % WINDOW,
                    "context switches", "CPU ms"], rows))
    L.append("")
    L.append("imapwait's reaction is to the start of the loop's hook, which "
             "would then fetch; getmail6 and fetchmail fetch the message "
             "themselves and the figure is to their MDA starting (the same "
             "stamp program), so theirs includes a fetch.")
    L.append("")
    return "\n".join(L)


def rv_variants():
    rv = [("dynamic", DYN, "s01", None),
          ("dynamic -s", DYN, "s03", os.path.join(TMP, "state", "s03"))]
    if STATIC:
        rv += [("static", STATIC, "s02", None),
               ("static -s", STATIC, "s04", os.path.join(TMP, "state",
                                                          "s04"))]
    return rv


def load(res, phase):
    with open("/proc/loadavg") as f:
        res.setdefault("load_1min", {})[phase] = float(f.read().split()[0])


def only(what):
    """BENCH_ONLY=ready,reaction,...: a partial run, for working on bench/."""
    o = ENV.get("BENCH_ONLY")
    return not o or what in o.split(",")


def main():
    syscall_names()
    os.makedirs(os.path.join(TMP, "state"), exist_ok=True)
    os.makedirs(RESULTS, exist_ok=True)
    t_begin = time.monotonic()
    res = {"quick": QUICK, "machine": machine()}
    with open(BUNDLE) as f:
        res["bundle_certs"] = f.read().count("BEGIN CERTIFICATE")
    perf = perf_ok()
    if not perf:
        say("perf is not usable here: traced figures are n/a")
    res["binaries"] = {"imapwait": binsize(DYN),
                       "imapwait static": binsize(STATIC)}
    variants = [("dynamic", DYN, "s01")]
    if STATIC:
        variants.append(("static", STATIC, "s02"))
    load(res, "ready")
    res["ready"] = bench_ready(variants)
    load(res, "split")
    if not res["ready"]["dynamic"]["runs"]:
        with open(os.path.join(TMP, "ready-s01.log")) as f:
            sys.exit("bench: imapwait never got ready:\n" +
                     "".join(f.readlines()[-5:]))
    res["split"] = bench_split(variants) if perf and only("split") else {}
    if ENV.get("BENCH_ONLY"):
        res["reaction"] = bench_reaction(rv_variants(), perf) \
            if only("reaction") else {}
        res["idle"] = bench_idle(perf) if only("idle") else {}
        res["watchers"] = bench_watchers(perf) if only("watchers") else {}
        res["scale"] = [bench_scale(n, DYN, SCALE_WINDOW) for n in SCALE] \
            if only("scale") else []
        with open(os.path.join(TMP, "partial.json"), "w") as f:
            json.dump(res, f, indent=1)
        say("partial run: %s" % os.path.join(TMP, "partial.json"))
        return
    load(res, "reaction")
    res["reaction"] = bench_reaction(rv_variants(), perf)
    load(res, "watchers")
    res["watchers"] = bench_watchers(perf)
    load(res, "idle")
    res["idle"] = bench_idle(perf)
    res["scale"] = []
    for n in SCALE:
        load(res, "scale %d" % n)
        res["scale"].append(bench_scale(n, DYN, SCALE_WINDOW))
    if SCALE_STATIC:
        load(res, "scale %d static" % SCALE[-1])
        res["scale"].append(bench_scale(SCALE[-1], STATIC, 0))
    with open("/proc/loadavg") as f:
        res["machine"]["loadavg_end"] = " ".join(f.read().split()[:3])
    res["targets"] = judge(res)
    res["duration_s"] = round(time.monotonic() - t_begin)
    md = markdown(res)
    with open(os.path.join(RESULTS, "latest.json"), "w") as f:
        json.dump(res, f, indent=1, sort_keys=False)
        f.write("\n")
    with open(os.path.join(RESULTS, "latest.md"), "w") as f:
        f.write(md)
    print(md)
    say("done in %d s: %s, %s" % (res["duration_s"],
                                   os.path.join(RESULTS, "latest.md"),
                                   os.path.join(RESULTS, "latest.json")))


if __name__ == "__main__":
    main()
