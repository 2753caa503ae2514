#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""soakrelay.py: a TCP relay on 127.0.0.1 that can go silent, for the soak.

    soakrelay.py CONTROL UPSTREAM NAME:PORT...

Each NAME:PORT listens on 127.0.0.1:PORT and forwards every connection to
127.0.0.1:UPSTREAM, byte for byte (the TLS passes through untouched).  A
NAME is "A.iw" or "A.gm": the imapwait and the getmail port of account A.

CONTROL is a unix socket that takes one command per line and answers "ok"
or "error ...":

    cut A       account A's network dies silently: its open connections
                stop forwarding in both directions without a FIN or RST
                (as a NAT box that forgot them), new ones are accepted and
                then hear nothing; the server side is closed.  A client
                learns of it only by its own deadlines.
    restore A   new connections of A work again; the ones that were cut
                stay dead (the NAT forgot them), until their client closes
    refuse A    A's getmail port closes every new connection at once (the
                fetch fails; imapwait's port is untouched)
    accept A    ends refuse
    stats       "ok conns=N dead=N accepted=N"

When the upstream cannot be reached (the server is stopped), a client
connection is closed at once, as a refused connection would be.  Runs in
the foreground until SIGTERM or SIGINT; one thread, one select loop.
"""

import os
import selectors
import signal
import socket
import sys

BUF = 65536
MAXBUF = 1 << 20        # unread bytes held for one side before it stops reading

sel = selectors.DefaultSelector()
cut = set()             # accounts whose network is dead
refused = set()         # accounts whose getmail port refuses
pairs = []              # live Pair objects
stats = {"accepted": 0}


class Pair:
    """A client connection and, unless dead, its upstream."""

    def __init__(self, account, client, upstream):
        self.account = account
        self.client = client
        self.upstream = upstream
        self.dead = upstream is None
        self.out = {client: b"", upstream: b""} if upstream else {client: b""}
        self.peer = {client: upstream, upstream: client} if upstream else {}
        self.eof = set()        # sides that sent their FIN
        self.shut = set()       # sides we sent a FIN to
        self.idle = set()       # sides with nothing to wait for, unregistered
        pairs.append(self)
        for s in self.out:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, self)

    def other(self, s):
        return self.peer[s]

    def kill(self):
        """The network forgets the connection: the client hears nothing
        more, the upstream is closed."""
        if self.dead:
            return
        self.dead = True
        up = self.upstream
        self.upstream = None
        if up in self.idle:
            self.idle.discard(up)
        else:
            sel.unregister(up)
        up.close()
        if self.client in self.idle:
            self.idle.discard(self.client)
            sel.register(self.client, selectors.EVENT_READ, self)
        self.out = {self.client: b""}
        self.peer = {}
        sel.modify(self.client, selectors.EVENT_READ, self)

    def close(self):
        for s in list(self.out):
            if s not in self.idle:
                try:
                    sel.unregister(s)
                except (KeyError, ValueError):
                    pass
            s.close()
        self.idle = set()
        self.out = {}
        if self in pairs:
            pairs.remove(self)

    def update(self):
        if self.dead:
            return
        for s in self.out:
            peer = self.other(s)
            if self.out[s] == b"" and peer in self.eof and s not in self.shut:
                # what the peer sent before its FIN is through: pass it on
                self.shut.add(s)
                try:
                    s.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
        if len(self.eof) == 2 and not any(self.out.values()):
            self.close()
            return
        for s in self.out:
            ev = 0
            # stop reading a side whose peer is not draining
            if s not in self.eof and len(self.out[self.other(s)]) < MAXBUF:
                ev |= selectors.EVENT_READ
            if self.out[s]:
                ev |= selectors.EVENT_WRITE
            if s in self.idle:
                if ev:
                    self.idle.discard(s)
                    sel.register(s, ev, self)
            elif ev:
                sel.modify(s, ev, self)
            else:
                sel.unregister(s)
                self.idle.add(s)

    def event(self, s, mask):
        if s not in self.out:
            return          # closed earlier in this round of events
        if self.dead:
            # read and drop what the client sends, until it gives up
            try:
                if not s.recv(BUF):
                    self.close()
            except OSError:
                self.close()
            return
        try:
            if mask & selectors.EVENT_READ:
                data = s.recv(BUF)
                if data:
                    self.out[self.other(s)] += data
                else:
                    self.eof.add(s)
            if mask & selectors.EVENT_WRITE and self.out[s]:
                n = s.send(self.out[s])
                self.out[s] = self.out[s][n:]
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            self.close()
            return
        self.update()


class Listener:
    def __init__(self, name, port, upstream):
        self.account, self.kind = name.rsplit(".", 1)
        self.upstream = upstream
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(128)
        self.sock.setblocking(False)
        sel.register(self.sock, selectors.EVENT_READ, self)

    def event(self, s, mask):
        try:
            c, _ = self.sock.accept()
        except (BlockingIOError, InterruptedError):
            return
        stats["accepted"] += 1
        if self.account in cut:
            Pair(self.account, c, None)
            return
        if self.kind == "gm" and self.account in refused:
            c.close()
            return
        u = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        u.settimeout(2)
        try:
            u.connect(("127.0.0.1", self.upstream))
        except OSError:
            u.close()
            # as the server's own refusal would: a reset, not a FIN
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         b"\x01\x00\x00\x00\x00\x00\x00\x00")
            c.close()
            return
        Pair(self.account, c, u)


class Control:
    def __init__(self, path):
        if os.path.exists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        os.chmod(path, 0o600)
        self.sock.listen(8)
        self.sock.setblocking(False)
        sel.register(self.sock, selectors.EVENT_READ, self)

    def event(self, s, mask):
        if s is self.sock:
            c, _ = self.sock.accept()
            c.setblocking(True)
            c.settimeout(5)
            try:
                line = b""
                while not line.endswith(b"\n") and len(line) < 256:
                    d = c.recv(256)
                    if not d:
                        break
                    line += d
                c.sendall((command(line.decode(errors="replace").split())
                           + "\n").encode())
            except OSError:
                pass
            c.close()


def command(words):
    if words == ["stats"]:
        return "ok conns=%d dead=%d accepted=%d" % (
            len(pairs), sum(p.dead for p in pairs), stats["accepted"])
    if len(words) != 2:
        return "error: usage: cut|restore|refuse|accept ACCOUNT | stats"
    verb, a = words
    if verb == "cut":
        cut.add(a)
        for p in list(pairs):
            if p.account == a:
                p.kill()
    elif verb == "restore":
        cut.discard(a)
    elif verb == "refuse":
        refused.add(a)
    elif verb == "accept":
        refused.discard(a)
    else:
        return "error: unknown command " + verb
    return "ok"


def main():
    if len(sys.argv) < 4:
        sys.stderr.write("usage: soakrelay.py CONTROL UPSTREAM NAME:PORT...\n")
        sys.exit(100)
    upstream = int(sys.argv[2])
    for spec in sys.argv[3:]:
        name, port = spec.rsplit(":", 1)
        Listener(name, int(port), upstream)
    Control(sys.argv[1])
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    print("ready", flush=True)
    while not stop:
        for key, mask in sel.select(1.0):
            key.data.event(key.fileobj, mask)


if __name__ == "__main__":
    main()
