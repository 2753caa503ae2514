#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""soakgetmail.py: getmail6, with its wait for a delivery child made safe.

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
child.  SOAK_GETMAIL=plain runs /usr/bin/getmail as it is instead.
"""

import os
import runpy
import sys

from getmailcore import baseclasses
from getmailcore.exceptions import getmailOperationError


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


baseclasses.ForkingBase._prepare_child = _prepare_child
baseclasses.ForkingBase._wait_for_child = _wait_for_child
sys.argv[0] = "getmail"
runpy.run_path("/usr/bin/getmail", run_name="__main__")
