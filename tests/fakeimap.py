#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""fakeimap: a scriptable IMAP server for imapwait's fault tests.

    fakeimap.py --scenario NAME --port-file FILE [--record FILE]
                [--mode tls|plain|starttls] [--cert PEM --key PEM]
                [--host 127.0.0.1] [--port 0] [--connections 1]
                [--timeout 60] [--verbose]
    fakeimap.py --list

It listens on HOST:PORT (port 0: a free one), writes the port it got to
--port-file once it listens (written whole, by rename), serves
--connections connections, one thread each, then exits; after --timeout
seconds it exits whatever is going on.  Every line the client sent is
appended to --record, escaped (bytes outside printable ASCII as \\xNN),
one per line; events the server noticed are lines starting with "# "
("# 1 accepted", "# 1 tls TLSv1.3", "# 1 eof", ...).  A test can grep
the record to prove that no LOGIN or AUTHENTICATE was ever sent.  For
TLS it records "# N sni NAME" (or "# N sni none": no server_name sent),
"# N tls VERSION" once the handshake completed, and "# N alert NAME"
(e.g. unknown_ca, bad_certificate) when the client aborted the handshake
with a fatal alert.

Modes: tls (implicit TLS, the default), plain (no TLS at all, e.g. a
plaintext server on the TLS port), starttls (plaintext until STARTTLS).

A scenario is an entry in SCENARIOS: a dict from an event to the steps
the server takes then.  Events, in the order of a session:

    tcp         after accept, before anything (in tls mode: before the
                handshake)
    greeting    the server's first words
    capability  answer to CAPABILITY
    starttls    answer to STARTTLS (the handshake follows in starttls mode)
    login       answer to LOGIN, and to AUTHENTICATE after its exchange
    examine     answer to EXAMINE and SELECT
    idle        answer to IDLE; once it has sent a "+" line, the server is
                idling: it plays "idling", then waits for DONE
    idling      while idling; ends early when DONE arrives
    done        answer to DONE
    logout      answer to LOGOUT
    status, noop   answers to STATUS and NOOP

Two more keys are strings: caps (the capabilities, in TLS) and
caps_before_tls (in starttls mode, before the handshake).  The keys
exists, uidnext and uidvalidity set the mailbox ("{exists}" etc. and the
answers to UID FETCH, SEARCH and STATUS): a number, or a list of numbers,
one per connection (the last one holds for later connections).

A step is a str (sent as one write, CRLF appended; "{tag}", "{caps}",
"{exists}", "{uidnext}", "{uidvalidity}" are replaced), bytes (sent as
they are, "{tag}" replaced) or a function of the connection (see the
step helpers: sleep, stall, hangup, reset, read_hello, repeat, stream,
from_connection, split_send).
A key missing from a scenario takes its value from DEFAULT, a small,
correct server: mailbox INBOX with 3 messages, UIDVALIDITY 1, UIDNEXT 4.
"""

import argparse
import math
import os
import re
import select
import socket
import ssl
import struct
import sys
import threading
import time

MAX_LINE = 1 << 20          # a longer client line is cut and recorded
MAX_CLIENT_LITERAL = 1 << 16
HANDSHAKE_TIMEOUT = 10.0
EXISTS, UIDNEXT, UIDVALIDITY = 3, 4, 1


class Closed(Exception):
    """The client went away (EOF, reset, failed handshake)."""


class Done(Exception):
    """The client sent DONE while the server was idling."""


class Hangup(Exception):
    """A step closed the connection."""


# ---------------------------------------------------------------- steps

def sleep(seconds):
    """Wait, still reading (and recording) what the client sends."""
    def step(c):
        c.wait(seconds)
    step.__name__ = 'sleep(%g)' % seconds
    return step


def stall(c):
    """Never say anything again; ends when the client leaves."""
    c.wait(math.inf)


def hangup(c):
    """Close the connection (a FIN; no BYE)."""
    raise Hangup()


def reset(c):
    """Abort the connection with a TCP RST: SO_LINGER {1, 0} on the socket
    that owns the descriptor, then a close without TLS close_notify.
    Under TLS that is the wrapped socket (wrap_socket detached c.raw)."""
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                      struct.pack('ii', 1, 0))
    c.event('reset')
    raise Hangup()


def read_hello(c):
    """Before TLS: wait for the client's first bytes (its ClientHello)."""
    data = c.recv(timeout=HANDSHAKE_TIMEOUT)
    c.event('%d bytes before TLS' % len(data))


def repeat(lines, interval, duration):
    """Send the block `lines` every `interval` s for `duration` s."""
    block = ''.join(line + '\r\n' for line in lines).encode()

    def step(c):
        start = time.monotonic()
        n = 0
        while time.monotonic() - start < duration:
            c.send(block)
            n += 1
            c.wait(start + n * interval - time.monotonic())
        c.event('repeat sent %d blocks' % n)
    step.__name__ = 'repeat'
    return step


