/* SPDX-License-Identifier: ISC */
/*
 * stamp - append the CLOCK_MONOTONIC time to a file, for the benchmarks
 *
 *     stamp [-d] file [command [arg ...]]
 *
 * Appends one line, nanoseconds since boot as counted by CLOCK_MONOTONIC
 * (the clock of perf -k CLOCK_MONOTONIC and Python's time.monotonic_ns),
 * to file, at once: as a hook it marks the moment the hook starts.  -d
 * then reads standard input to its end (an MDA must take the message).
 * With a command, it is executed afterwards, so that the line marks the
 * exec of that command.  Built static, so that it starts in microseconds.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct timespec ts;
	char buf[4096];
	int fd, n, drain = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (argc > 1 && strcmp(argv[1], "-d") == 0) {
		drain = 1;
		argv++;
		argc--;
	}
	if (argc < 2) {
		fputs("usage: stamp [-d] file [command [arg ...]]\n", stderr);
		return 100;
	}
	n = snprintf(buf, sizeof buf, "%lld\n",
	    (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	if ((fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) == -1 || write(fd, buf, (size_t)n) != n) {
		fprintf(stderr, "stamp: %s: %s\n", argv[1], strerror(errno));
		return 111;
	}
	close(fd);
	if (drain)
		while ((n = (int)read(0, buf, sizeof buf)) > 0 ||
		    (n < 0 && errno == EINTR))
			;
	if (argc > 2) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "stamp: %s: %s\n", argv[2], strerror(errno));
		return 127;
	}
	return 0;
}
