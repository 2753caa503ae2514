#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""soakgetmail.py: getmail6, with two races of its own closed.

    soakgetmail.py [getmail options]

getmail6 before 6.19.09 forks a child for every Maildir delivery and only
then installs the SIGCHLD handler that its wait listens for (getmailcore/
baseclasses.py, ForkingBase.forkchild and _wait_for_child).  A child that
exits before the parent gets there is never heard of: the parent waits
until its timeout, the session fails with "waiting child pid N timed out"
and writes no oldmail, and the next run fetches the message again.  On a
busy machine that happens now and then (Debian 12 ships 6.18.11).  The
soak is about the chain around the fetcher, so it runs getmail with the
wait done as 6.19.09 does in effect: a plain blocking waitpid for that
child.

The other: getmail turns SIGTERM into a clean stop that still writes
its oldmail file, but a SIGTERM that comes between a message written into
the Maildir and its entry in the bookkeeping leaves it unrecorded, and the
next run fetches it again.  A loop that is stopped ends its hook's whole
process group, the delivery child with it, which (a fork of getmail with
the same handler) then runs getmail's own cleanup on the shared TLS
connection.  Here SIGTERM and SIGINT are held from the start of each
delivery until the message is recorded, then taken as usual.

SOAK_GETMAIL=plain runs /usr/bin/getmail as it is instead.
"""

import os
import runpy
import signal
import sys

from getmailcore import _retrieverbases, baseclasses, destinations
from getmailcore.exceptions import getmailOperationError

STOP = {signal.SIGTERM, signal.SIGINT}


def _prepare_child(self):
    pass


def _wait_for_child(self, childpid):
    while True:
        try:
            pid, st = os.waitpid(childpid, 0)
            break
        except InterruptedError:
            continue
    if os.WIFSIGNALED(st):
        raise getmailOperationError("child pid %d killed by signal %d"
                                    % (pid, os.WTERMSIG(st)))
    if not os.WIFEXITED(st):
        raise getmailOperationError("child pid %d failed to exit" % pid)
    return os.WEXITSTATUS(st)


deliver = destinations.DeliverySkeleton.deliver_message
delivered = _retrieverbases.RetrieverSkeleton.delivered


def deliver_message(self, *args, **kw):
    # held until delivered() below has recorded the message; the fork
    # for the delivery inherits the mask and exits with it
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP)
    try:
        return deliver(self, *args, **kw)
    except BaseException:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP)
        raise


def delivered_then_stop(self, msgid):
    try:
        delivered(self, msgid)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP)


destinations.DeliverySkeleton.deliver_message = deliver_message
_retrieverbases.RetrieverSkeleton.delivered = delivered_then_stop
baseclasses.ForkingBase._prepare_child = _prepare_child
baseclasses.ForkingBase._wait_for_child = _wait_for_child
sys.argv[0] = "getmail"
runpy.run_path("/usr/bin/getmail", run_name="__main__")