def stream(prefix, pattern, total, suffix=b''):
    """Send prefix, then `total` bytes made of `pattern` repeated, then
    suffix, without ever holding more than one pattern in memory."""
    def step(c):
        c.send(prefix)
        sent = 0
        while sent < total:
            chunk = pattern if total - sent >= len(pattern) \
                else pattern[:total - sent]
            c.send(chunk, log=False)
            sent += len(chunk)
        c.send(suffix)
        c.event('streamed %d bytes' % sent)
    step.__name__ = 'stream'
    return step


def from_connection(n, *steps):
    """Play steps only on the n-th connection and later ones."""
    def step(c):
        if c.n >= n:
            for s in steps:
                c.play(s)
    step.__name__ = 'from_connection(%d)' % n
    return step


def on_connection(n, *steps):
    """Play steps only on the n-th connection."""
    def step(c):
        if c.n == n:
            for s in steps:
                c.play(s)
    step.__name__ = 'on_connection(%d)' % n
    return step


def split_send(*parts, pause=0.2):
    """Send parts (bytes) with a pause between them, so that one response
    arrives in several reads."""
    def step(c):
        for i, part in enumerate(parts):
            if i:
                c.wait(pause)
            c.send(part)
    step.__name__ = 'split_send'
    return step


# ------------------------------------------------------------ scenarios

CAPS = 'IMAP4rev1 IDLE AUTH=PLAIN'
EXAMINE_OK = [
    '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)',
    '* OK [PERMANENTFLAGS ()] Read-only mailbox.',
    '* {exists} EXISTS',
    '* 0 RECENT',
    '* OK [UIDVALIDITY {uidvalidity}] UIDs valid',
    '* OK [UIDNEXT {uidnext}] Predicted next UID',
    '{tag} OK [READ-ONLY] Examine completed.',
]
NEW_MAIL = '* 4 EXISTS'
CUT = b'Subject: x\r\n* 99 EXISTS\r\nX-Pad: 123456\r\n'
LITERAL = b'Subject: x\r\n* 9 EXISTS\r\n* 10 EXISTS\r\n)\r\n* 11 EXISTS\r\n'

DEFAULT = {
    'caps': CAPS,
    'caps_before_tls': 'IMAP4rev1 STARTTLS LOGINDISABLED',
    'tcp': [],
    'greeting': ['* OK [CAPABILITY {caps}] fakeimap ready.'],
    'capability': ['* CAPABILITY {caps}', '{tag} OK Capability completed.'],
    'starttls': ['{tag} OK Begin TLS negotiation now.'],
    'login': ['{tag} OK [CAPABILITY {caps}] Logged in'],
    'examine': EXAMINE_OK,
    'status': ['* STATUS INBOX (MESSAGES {exists} UIDNEXT {uidnext} '
               'UIDVALIDITY {uidvalidity})', '{tag} OK Status completed.'],
    'idle': ['+ idling'],
    'idling': [],
    'done': ['{tag} OK Idle completed.'],
    'noop': ['{tag} OK NOOP completed.'],
    'logout': ['* BYE Logging out', '{tag} OK Logout completed.', hangup],
}

# Each scenario: what it plays, and in a comment what a correct client does.
SCENARIOS = {
    # a correct server that never has new mail: idles until the client ends
    'normal': {},
    # a correct server; new mail 1 s into IDLE: exit 0 "new mail (3 -> 4)"
    'new-mail': {'idling': [sleep(1), NEW_MAIL]},
    # no new mail on the first connection; on the later ones 1 s into IDLE
    'new-mail-later': {'idling': [from_connection(2, sleep(1), NEW_MAIL)]},

    # --- capabilities, login, mailbox ------------------------------- 100/111
    'no-idle': {'caps': 'IMAP4rev1 AUTH=PLAIN',
                'idle': ['{tag} BAD Unknown command IDLE']},          # 100
    'logindisabled': {'caps': 'IMAP4rev1 IDLE LOGINDISABLED',
                      'login': ['{tag} NO [PRIVACYREQUIRED] '
                                'Plaintext login disallowed']},      # 100
    'logindisabled-plain': {'caps': 'IMAP4rev1 IDLE LOGINDISABLED AUTH=PLAIN',
                            'idling': [sleep(1), NEW_MAIL]},         # 0, AUTHENTICATE
    'auth-failed': {'login': ['{tag} NO [AUTHENTICATIONFAILED] '
                              'Authentication failed.']},           # 100
    'login-unavailable': {'login': ['{tag} NO [UNAVAILABLE] '
                                    'Temporary authentication failure.']},  # 111
    'login-stall': {'login': [stall]},                                # 111 -w
    'unknown-tag-login': {'login': ['X999 OK [CAPABILITY {caps}] not yours',
                                    '{tag} NO [AUTHENTICATIONFAILED] '
                                    'Authentication failed.']},     # 111
    'greeting-bye': {'greeting': ['* BYE [UNAVAILABLE] Server shutting down.',
                                  hangup]},                           # 111
    'greeting-stall': {'greeting': [stall]},                          # 111 -w
    'preauth': {'greeting': ['* PREAUTH [CAPABILITY {caps}] Logged in as alice'],
                'idling': [sleep(1), NEW_MAIL]},                     # 0, no LOGIN
    # the same, idling until the client ends it
    'preauth-idle': {'greeting': ['* PREAUTH [CAPABILITY {caps}] '
                                  'Logged in as alice']},
    'examine-no': {'examine': ['{tag} NO [NONEXISTENT] Mailbox does not exist']},
    # UTF-8 in the server's words, then an escape sequence and a bad byte
    'examine-no-utf8': {'examine': [b'{tag} NO [NONEXISTENT] Postfach '
                                    b'\xe2\x80\x9eEntw\xc3\xbcrfe\xe2\x80\x9c fehlt '
                                    b'\x1b[2J \xff\r\n']},
    'examine-bad': {'examine': ['{tag} BAD Invalid mailbox name']},   # 100
    'examine-unavailable': {'examine': ['{tag} NO [UNAVAILABLE] '
                                        'Mailbox is locked']},       # 111
    'examine-stall': {'examine': ['* FLAGS ()', stall]},              # 111 -w
    'idle-no': {'idle': ['{tag} NO IDLE not allowed now']},            # 100
    'idle-bad': {'idle': ['{tag} BAD Unknown command']},               # 100
    'idle-no-continuation': {'idle': [stall]},                        # 111 -w
    'idle-bye': {'idling': [sleep(0.5), '* BYE Server shutting down.',
                            hangup]},                                 # 111
    'idle-eof': {'idling': [sleep(0.5), hangup]},                     # 111
    'idle-reset': {'idling': [sleep(0.5), reset]},                    # 111

    # --- what is and is not new mail ---------------------------------------
    # an EXISTS after every EXPUNGE, with the count the client already
    # knows: no wake for 5 s; then 1 -> 2 is new mail
    'expunge-exists': {'idling': [
        sleep(0.2), '* 3 EXISTS',
        sleep(0.2), '* 3 EXPUNGE', '* 2 EXISTS',
        sleep(0.2), '* 2 EXISTS', '* 1 EXPUNGE\r\n* 1 EXISTS',
        sleep(0.2), '* 1 EXISTS', '* 0 RECENT',
        sleep(4.2), '* 2 EXISTS']},
    # keepalives every 100 ms for 6 s, then new mail
    'still-here': {'idling': [repeat(['* OK Still here'], 0.1, 6.0),
                              NEW_MAIL]},
    # flag changes for 5 s, then new mail
    'fetch-flags': {'idling': [repeat([
        '* 1 FETCH (FLAGS (\\Seen))',
        '* 2 FETCH (UID 2 FLAGS (\\Deleted \\Seen $Forwarded))',
        '* 3 FETCH (FLAGS ())',
        '* 0 RECENT'], 0.1, 5.0), NEW_MAIL]},
    # mail after EXAMINE's OK, before the client's IDLE: exit 0 at once
    'exists-after-examine': {'examine': EXAMINE_OK + [NEW_MAIL],
                             'idling': []},
    # mail reported in answer to IDLE, before its "+"
    'exists-before-continuation': {'idle': [NEW_MAIL, '+ idling']},
    # a literal whose text looks like responses, sent in three pieces:
    # no wake for 5 s, then 3 -> 4 is new mail
    'literal-exists': {'idling': [
        sleep(0.2),
        split_send(b'* 1 FETCH (UID 1 BODY[HEADER] {%d}\r\n' % len(LITERAL),
                   LITERAL[:24], LITERAL[24:] + b')\r\n'),
        sleep(4.5), NEW_MAIL]},

    # --- hostile input ------------------------------------------- 111 mostly
    # 100 MiB of one line without CRLF during IDLE: protocol error
    'huge-line': {'idling': [
        stream(b'* OK ', b'x' * 65536, 100 << 20, b'\r\n'), stall]},
    # the same in the greeting
    'huge-greeting': {'greeting': [
        stream(b'* OK ', b'x' * 65536, 100 << 20, b'\r\n'), stall]},
    # a literal announcing 4 GiB whose text is EXISTS lines: a client that
    # believed the size was 0 (32 bits) would wake
    'huge-literal': {'idling': [
        stream(b'* 1 FETCH (BODY[] {4294967296}\r\n',
               b'* 99 EXISTS\r\n' * 5000, 4 << 30, b')\r\n'), stall]},
    # a literal of 15 MiB (under a 16 MiB limit) whose text is EXISTS
    # lines, then new mail: skipped through a small buffer, then 3 -> 4
    'big-literal': {'idling': [
        stream(b'* 1 FETCH (BODY[] {15728640}\r\n',
               b'* 99 EXISTS\r\n' * 4096, 15 << 20, b')\r\n'),
        sleep(1), NEW_MAIL]},
    # a literal size past 2^64 (2^64 + 1 wraps to 1)
    'literal-overflow': {'idling': [
        '* 1 FETCH (BODY[] {18446744073709551617}\r\nx)\r\n* 9 EXISTS',
        stall]},
    # NUL bytes in a line, then new mail: a protocol error at the first
    # NUL, 111
    'nul': {'idling': [b'* OK Still\x00here\x00\r\n', b'* 9\x00 EXISTS\r\n',
                       sleep(1), NEW_MAIL]},
    # invalid UTF-8 in resp-text (text, never parsed), then new mail: 0
    'bad-utf8': {'idling': [
        b'* OK \xff\xfe \xc3\x28 \xed\xa0\x80 \xf8\x88\x80\x80\x80 bad\r\n',
        sleep(1), NEW_MAIL]},
    # 2^64 + 4: wraps to 4 in 64 bits, which would look like new mail
    'big-number': {'idling': ['* 18446744073709551620 EXISTS', stall]},
    # many digits
    'long-number': {'idling': ['* ' + '9' * 400 + ' EXISTS', stall]},
    # -1: strtoul makes it ULONG_MAX, which would look like new mail;
    # malformed: 111
    'negative-number': {'idling': ['* -1 EXISTS', sleep(1), NEW_MAIL]},
    # a tagged response nobody asked for, then new mail: 111
    'unknown-tag': {'idling': ['X999 OK [ALERT] not yours', sleep(1),
                               NEW_MAIL]},
    # 10,000 untagged lines a second for 6 s (none of them new mail),
    # then new mail
    'flood': {'idling': [repeat([
        '* OK Still here',
        '* 1 FETCH (FLAGS (\\Seen))',
        '* 3 EXISTS',
        '* 2 FETCH (FLAGS ())',
        '* 0 RECENT'] * 20, 0.01, 6.0), NEW_MAIL]},

    # lines of 4088 to 4097 and 8183 to 8190 characters (off-by-one bait
    # for the 8 KiB line buffer; CRLF not counted), then new mail: 0
    'line-boundary': {'idling': [
        '* OK ' + 'x' * (n - 5) for n in list(range(4088, 4098)) +
        list(range(8183, 8191))] + [sleep(1), NEW_MAIL]},
    # then one of 8193: response too long, 111
    'line-too-long': {'idling': [
        '* OK ' + 'x' * (n - 5) for n in (8190, 8193)] + [sleep(1),
                                                         NEW_MAIL]},
    # literals of 0 and 1 bytes, two in one response, one right at the end
    # of a line, then new mail: 0
    'odd-literals': {'idling': [
        b'* 1 FETCH (BODY[1] {0}\r\n BODY[2] {1}\r\n* BODY[3] {2}\r\n\r\n)\r\n',
        b'* 2 FETCH (BODY[] {12}\r\n* 9 EXISTS\r\n)\r\n',
        sleep(1), NEW_MAIL]},
    # degenerate lines while idling: see ODD_BAD and ODD_OK below, one
    # scenario each ("odd-NAME")
    # a bare "* OK" greeting (the text is optional in RFC 9051, and
    # seen): accepted, 0 on the new mail
    'greeting-bare': {'greeting': ['* OK'], 'idling': [sleep(1), NEW_MAIL]},
    # the server ends IDLE by itself (a tagged OK without DONE): 111
    'idle-ended': {'idling': [sleep(0.5), '{tag} OK Idle terminated.']},

    # --- no lost wakeups (issue 9), with a state file (-s) -----------------
    # an offline wake (the test's state says UIDNEXT 2), then a reset in
    # answer to LOGOUT: still 0, and the state says PENDING 1
    'wake-logout-reset': {'logout': [reset]},
    # "UID" inside FLAGS (a keyword any client may set) is no UID; then new
    # mail: 0, state UIDNEXT 5
    'fetch-flags-uid': {'idling': [sleep(0.5),
                                   '* 2 FETCH (FLAGS (\\Seen UID 99999))',
                                   sleep(1), NEW_MAIL]},
    # an unsolicited [UIDNEXT 5] while idling, then the message it
    # announced: one arrival, state UIDNEXT 5 (a floor, not 4 + 1 + 1)
    'uidnext-floor': {'idling': [sleep(0.5), '* OK [UIDNEXT 5] Predicted',
                                 sleep(0.5), NEW_MAIL]},
    # new mail in the answer to the DONE after the -t deadline: 0
    'timeout-exists-done': {'done': [NEW_MAIL, '{tag} OK Idle completed.']},
    # new mail in the answer to the LOGOUT after the -t deadline: 0
    'timeout-exists-logout': {'logout': [NEW_MAIL, '* BYE Logging out',
                                         '{tag} OK Logout completed.',
                                         hangup]},
    # a second, higher EXISTS inside the EXAMINE response, before [UIDNEXT]
    # (which already counts it): new mail, state UIDNEXT 5, not 6
    'examine-exists-twice': {'uidnext': 5, 'examine': [
        '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)',
        '* 3 EXISTS', '* 4 EXISTS', '* 0 RECENT',
        '* OK [UIDVALIDITY {uidvalidity}] UIDs valid',
        '* OK [UIDNEXT {uidnext}] Predicted next UID',
        '{tag} OK [READ-ONLY] Examine completed.']},
    # the same after [UIDNEXT 4]: new mail, state UIDNEXT 5
    'examine-exists-after-uidnext': {'examine': [
        '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)',
        '* 3 EXISTS', '* 0 RECENT',
        '* OK [UIDVALIDITY {uidvalidity}] UIDs valid',
        '* OK [UIDNEXT {uidnext}] Predicted next UID', NEW_MAIL,
        '{tag} OK [READ-ONLY] Examine completed.']},
    # a literal cut by the -t deadline: its first 12 bytes ("Subject:
    # x\r\n"), a stall past the deadline, then (in answer to DONE) the
    # other 28, which start with "* 99 EXISTS\r\n": exit 2, never "new
    # mail (3 -> 99)"
    'literal-deadline': {
        'idling': [sleep(0.3), b'* 1 FETCH (BODY[] {40}\r\n' + CUT[:12]],
        'done': [CUT[12:] + b')\r\n', '{tag} OK Idle completed.']},
    # UIDNEXT 2^32 - 1, then one arrival (first connection only): the state
    # keeps 4294967295; the next run reads it and idles
    'uidnext-max': {'uidnext': 4294967295, 'exists': [3, 4],
                    'idling': [on_connection(1, sleep(1), NEW_MAIL)]},
    # no [UIDNEXT] and an empty mailbox (the test's state says UIDNEXT 5),
    # one delivery on the first connection; the second sees it, UID 5
    'no-uidnext-empty': {'exists': [0, 1], 'uidnext': [5, 6],
                         'examine': [l for l in EXAMINE_OK
                                     if 'UIDNEXT' not in l],
                         'idling': [on_connection(1, sleep(1),
                                                  '* 1 EXISTS')]},
    # a count past 2^32 (4294967300 is 4 in 32 bits): protocol error, 111
    'exists-past-32bit': {'idling': ['* 4294967300 EXISTS', stall]},
    # no answer to the DONE (the test times out with -t 1, then SIGTERM)
    'done-stall': {'done': [stall]},
    # a reset in answer to DONE (the test sends SIGTERM while idling)
    'done-reset': {'done': [reset]},
    # new mail on the first connection (3 -> 4, UIDNEXT 5); later ones
    # have 4 messages, UIDNEXT 5, and no new mail
    'power-cut': {'exists': [3, 4], 'uidnext': [4, 5],
                  'idling': [on_connection(1, sleep(1), NEW_MAIL)]},

    # --- dead peers ---------------------------------------------------- 111
    # accepts TCP, never reads, never speaks
    'silent': {'tcp': [stall]},
    # reads the ClientHello, never answers it
    'tls-stall': {'tcp': [read_hello, stall]},

    # --- STARTTLS (-S) -----------------------------------------------------
    # plaintext until STARTTLS, then a correct server with new mail
    'starttls': {'idling': [sleep(1), NEW_MAIL]},
    # no STARTTLS, and plaintext LOGIN offered: 100, nothing sent in clear
    'no-starttls': {'caps_before_tls': 'IMAP4rev1 IDLE AUTH=PLAIN',
                    'starttls': ['{tag} BAD Unknown command']},
    # lines after "OK Begin TLS" in the same write, before the handshake:
    # a client that kept them would see no IDLE or a BYE
    'starttls-inject': {
        'starttls': ['{tag} OK Begin TLS negotiation now.\r\n'
                     '* CAPABILITY IMAP4rev1 injected\r\n'
                     '* BYE injected\r\n'
                     '{tag} OK [CAPABILITY IMAP4rev1] injected'],
        'idling': [sleep(1), NEW_MAIL]},

    # --- OAuth2 (-a xoauth2, -a oauthbearer) and more STARTTLS -------------
    # both mechanisms with SASL-IR; the test reads the initial response
    # from the record; new mail 1 s into IDLE: exit 0
    'oauth': {'caps': 'IMAP4rev1 IDLE AUTH=XOAUTH2 AUTH=OAUTHBEARER SASL-IR',
              'idling': [sleep(1), NEW_MAIL]},
    # the same without SASL-IR: the initial response comes after a "+"
    'oauth-no-sasl-ir': {'caps': 'IMAP4rev1 IDLE AUTH=XOAUTH2 AUTH=OAUTHBEARER',
                         'idling': [sleep(1), NEW_MAIL]},
    # a rejected token: the error challenge (RFC 7628 3.2.2; base64 of
    # {"status":"invalid_token","schemes":"bearer",
    # "scope":"https://mail.example.org/"}), the client's dummy reply
    # (recorded as "# N sasl reply [...]"), then NO: 100
    'oauth-invalid': {
        'caps': 'IMAP4rev1 IDLE AUTH=XOAUTH2 AUTH=OAUTHBEARER SASL-IR',
        'login': ['+ eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NoZW1lcyI6ImJlYXJl'
                  'ciIsInNjb3BlIjoiaHR0cHM6Ly9tYWlsLmV4YW1wbGUub3JnLyJ9',
                  lambda c: c.event('sasl reply [%s]' % escape(c.readline())),
                  '{tag} NO [AUTHENTICATIONFAILED] Invalid credentials']},
    # the same exchange, ending in NO [UNAVAILABLE]: 111
    'oauth-unavailable': {
        'caps': 'IMAP4rev1 IDLE AUTH=XOAUTH2 AUTH=OAUTHBEARER SASL-IR',
        'login': ['+ eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NoZW1lcyI6ImJlYXJl'
                  'ciIsInNjb3BlIjoiaHR0cHM6Ly9tYWlsLmV4YW1wbGUub3JnLyJ9',
                  lambda c: c.event('sasl reply [%s]' % escape(c.readline())),
                  '{tag} NO [UNAVAILABLE] Token service unavailable']},
    # after "OK Begin TLS", in the same write: capabilities without
    # AUTH=PLAIN and with LOGINDISABLED, and "a2 OK", the reply a client
    # that kept them would take for its next command (CAPABILITY, a2; the
    # STARTTLS is a1): it would find no way to log in (100) or an
    # unexpected tag; a correct client asks again and gets new mail: 0
    'starttls-inject-caps': {
        'starttls': ['{tag} OK Begin TLS negotiation now.\r\n'
                     '* CAPABILITY IMAP4rev1 IDLE LOGINDISABLED\r\n'
                     'a2 OK injected'],
        'idling': [sleep(1), NEW_MAIL]},
}

# One degenerate line while idling, then new mail.  Malformed (111, never
# a wake from the line itself): empty, "*", "* ", a bare tag, a number
# without a keyword, a keyword without its number, counts that strtoul
# would read as 9 (+9, 0x9 with base 0, 9e0, 9.0).
ODD_BAD = [('empty', ''), ('star', '*'), ('star-space', '* '),
           ('tag', 'a'), ('tag-number', 'a1'), ('count', '* 9'),
           ('count-space', '* 9 '), ('no-count', '* EXISTS'),
           ('plus-count', '* +9 EXISTS'), ('hex-count', '* 0x9 EXISTS'),
           ('exp-count', '* 9e0 EXISTS'), ('dot-count', '* 9.0 EXISTS')]
# Harmless, ignored: 0 on the real EXISTS.  "* OK" without text (RFC 9051
# makes the text optional), a bare "+" and a second continuation.
ODD_OK = [('ok-bare', '* OK'), ('cont-bare', '+'), ('cont-again', '+ again')]
for _name, _line in ODD_BAD + ODD_OK:
    SCENARIOS['odd-' + _name] = {'idling': [_line, sleep(1), NEW_MAIL]}


# ----------------------------------------------------------- the server

def escape(data):
    """Bytes as one printable line: \\xNN for anything else."""
    return ''.join(chr(b) if 32 <= b < 127 and b != 92 else
                   '\\\\' if b == 92 else '\\x%02x' % b for b in data)


class Server:
    def __init__(self, args):
        self.args = args
        self.scenario = dict(DEFAULT, **SCENARIOS[args.scenario])
        self.lock = threading.Lock()
        self.recfile = open(args.record, 'a', encoding='ascii') \
            if args.record else None
        self.ctx = None
        self.local = threading.local()  # the Conn in this thread
        if args.mode != 'plain':
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(args.cert, args.key)
            self.ctx.sni_callback = self.sni

    def sni(self, sslobj, name, ctx):
        conn = getattr(self.local, 'conn', None)
        if conn:
            conn.event('sni %s' % (escape(name.encode()) if name else 'none'))

    def record(self, text):
        with self.lock:
            if self.recfile:
                self.recfile.write(text + '\n')
                self.recfile.flush()
            if self.args.verbose:
                print('fakeimap: ' + text, file=sys.stderr, flush=True)


class Conn:
    def __init__(self, server, sock, n):
        self.server = server
        self.sc = server.scenario
        self.mode = server.args.mode
        self.n = n
        self.raw = sock
        self.sock = sock
        self.tls = False
        self.rbuf = b''
        self.idling = False
        self.continued = False
        self.tag = '*'

    # -- recording and I/O

    def event(self, text):
        self.server.record('# %d %s' % (self.n, text))

    def box(self, key):
        """The mailbox value `key` for this connection."""
        v = self.sc.get(key, {'exists': EXISTS, 'uidnext': UIDNEXT,
                              'uidvalidity': UIDVALIDITY}[key])
        if isinstance(v, (list, tuple)):
            v = v[min(self.n, len(v)) - 1]
        return v

    def subst(self, text):
        caps = self.sc['caps']
        if self.mode == 'starttls' and not self.tls:
            caps = self.sc['caps_before_tls']
        for key, val in (('{tag}', self.tag), ('{caps}', caps),
                         ('{exists}', self.box('exists')),
                         ('{uidnext}', self.box('uidnext')),
                         ('{uidvalidity}', self.box('uidvalidity'))):
            text = text.replace(key, str(val))
        return text

    def send(self, data, log=True):
        if log and self.server.args.verbose:
            self.server.record('# %d S: %s' % (self.n, escape(data[:200])))
        try:
            self.sock.sendall(data)
        except (OSError, ssl.SSLError) as e:
            raise Closed('send: %s' % e)

    def readable(self, timeout):
        if self.tls and self.sock.pending():
            return True
        if timeout == math.inf:
            timeout = None
        try:
            r, _, _ = select.select([self.sock], [], [], timeout)
        except ValueError:                      # closed socket
            raise Closed('closed')
        return bool(r)

    def recv(self, timeout=None):
        """One read; raises Closed at EOF, returns b'' on timeout."""
        if timeout is not None and not self.readable(timeout):
            return b''
        try:
            data = self.sock.recv(65536)
        except (OSError, ssl.SSLError) as e:
            raise Closed('recv: %s' % e)
        if not data:
            raise Closed('eof')
        return data

    def take_line(self):
        """A complete line from rbuf (without CRLF), or None."""
        i = self.rbuf.find(b'\n')
        if i < 0:
            if len(self.rbuf) > MAX_LINE:
                line, self.rbuf = self.rbuf, b''
                return line
            return None
        line, self.rbuf = self.rbuf[:i], self.rbuf[i + 1:]
        return line[:-1] if line.endswith(b'\r') else line

    def readline(self):
        """The next client line, recorded; a {n} literal is read whole
        (after a "+") and joined to the line."""
        line = b''
        while True:
            part = self.take_line()
            while part is None:
                self.rbuf += self.recv()
                part = self.take_line()
            line += part
            m = re.search(rb'\{(\d{1,8})\}$', part)
            if not m or int(m.group(1)) > MAX_CLIENT_LITERAL:
                break
            size = int(m.group(1))
            self.send(b'+ Ready for literal data\r\n')
            while len(self.rbuf) < size:
                self.rbuf += self.recv()
            line += b'\r\n' + self.rbuf[:size]
            self.rbuf = self.rbuf[size:]
        self.server.record(escape(line))
        return line

    def wait(self, seconds):
        """Let `seconds` pass, recording what the client sends meanwhile;
        while idling, a DONE ends the wait (raises Done)."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            if not self.readable(left):
                continue
            data = self.recv()
            if self.mode == 'tls' and not self.tls:
                self.event('%d bytes before TLS' % len(data))
                continue
            self.rbuf += data
            while True:
                part = self.take_line()
                if part is None:
                    break
                self.server.record(escape(part))
                if self.idling and part.strip().upper() == b'DONE':
                    raise Done()

    # -- the session

    def run(self, event):
        for step in self.sc[event]:
            self.play(step)

    def play(self, step):
        if isinstance(step, str):
            self.send(self.subst(step).encode('utf-8') + b'\r\n')
        elif isinstance(step, bytes):
            self.send(step.replace(b'{tag}', self.tag.encode()))
        else:
            step(self)
        if self.idling and isinstance(step, str) and step.startswith('+'):
            self.continued = True

    def start_tls(self):
        if self.rbuf:
            self.event('discarded %d bytes sent before TLS' % len(self.rbuf))
            self.rbuf = b''
        self.raw.settimeout(HANDSHAKE_TIMEOUT)
        self.server.local.conn = self
        try:
            self.sock = self.server.ctx.wrap_socket(self.raw, server_side=True)
        except ssl.SSLError as e:
            # a fatal alert from the client: e.g. TLSV1_ALERT_UNKNOWN_CA
            m = re.match(r'(SSLV3|TLSV1)_ALERT_(\w+)$', e.reason or '')
            if m:
                self.event('alert %s' % m.group(2).lower())
            raise Closed('TLS handshake failed: %s' % e)
        except OSError as e:
            raise Closed('TLS handshake failed: %s' % e)
        self.sock.settimeout(None)
        self.tls = True
        self.event('tls %s' % self.sock.version())

    def serve(self):
        self.run('tcp')
        if self.mode == 'tls':
            self.start_tls()
        self.run('greeting')
        while True:
            line = self.readline()
            words = line.split(b' ', 2)
            self.tag = words[0].decode('latin-1')
            cmd = words[1].upper().decode('latin-1') if len(words) > 1 else ''
            if cmd == 'UID' and len(words) > 2:
                cmd = 'UID ' + words[2].split(b' ', 1)[0].upper().decode('latin-1')
            self.command(cmd, line)

    def command(self, cmd, line):
        if cmd == 'CAPABILITY':
            self.run('capability')
        elif cmd == 'NOOP':
            self.run('noop')
        elif cmd == 'LOGIN':
            self.run('login')
        elif cmd == 'AUTHENTICATE':
            if len(line.split(b' ')) < 4:       # no SASL-IR: ask for it
                self.send(b'+ \r\n')
                if self.readline().strip() == b'*':
                    self.send(self.subst('{tag} BAD Authentication '
                                         'aborted').encode() + b'\r\n')
                    return
            self.run('login')
        elif cmd == 'STARTTLS':
            self.run('starttls')
            if self.mode == 'starttls' and not self.tls and \
                    self.sc['starttls'][0].startswith('{tag} OK'):
                self.start_tls()
        elif cmd in ('EXAMINE', 'SELECT'):
            self.run('examine')
        elif cmd == 'STATUS':
            self.run('status')
        elif cmd in ('FETCH', 'UID FETCH', 'UID SEARCH', 'SEARCH'):
            exists, uidnext = self.box('exists'), self.box('uidnext')
            if 'SEARCH' in cmd:
                self.send(b'* SEARCH %d\r\n' % (uidnext - 1) if exists
                          else b'* SEARCH\r\n')
            elif exists:                        # an empty box has no "*"
                self.send(b'* %d FETCH (UID %d)\r\n' % (exists, uidnext - 1))
            self.send(self.subst('{tag} OK Completed.').encode() + b'\r\n')
        elif cmd == 'IDLE':
            self.idle()
        elif cmd == 'LOGOUT':
            self.run('logout')
        else:
            self.send(self.subst('{tag} BAD Unknown command').encode() + b'\r\n')

    def idle(self):
        self.idling, self.continued = True, False
        try:
            self.run('idle')
            if not self.continued:
                return
            self.run('idling')
            self.wait(math.inf)
        except Done:
            pass
        finally:
            self.idling = False
        if self.continued:
            self.run('done')


def handle(server, sock, n, done):
    c = Conn(server, sock, n)
    try:
        c.serve()
    except Closed as e:
        c.event('closed by client (%s)' % e)
    except Hangup:
        c.event('hung up')
    except Exception as e:                      # a bug here, not the client
        c.event('error %r' % e)
        raise
    finally:
        try:
            if c.sock is not c.raw:
                c.sock.close()
            c.raw.close()
        except OSError:
            pass
        done.release()


def main():
    p = argparse.ArgumentParser(description='a scriptable IMAP server')
    p.add_argument('--scenario', default='normal')
    p.add_argument('--mode', choices=('tls', 'plain', 'starttls'),
                   default='tls')
    p.add_argument('--cert')
    p.add_argument('--key')
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, default=0)
    p.add_argument('--port-file')
    p.add_argument('--record')
    p.add_argument('--connections', type=int, default=1)
    p.add_argument('--timeout', type=float, default=60.0)
    p.add_argument('--verbose', action='store_true')
    p.add_argument('--list', action='store_true', help='list the scenarios')
    args = p.parse_args()
    if args.list:
        print('\n'.join(SCENARIOS))
        return 0
    if args.scenario not in SCENARIOS:
        p.error('unknown scenario %r (see --list)' % args.scenario)
    if args.mode != 'plain' and not (args.cert and args.key):
        p.error('--mode %s needs --cert and --key' % args.mode)

    server = Server(args)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((args.host, args.port))
    lsock.listen(8)
    port = lsock.getsockname()[1]
    if args.port_file:
        tmp = args.port_file + '.tmp'
        with open(tmp, 'w') as f:
            f.write('%d\n' % port)
        os.replace(tmp, args.port_file)
    server.record('# listening on %s:%d, scenario %s, mode %s'
                  % (args.host, port, args.scenario, args.mode))

    def expire():
        server.record('# timeout after %g s' % args.timeout)
        os._exit(0)
    timer = threading.Timer(args.timeout, expire)
    timer.daemon = True
    timer.start()

    done = threading.Semaphore(0)
    for n in range(1, args.connections + 1):
        sock, peer = lsock.accept()
        server.record('# %d accepted from %s:%d' % (n, peer[0], peer[1]))
        threading.Thread(target=handle, args=(server, sock, n, done),
                         daemon=True).start()
    lsock.close()
    for _ in range(args.connections):
        done.acquire()
    server.record('# all %d connections ended' % args.connections)
    return 0


if __name__ == '__main__':
    sys.exit(main())
