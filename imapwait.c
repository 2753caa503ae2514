/* SPDX-License-Identifier: ISC */
/*
 * imapwait - wait for new mail in one IMAP mailbox, with IDLE (RFC 2177)
 *
 * Logs into one account over TLS, EXAMINEs one mailbox, IDLEs, and exits:
 *     0   new mail (during IDLE, or since the last run, by the state file)
 *     2   the wait timed out with no new mail
 *   100   permanent failure: usage, configuration, credentials, certificate,
 *         mailbox, a server without IDLE; retrying cannot help
 *   111   temporary failure: network, TLS I/O, BYE, [UNAVAILABLE], a deadline
 * Killed by SIGTERM or SIGINT while idling, it ends IDLE, logs out, and dies
 * by that signal.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/version.h>
#include <mbedtls/base64.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#include <psa/crypto.h>
#endif

#ifndef VERSION
#define VERSION "0.2"
#endif

/* Exit codes: a contract, never changed. */
enum { EX_NEWMAIL = 0, EX_TIMEOUT = 2, EX_PERM = 100, EX_TEMP = 111 };

/* Limits and timeouts. */
#define LINE_MAX_LEN	8192	/* one server response, literals excluded */
#define LITERAL_MAX	(16UL << 20)	/* we never fetch; bigger is hostile */
#define STATE_LEN	64	/* the state line, padded: five numbers, a CRC */
#define READ_BUF	4096	/* raw bytes from the network */
#define SECRET_MAX	8192	/* password or OAuth2 token */
#define SASL_MAX	(SECRET_MAX + 1536)	/* token, user name and host */
#define B64_MAX		((SASL_MAX + 2) / 3 * 4 + 1)	/* SASL_MAX in base64 */
#define CMD_MAX		(B64_MAX + 512)	/* base64 token plus command */
#define NETRC_MAX	(64 * 1024)	/* a bigger ~/.netrc is refused */
#define NUM_MAX		4294967295UL	/* IMAP numbers are 32-bit */
#define DEF_TIMEOUT	1740	/* 29 minutes, RFC 2177 */
#define DEF_STEP	30	/* each protocol step before IDLE */
#define DEF_KEEPALIVE	60	/* seconds of silence before the first probe */
#define KEEPALIVE_PROBES 4
#define END_MAX		5	/* DONE and LOGOUT at the end wait at most this */
#define CA_BUNDLE	"/etc/ssl/certs/ca-certificates.crt"
#define HOST_MAX	253	/* a DNS name, RFC 1035 */
#define SAN_DNS		2	/* subjectAltName dNSName, RFC 5280 */
#define SAN_IP		7	/* subjectAltName iPAddress */

enum mech { M_DEFAULT, M_LOGIN, M_PLAIN, M_XOAUTH2, M_OAUTHBEARER };

/* Capabilities we care about. */
enum {
	CAP_IDLE = 1, CAP_LOGINDISABLED = 2, CAP_STARTTLS = 4, CAP_PLAIN = 8,
	CAP_XOAUTH2 = 16, CAP_OAUTHBEARER = 32, CAP_SASLIR = 64,
	CAP_LITERALPLUS = 128, CAP_SEEN = 256
};

/* One parsed server response (see scan()). */
struct resp {
	enum { R_UNTAGGED, R_TAGGED, R_CONT } type;
	enum { S_NONE, S_OK, S_NO, S_BAD, S_BYE, S_PREAUTH } status;
	enum { W_NONE, W_EXISTS, W_EXPUNGE, W_FETCH, W_CAPABILITY, W_OTHER } word;
	enum {
		C_NONE, C_UIDVALIDITY, C_UIDNEXT, C_CAPABILITY, C_UNAVAILABLE,
		C_AUTHFAILED, C_NONEXISTENT, C_OTHER
	} code;
	unsigned long tag;	/* R_TAGGED: our tag number */
	unsigned long num;	/* "* num WORD" */
	unsigned long codeval;	/* [UIDNEXT n], [UIDVALIDITY n] */
	unsigned long uid;	/* FETCH (UID n): 0 if absent */
	const char *caps;	/* CAPABILITY data or [CAPABILITY ...] */
	const char *text;	/* human-readable rest */
};

/*
 * What this connection knows of the mailbox.  Every message that arrives
 * after uidnext was learnt has a UID of at least uidnext, each its own, so
 * uidnext + since is a lower bound of the server's UIDNEXT; so is floor.
 */
struct mbox {
	unsigned long exists;	/* messages, as of the last EXISTS/EXPUNGE */
	unsigned long arrived;	/* rises of EXISTS since EXAMINE */
	unsigned long before;	/* the count just before the first rise */
	unsigned long uidvalidity;
	unsigned long uidnext;	/* from EXAMINE's [UIDNEXT]; 0: unknown */
	unsigned long since;	/* arrivals after uidnext was learnt */
	unsigned long floor;	/* a later [UIDNEXT]; a FETCH's UID + 1 */
	enum { MB_CLOSED, MB_EXAMINING, MB_OPEN } phase;
	int counting;		/* EXAMINE gave a count: rises are new mail */
	int askuid;		/* UID FETCH * sent: its UID sets uidnext */
};

/* The state file's contents: "uidvalidity uidnext exists changed pending". */
struct state {
	unsigned long uidvalidity, uidnext, exists;
	int changed;		/* UIDVALIDITY differed at the last start */
	int pending;		/* a wake not yet known to be handled */
};

static void die(int, const char *, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
static void warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
static void info(const char *, ...) __attribute__((format(printf, 1, 2)));
static int scan(char *, size_t, struct resp *);
static void sendcmd(const char *, const char *, ...)
	__attribute__((format(printf, 2, 3)));

/* Options. */
static const char *host, *port, *mailbox = "INBOX", *user;
static const char *cafile, *passcmd, *passfile, *statefile, *pin;
static enum mech mech = M_DEFAULT;
static int quiet, verbose, starttls, rerun, readyfd = -1;
static int nameonly;			/* -n: print the login name, exit */
static unsigned long timeout = DEF_TIMEOUT, steptime = DEF_STEP;
static unsigned long keepalive = DEF_KEEPALIVE;

static char label[512] = "imapwait";	/* "imapwait: user@host/mailbox" */
static char secret[SECRET_MAX + 2];	/* password or token, wiped after use */
/*
 * Commands and SASL responses are built in static buffers, not on the
 * stack: pages touched once stay resident for the whole wait.
 */
static char cmdbuf[CMD_MAX];
static char sasl[SASL_MAX];

/* The connection. */
static int sock = -1, tfd = -1;		/* socket; deadline timer */
static int tls_on;			/* bytes go through ssl */
static unsigned long tagno;		/* tag of the last command sent */
static unsigned caps;			/* CAP_* of the server */
static int preauth;			/* the greeting was PREAUTH */
static int idling;			/* IDLE accepted, DONE not yet sent */
static int ending;			/* saying goodbye: BYE is expected */
static int graceful;			/* signals are caught, not fatal */
static volatile sig_atomic_t gotsig;
static sigset_t waitmask;		/* mask while sleeping in ppoll */
/* Why the last read or write failed; io_fail() makes it a message. */
static struct {
	enum {
		IO_OK, IO_EOF, IO_TIME, IO_SIG, IO_ERR, IO_TLS, IO_PROTO,
		IO_BYE
	} why;
	int err;			/* IO_ERR: errno; IO_TLS: mbedTLS's */
	char text[256];			/* IO_PROTO: what; IO_BYE: its text */
} io;
static struct mbox mb;
static struct state old;		/* the state file as found at start */
static int haveold;			/* ... if it was there and sound */

static unsigned char rbuf[READ_BUF];	/* bytes read, not yet consumed */
static size_t rpos, rlen;
static char line[LINE_MAX_LEN + 1];	/* the current response */

static mbedtls_ssl_context ssl;
static mbedtls_ssl_config conf;
static mbedtls_ctr_drbg_context drbg;

/* The name the certificate must bear: host without a trailing dot. */
static char tlsname[HOST_MAX + 2];
static unsigned char hostip[16];	/* host as an IP literal, if it is */
static size_t hostiplen;
static unsigned char *tls_leaf;		/* the server's certificate (DER) */
static size_t tls_leaflen;
static int tls_pinbad, tls_cabad;	/* why tls_verify() said no */

/*
 * Messages: one line on stderr, "imapwait: user@host/box: text".  A format
 * ending in ':' gets ": strerror(errno)" appended.
 */
static void
vmsg(const char *fmt, va_list ap)
{
	char buf[1024];
	int e = errno;
	size_t n;

	vsnprintf(buf, sizeof buf, fmt, ap);
	n = strlen(buf);
	if (n && buf[n - 1] == ':')
		snprintf(buf + n, sizeof buf - n, " %s", strerror(e));
	fprintf(stderr, "%s: %s\n", label, buf);
}

static void
die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	explicit_bzero(secret, strlen(secret));
	exit(code);
}

static void
warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

static void
info(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

/* The length of a valid UTF-8 sequence at s (not ASCII), or 0. */
static size_t
utf8len(const unsigned char *s)
{
	unsigned long cp;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    (cp >= 0x80 && cp < 0xa0))
		return 0;
	return n;
}

/*
 * Server text made safe for a log line, bounded: valid UTF-8 as it is,
 * control characters and invalid bytes as \xNN.
 */
static const char *
clean(const char *str)
{
	static char buf[256];
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	for (; *s && i < sizeof buf - 5; s += n) {
		n = *s >= 0x80 ? utf8len(s) : 1;
		if (n > 1 && i + n < sizeof buf) {
			memcpy(buf + i, s, n);
			i += n;
		} else if (n == 1 && *s >= 0x20 && *s < 0x7f) {
			buf[i++] = (char)*s;
		} else {
			snprintf(buf + i, sizeof buf - i, "\\x%02x", *s);
			i += 4;
			n = 1;
		}
	}
	buf[i] = '\0';
	return buf;
}

static void
trace(const char *dir, const char *s)
{
	if (verbose)
		fprintf(stderr, "%s: %s: %s\n", label, dir, clean(s));
}

/* strtoul with the checks: digits only, whole string, within [lo, hi]. */
static int
number(const char *s, unsigned long lo, unsigned long hi, unsigned long *v)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || *end || *v < lo || *v > hi)
		return -1;
	return 0;
}

/* An IMAP number at *p (digits only, 32-bit), advancing *p. */
static int
imapnum(const char **p, unsigned long *v)
{
	const char *s = *p;
	unsigned long n = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	/* Checked before it can wrap: unsigned long may be 32 bits. */
	for (; isdigit((unsigned char)*s); s++) {
		unsigned long d = (unsigned long)(*s - '0');

		if (n > (NUM_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*p = s;
	*v = n;
	return 0;
}

/* Case-insensitive "does s start with word, followed by end or delim". */
static int
word(const char *s, const char *w, const char **rest)
{
	size_t n = strlen(w);

	if (strncasecmp(s, w, n) != 0)
		return 0;
	if (s[n] && s[n] != ' ' && s[n] != ']' && s[n] != ')')
		return 0;
	if (rest)
		*rest = s + n;
	return 1;
}

/* ---------------------------------------------------------------- */
/* Time and signals: one timer (CLOCK_BOOTTIME counts suspend), ppoll. */

static void
deadline(unsigned long seconds)
{
	struct itimerspec it = { { 0, 0 }, { (time_t)seconds, 0 } };

	if (timerfd_settime(tfd, 0, &it, NULL) == -1)
		die(EX_TEMP, "unable to set timer:");
}

static void
onsignal(int sig)
{
	if (!graceful) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	gotsig = sig;
}

/* Sleep until sock is ready for ev: 1 ready, 0 deadline, -1 signal. */
static int
waitfor(short ev)
{
	struct pollfd p[2];

	p[0].fd = sock;
	p[0].events = ev;
	p[1].fd = tfd;
	p[1].events = POLLIN;
	for (;;) {
		if (gotsig)
			return -1;
		if (ppoll(p, 2, NULL, &waitmask) == -1) {
			if (errno == EINTR)
				continue;
			die(EX_TEMP, "poll:");
		}
		if (p[0].revents)
			return 1;
		if (p[1].revents)
			return 0;
	}
}

/* ---------------------------------------------------------------- */
/* Raw socket I/O, also mbedTLS's BIO: blocks in ppoll, honours the deadline. */

static int
net_send(void *ctx, const unsigned char *b, size_t n)
{
	ssize_t r;
	int w;

	(void)ctx;
	for (;;) {
		r = send(sock, b, n, MSG_NOSIGNAL);
		if (r >= 0)
			return (int)r;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			io.why = IO_ERR;
			io.err = errno;
			return MBEDTLS_ERR_NET_SEND_FAILED;
		}
		if ((w = waitfor(POLLOUT)) <= 0) {
			io.why = w ? IO_SIG : IO_TIME;
			return MBEDTLS_ERR_NET_SEND_FAILED;
		}
	}
}

static int
net_recv(void *ctx, unsigned char *b, size_t n)
{
	ssize_t r;
	int w;

	(void)ctx;
	for (;;) {
		r = recv(sock, b, n, 0);
		if (r > 0)
			return (int)r;
		if (r == 0) {
			io.why = IO_EOF;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			io.why = IO_ERR;
			io.err = errno;
			return MBEDTLS_ERR_NET_RECV_FAILED;
		}
		if ((w = waitfor(POLLIN)) <= 0) {
			io.why = w ? IO_SIG : IO_TIME;
			return MBEDTLS_ERR_NET_RECV_FAILED;
		}
	}
}

/* ---------------------------------------------------------------- */
/* TLS: a DRBG seeded by the kernel, strict verification, a few versions. */

static int
tls_entropy(void *ctx, unsigned char *b, size_t n)
{
	(void)ctx;
	while (n > 0) {
		ssize_t r = getrandom(b, n, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

static const char *
tls_strerror(int ret)
{
	static char buf[160];

	mbedtls_strerror(ret, buf, sizeof buf);
	return buf;
}

/* The server's first bytes: plain IMAP on a TLS port is worth a hint. */
static unsigned char tls_first[2];
static size_t tls_nfirst;

static int
tls_recv(void *ctx, unsigned char *b, size_t n)
{
	int r = net_recv(ctx, b, n);

	if (r > 0 && tls_nfirst < sizeof tls_first) {
		size_t k = sizeof tls_first - tls_nfirst;

		k = (size_t)r < k ? (size_t)r : k;
		memcpy(tls_first + tls_nfirst, b, k);
		tls_nfirst += k;
	}
	return r;
}

static int tls_verify(void *, mbedtls_x509_crt *, int, uint32_t *);

static void
tls_init(void)
{
	/*
	 * An empty list, as mbedtls_x509_crt_init() makes one: static storage
	 * is zero already, and mbedTLS only reads it, so that it costs no
	 * private page (make bench: Private_Dirty).
	 */
	static mbedtls_x509_crt noca;
	const char *path = cafile ? cafile : CA_BUNDLE;
	int ret;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
	/* X25519 first: cheaper than the library's default order. */
	static const uint16_t groups[] = {
		MBEDTLS_SSL_IANA_TLS_GROUP_X25519,
		MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
		MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1,
		MBEDTLS_SSL_IANA_TLS_GROUP_NONE
	};

	if (psa_crypto_init() != PSA_SUCCESS)
		die(EX_TEMP, "unable to initialise PSA crypto");
#else
	static const mbedtls_ecp_group_id groups[] = {
		MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1,
		MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_ECP_DP_NONE
	};
#endif

	/* The CA certificates are read in the handshake: fail early here. */
	if ((cafile || !pin) && access(path, R_OK) == -1)
		die(EX_PERM, "unable to read %s:", path);
	mbedtls_ssl_init(&ssl);
	mbedtls_ssl_config_init(&conf);
	mbedtls_ctr_drbg_init(&drbg);
	if ((ret = mbedtls_ctr_drbg_seed(&drbg, tls_entropy, NULL,
	    (const unsigned char *)"imapwait", 8)) != 0)
		die(EX_TEMP, "unable to seed the random generator: %s",
		    tls_strerror(ret));
	if ((ret = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
	    MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT)) != 0)
		die(EX_TEMP, "TLS setup failed: %s", tls_strerror(ret));
	/*
	 * Verified inside the handshake: a certificate that fails aborts it
	 * with a fatal alert, before our Finished.  The trust anchors are
	 * chosen by tls_verify(); mbedTLS gets an empty list of its own.
	 */
	mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&conf, &noca, NULL);
	mbedtls_ssl_conf_verify(&conf, tls_verify, NULL);
	mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
	mbedtls_ssl_conf_min_tls_version(&conf, MBEDTLS_SSL_VERSION_TLS1_2);
	mbedtls_ssl_conf_groups(&conf, groups);
#else
	mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_curves(&conf, groups);
#endif
	/*
	 * SNI and the name check: never an IP literal as SNI (RFC 6066 3);
	 * tls_verify() matches one against the certificate's IP addresses.
	 */
	if ((ret = mbedtls_ssl_setup(&ssl, &conf)) != 0 ||
	    (ret = mbedtls_ssl_set_hostname(&ssl, hostiplen ? NULL :
	    tlsname)) != 0)
		die(EX_TEMP, "TLS setup failed: %s", tls_strerror(ret));
	mbedtls_ssl_set_bio(&ssl, NULL, net_send, tls_recv, NULL);
}

/*
 * The one place where a failed read or write becomes a message and an
 * exit code: all of them are temporary, the server or the network may
 * recover.
 */
static void
io_fail(const char *what)
{
	switch (io.why) {
	case IO_TIME:
		die(EX_TEMP, "timed out waiting for the server (%s)", what);
	case IO_SIG:
		die(EX_TEMP, "interrupted (%s)", what);
	case IO_ERR:
		errno = io.err;
		die(EX_TEMP, "connection lost (%s):", what);
	case IO_TLS:
		die(EX_TEMP, "TLS error (%s): %s", what, tls_strerror(io.err));
	case IO_PROTO:
		die(EX_TEMP, "protocol error: %s", io.text);
	case IO_BYE:
		die(EX_TEMP, "server closed the connection: %s", io.text);
	default:
		die(EX_TEMP, "connection closed (%s)", what);
	}
}

/* A protocol error, described for io_fail(). */
static int
badproto(const char *what)
{
	io.why = IO_PROTO;
	snprintf(io.text, sizeof io.text, "%s", what);
	return -1;
}

static void tls_reject(void);

static void
tls_unmapleaf(void)
{
	if (tls_leaf)
		munmap(tls_leaf, tls_leaflen);
	tls_leaf = NULL;
}

static void
tls_handshake(void)
{
	int ret;

	io.why = IO_OK;
	while ((ret = mbedtls_ssl_handshake(&ssl)) != 0) {
		if (ret == MBEDTLS_ERR_SSL_WANT_READ ||
		    ret == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (tls_leaf && mbedtls_ssl_get_verify_result(&ssl) != 0)
			tls_reject();
		if (io.why != IO_OK)
			io_fail("TLS handshake");
		if (ret == MBEDTLS_ERR_SSL_CONN_EOF)
			die(EX_TEMP, "TLS handshake failed: connection closed");
		if (!starttls && tls_nfirst == 2 && tls_first[0] == '*' &&
		    tls_first[1] == ' ')
			die(EX_PERM, "TLS handshake failed: port %s speaks plain "
			    "IMAP: use -S for STARTTLS there, or the TLS port "
			    "(993)", port);
		/* The peer speaks no TLS we accept: retrying cannot help. */
		die(EX_PERM, "TLS handshake failed: %s", tls_strerror(ret));
	}
	tls_unmapleaf();
	if (verbose) {
		char s[128];

		snprintf(s, sizeof s, "%s %s", mbedtls_ssl_get_version(&ssl),
		    mbedtls_ssl_get_ciphersuite(&ssl));
		trace("TLS", s);
	}
}

/*
 * -S, and no greeting came: perhaps the port speaks TLS from the start.
 * A ClientHello tells; the first bytes of a TLS answer are a handshake
 * or alert record.
 */
static void
tls_sniff(void)
{
	int i, ret;

	deadline(steptime < END_MAX ? steptime : END_MAX);
	io.why = IO_OK;
	tls_nfirst = 0;
	for (i = 0; i < 16 && !tls_nfirst && io.why == IO_OK; i++)
		if ((ret = mbedtls_ssl_handshake_step(&ssl)) != 0 &&
		    ret != MBEDTLS_ERR_SSL_WANT_READ &&
		    ret != MBEDTLS_ERR_SSL_WANT_WRITE)
			break;
	if (tls_nfirst == 2 && (tls_first[0] == 0x15 || tls_first[0] == 0x16)
	    && tls_first[1] == 0x03)
		die(EX_PERM, "no greeting with -S: port %s speaks TLS from the "
		    "start (implicit TLS): drop -S there, or use the STARTTLS "
		    "port (143)", port);
	io.why = IO_TIME;
}

/*
 * Base64 of a PEM body into der: -1 if it is not base64 or does not fit.
 * Not mbedtls_base64_decode: its constant-time decoding costs half of the
 * start-up CPU over a whole CA bundle, and CA certificates are public.
 * The table is const, so it costs no private memory.
 */
static int
pem_decode(const char *p, const char *end, unsigned char *der, size_t size,
    size_t *len)
{
	/* 0-63 a digit, 64 white space, 65 '=', 66 anything else */
	static const unsigned char val[256] = {
	66, 66, 66, 66, 66, 66, 66, 66, 66, 64, 64, 66, 66, 64, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	64, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 62, 66, 66, 66, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 66, 66, 66, 65, 66, 66,
	66,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 66, 66, 66, 66, 66,
	66, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	};
	unsigned long acc = 0;
	size_t n = 0;
	int bits = 0, v;

	for (; p < end; p++) {
		if ((v = val[(unsigned char)*p]) == 64)
			continue;
		if (v == 65)
			break;
		if (v == 66)
			return -1;
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			if (n == size)
				return -1;
			der[n++] = (unsigned char)(acc >> bits);
		}
	}
	*len = n;
	return 0;
}

/*
 * Parse the CA certificates that can be the trust anchor of the server's
 * chain: those whose DER holds the issuer name of a certificate the server
 * sent.  Parsing the whole system bundle would cost many times the time
 * and heap of one certificate (make bench: "CA loading" in its split of
 * the time to IDLE); the verification itself is mbedTLS's, unchanged.
 * When nothing matches, all are parsed.  The matches stay in der, which
 * they point into (no copy on the heap, in the middle of the handshake's
 * own allocations).  Returns -1 if none is usable.
 */
static int
tls_loadca(const mbedtls_x509_crt *peer, mbedtls_x509_crt *ca,
    unsigned char *der, size_t size)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	const char *path = cafile ? cafile : CA_BUNDLE;
	struct stat st;
	const char *p, *q, *e;
	const mbedtls_x509_crt *c;
	char *map;
	size_t n, used = 0;
	int fd, found = 0;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return mbedtls_x509_crt_parse_path(ca, path) < 0 ||
		    !ca->raw.len ? -1 : 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || st.st_size == 0) {
		close(fd);
		return -1;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -1;
	e = map + st.st_size;
	for (p = map; (p = memmem(p, (size_t)(e - p), begin,
	    sizeof begin - 1)) != NULL; p = q) {
		p += sizeof begin - 1;
		if (!(q = memmem(p, (size_t)(e - p), end, sizeof end - 1)))
			break;
		if (pem_decode(p, q, der + used, size - used, &n) == -1)
			continue;
		for (c = peer; c; c = c->next)
			if (c->issuer_raw.len && memmem(der + used, n,
			    c->issuer_raw.p, c->issuer_raw.len))
				break;
		if (c && mbedtls_x509_crt_parse_der_nocopy(ca, der + used,
		    n) == 0) {
			used += n;
			found = 1;
		}
	}
	munmap(map, (size_t)st.st_size);
	/* No match, or DER: let mbedTLS parse the whole file. */
	if (!found && mbedtls_x509_crt_parse_file(ca, path) < 0)
		return -1;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* -F: "AB:CD:..." or "abcd..." into 32 bytes. */
static int
parsepin(const char *s, unsigned char out[32])
{
	size_t n = 0;
	int hi, lo;

	while (*s) {
		if (*s == ':') {
			s++;
			continue;
		}
		if ((hi = hexval((unsigned char)s[0])) < 0 ||
		    (lo = hexval((unsigned char)s[1])) < 0 || n == 32)
			return -1;
		out[n++] = (unsigned char)(hi << 4 | lo);
		s += 2;
	}
	return n == 32 ? 0 : -1;
}

static void
tls_sha256(const mbedtls_x509_crt *crt, unsigned char out[32])
{
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
	mbedtls_sha256(crt->raw.p, crt->raw.len, out, 0);
#else
	mbedtls_sha256_ret(crt->raw.p, crt->raw.len, out, 0);
#endif
}

/* The host, an IP literal, among the certificate's IP addresses. */
static int
tls_ipmatch(const mbedtls_x509_crt *crt)
{
	const mbedtls_x509_sequence *s;

	for (s = &crt->subject_alt_names; s && s->buf.p; s = s->next)
		if ((s->buf.tag & MBEDTLS_ASN1_TAG_VALUE_MASK) == SAN_IP &&
		    s->buf.len == hostiplen &&
		    memcmp(s->buf.p, hostip, hostiplen) == 0)
			return 1;
	return 0;
}

/*
 * The verification callback, inside the handshake, before anything of
 * ours after the ClientHello is sent.  mbedTLS calls it for each
 * certificate of the chain it built against its empty list of anchors,
 * the server's own last (depth 0).  There the whole chain is verified
 * again, against the CA certificates that can anchor it (tls_loadca),
 * with the host name and the -F pin, and that result stands for the
 * chain.  A flag set makes mbedTLS abort the handshake with the alert
 * that fits; it checks key usage and extended key usage after this.
 * With -F and no -C the pin alone decides (a self-signed server).
 * (mbedTLS's CA callback would hand it the anchors directly, but neither
 * Debian's 2.28 nor its 3.6 is built with it.)
 */
static int
tls_verify(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	mbedtls_x509_crt ca;
	/* The CA certificates found; a bigger one is found by the fallback. */
	unsigned char der[4096];
	unsigned char want[32], got[32];
	uint32_t f = 0;

	(void)ctx;
	*flags = 0;
	if (depth > 0)
		return 0;
	/*
	 * Kept for the message, should the handshake fail; mapped, not on the
	 * heap, so that it leaves no hole there (make bench: Private_Dirty).
	 */
	tls_unmapleaf();
	tls_leaf = mmap(NULL, crt->raw.len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tls_leaf == MAP_FAILED)
		tls_leaf = NULL;
	else {
		memcpy(tls_leaf, crt->raw.p, crt->raw.len);
		tls_leaflen = crt->raw.len;
	}
	tls_pinbad = tls_cabad = 0;
	if (pin) {
		parsepin(pin, want);
		tls_sha256(crt, got);
		if (memcmp(want, got, sizeof got) != 0) {
			tls_pinbad = 1;
			*flags = MBEDTLS_X509_BADCERT_OTHER;
			return 0;
		}
		if (!cafile)
			return 0;
	}
	mbedtls_x509_crt_init(&ca);
	if (tls_loadca(crt, &ca, der, sizeof der) == -1) {
		tls_cabad = 1;
		f = MBEDTLS_X509_BADCERT_NOT_TRUSTED;
	} else if (mbedtls_x509_crt_verify(crt, &ca, NULL, hostiplen ? NULL :
	    tlsname, &f, NULL, NULL) != 0 && !f)
		f = MBEDTLS_X509_BADCERT_OTHER;
	mbedtls_x509_crt_free(&ca);
	if (hostiplen && !tls_ipmatch(crt))
		f |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
	*flags = f;
	return 0;
}

/* Printable text from a certificate, in place. */
static char *
tls_text(char *s)
{
	char *p;

	for (p = s; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			*p = '?';
	return s;
}

/* "DNS:a, IP:b" from the certificate's names, else its CN. */
static void
tls_names(const mbedtls_x509_crt *crt, char *buf, size_t size)
{
	const mbedtls_x509_sequence *s;
	char a[INET6_ADDRSTRLEN];
	size_t n = 0;
	int k, t;

	*buf = '\0';
	for (s = &crt->subject_alt_names; s && s->buf.p && n < size; s = s->next) {
		t = s->buf.tag & MBEDTLS_ASN1_TAG_VALUE_MASK;
		if (t == SAN_DNS && s->buf.len < 256)
			k = snprintf(buf + n, size - n, "%sDNS:%.*s", n ? ", " : "",
			    (int)s->buf.len, (const char *)s->buf.p);
		else if (t == SAN_IP && (s->buf.len == 4 || s->buf.len == 16) &&
		    inet_ntop(s->buf.len == 4 ? AF_INET : AF_INET6, s->buf.p, a,
		    sizeof a))
			k = snprintf(buf + n, size - n, "%sIP:%s", n ? ", " : "", a);
		else
			continue;
		n += k > 0 ? (size_t)k : 0;
	}
	if (!*buf)
		snprintf(buf, size, "no DNS or IP names");
	tls_text(buf);
}

/*
 * The handshake failed on the certificate: why, in one line, with what
 * a user needs to decide: the subject, the names, the fingerprint in the
 * form -F takes, and what to do about it.
 */
static void
tls_reject(void)
{
	mbedtls_x509_crt crt;
	unsigned char fp[32];
	char why[512], subj[256], names[512], hex[3 * 32], *nl;
	uint32_t flags = mbedtls_ssl_get_verify_result(&ssl);
	int i;

	mbedtls_x509_crt_init(&crt);
	if (mbedtls_x509_crt_parse_der(&crt, tls_leaf, tls_leaflen) != 0)
		die(EX_PERM, "certificate verification failed: the server's "
		    "certificate cannot be read");
	tls_sha256(&crt, fp);
	for (i = 0; i < 32; i++)
		snprintf(hex + 3 * i, 4, "%02X%s", fp[i], i < 31 ? ":" : "");
	if (mbedtls_x509_dn_gets(subj, sizeof subj, &crt.subject) < 0)
		snprintf(subj, sizeof subj, "?");
	tls_text(subj);
	tls_names(&crt, names, sizeof names);
	if (tls_pinbad)
		die(EX_PERM, "certificate verification failed: fingerprint "
		    "does not match -F: the server's is %s (subject %s; names "
		    "%s)", hex, subj, names);
	if (tls_cabad)
		die(EX_PERM, "certificate verification failed: no usable CA "
		    "certificates in %s", cafile ? cafile : CA_BUNDLE);
	if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH)
		die(EX_PERM, "certificate verification failed: name mismatch: "
		    "asked for %s, the certificate is for %s (subject %s; "
		    "SHA-256 %s): use one of its names, or pin it with -F",
		    tlsname, names, subj, hex);
	mbedtls_x509_crt_verify_info(why, sizeof why, "", flags);
	for (nl = why; (nl = strchr(nl, '\n')) != NULL; )
		*nl = nl[1] ? ';' : '\0';
	if (!(flags & ~(uint32_t)(MBEDTLS_X509_BADCERT_KEY_USAGE |
	    MBEDTLS_X509_BADCERT_EXT_KEY_USAGE |
	    MBEDTLS_X509_BADCERT_NS_CERT_TYPE)))
		die(EX_PERM, "certificate verification failed: %s (subject %s; "
		    "names %s; SHA-256 %s): it is not a TLS server certificate, "
		    "the server needs another one", why, subj, names, hex);
	die(EX_PERM, "certificate verification failed: %s (subject %s; names "
	    "%s; SHA-256 %s): if you trust it, give its CA with -C, or pin it "
	    "with -F", why, subj, names, hex);
}

/* ---------------------------------------------------------------- */
/* Reading responses: a fixed line, literals skipped, never allocated. */

static int
net_read(unsigned char *b, size_t n)
{
	int r;

	if (!tls_on)
		return net_recv(NULL, b, n);
	for (;;) {
		r = mbedtls_ssl_read(&ssl, b, n);
		if (r >= 0 || r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
			if (r <= 0)
				io.why = IO_EOF;
			return r > 0 ? r : 0;
		}
		if (r == MBEDTLS_ERR_SSL_WANT_READ ||
		    r == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
#ifdef MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
		if (r == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
			continue;
#endif
		if (io.why == IO_OK) {
			io.why = IO_TLS;
			io.err = r;
		}
		return -1;
	}
}

/* The source of server bytes; the fuzzer substitutes its own. */
static int (*readfn)(unsigned char *, size_t) = net_read;

/* Next byte, or -1 with io.why set. */
static int
getbyte(void)
{
	int r;

	if (rpos == rlen) {
		io.why = IO_OK;
		if ((r = readfn(rbuf, sizeof rbuf)) <= 0) {
			if (io.why == IO_OK)
				io.why = IO_EOF;
			return -1;
		}
		rpos = 0;
		rlen = (size_t)r;
	}
	return rbuf[rpos++];
}

/* "{123}" or "{123+}" at the end of line[0..len): the literal's size. */
static int
literal(const char *l, size_t len, unsigned long *n)
{
	const char *p;

	if (len < 3 || l[len - 1] != '}')
		return 0;
	for (p = l + len - 2; p > l && isdigit((unsigned char)*p); p--)
		;
	if (*p == '+' && p > l)
		p--;
	if (*p != '{')
		return 0;
	p++;
	if (imapnum(&p, n) == -1)
		return -1;
	return 1;
}

/*
 * Read one response into line[], with each literal's contents dropped
 * (its "{n}" stays, the text after it is appended): what a literal holds
 * is data, never a response.  Returns its length, or -1 with io.why set.
 * A read cut short by the deadline or a signal resumes where it stopped,
 * so that the rest of a literal is never taken for responses.
 */
static size_t rdlen;		/* bytes of the response read so far */
static unsigned long rdskip;	/* literal bytes still to drop */

static long
readline(void)
{
	size_t k;
	unsigned long n;
	int c, lit;

	for (;;) {
		while (rdskip > 0) {
			if (rpos == rlen) {
				if ((c = getbyte()) < 0)
					return -1;
				rdskip--;
				continue;
			}
			k = rlen - rpos < rdskip ? rlen - rpos : rdskip;
			rpos += k;
			rdskip -= k;
		}
		while ((c = getbyte()) != '\n') {
			if (c < 0)
				return -1;
			if (c == '\0')
				return badproto("NUL byte from the server");
			if (rdlen == LINE_MAX_LEN)
				return badproto("response too long");
			line[rdlen++] = (char)c;
		}
		if (rdlen && line[rdlen - 1] == '\r')
			rdlen--;
		line[rdlen] = '\0';
		if ((lit = literal(line, rdlen, &n)) == 0) {
			n = rdlen;
			rdlen = 0;
			return (long)n;
		}
		if (lit < 0 || n > LITERAL_MAX)
			return badproto("literal too large");
		rdskip = n;
	}
}

/* ---------------------------------------------------------------- */
/* The scanner: one response line into struct resp.  -1: malformed. */

static void
scancode(char *s, struct resp *r, char **rest)
{
	char *end;
	const char *p;

	r->code = C_NONE;
	*rest = s;
	if (*s != '[' || !(end = strchr(s, ']')))
		return;
	*end = '\0';
	*rest = end[1] == ' ' ? end + 2 : end + 1;
	s++;
	r->code = C_OTHER;
	if (word(s, "UIDVALIDITY", &p) || word(s, "UIDNEXT", &p)) {
		r->code = toupper((unsigned char)s[3]) == 'V' ? C_UIDVALIDITY :
		    C_UIDNEXT;
		if (*p++ != ' ' || imapnum(&p, &r->codeval) == -1 || *p)
			r->code = C_OTHER;	/* a bad hint is no hint */
	} else if (word(s, "CAPABILITY", &p)) {
		r->code = C_CAPABILITY;
		r->caps = p;
	} else if (word(s, "UNAVAILABLE", NULL) || word(s, "SERVERBUG", NULL)
	    || word(s, "INUSE", NULL) || word(s, "LIMIT", NULL)) {
		r->code = C_UNAVAILABLE;
	} else if (word(s, "AUTHENTICATIONFAILED", NULL) ||
	    word(s, "AUTHORIZATIONFAILED", NULL) || word(s, "EXPIRED", NULL) ||
	    word(s, "PRIVACYREQUIRED", NULL) || word(s, "CONTACTADMIN", NULL)) {
		r->code = C_AUTHFAILED;
	} else if (word(s, "NONEXISTENT", NULL)) {
		r->code = C_NONEXISTENT;
	}
}

static int
scanstatus(char *s, struct resp *r)
{
	static const struct { const char *w; int st; } tab[] = {
		{ "OK", S_OK }, { "NO", S_NO }, { "BAD", S_BAD },
		{ "BYE", S_BYE }, { "PREAUTH", S_PREAUTH }
	};
	const char *p;
	char *rest;
	size_t i;

	for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (word(s, tab[i].w, &p)) {
			r->status = tab[i].st;
			scancode((char *)(*p ? p + 1 : p), r, &rest);
			r->text = rest;
			return 1;
		}
	return 0;
}

/*
 * Past one value of a FETCH attribute list: an atom, a number, NIL, a
 * literal's "{n}" (its contents are already dropped), a quoted string,
 * or a parenthesized list of those.  NULL if it is malformed.
 */
static const char *
skipvalue(const char *p)
{
	int depth = 0;

	do {
		if (*p == '"') {
			for (p++; *p != '"'; p++)
				if (!*p || (*p == '\\' && !*++p))
					return NULL;
			p++;
		} else if (*p == '(') {
			depth++;
			p++;
		} else if (*p == ')' || *p == ' ') {
			if (depth == 0)
				return NULL;
			depth -= *p++ == ')';
		} else if (*p) {
			while (*p && !strchr(" ()\"", *p))
				p++;
		} else
			return NULL;
	} while (depth > 0);
	return p;
}

/*
 * The UID item of a FETCH's attribute list, "(NAME VALUE NAME VALUE ...)":
 * only a name in its place counts, never a word inside a value (a keyword
 * "UID" among the FLAGS).  r->uid stays 0 if there is none.
 */
static void
scanfetch(const char *p, struct resp *r)
{
	const char *name;

	if (*p++ != '(')
		return;
	while (*p != ')') {
		/* BODY[HEADER.FIELDS (A B)]<0>: a section is part of the name */
		for (name = p; *p && *p != ' '; p++)
			if (*p == '[' && !(p = strchr(p, ']')))
				return;
		if (*p++ != ' ')
			return;
		if (p - name == 4 && !strncasecmp(name, "UID", 3)) {
			if (imapnum(&p, &r->uid) == -1 ||
			    (*p != ' ' && *p != ')'))
				r->uid = 0;
			return;
		}
		if (!(p = skipvalue(p)))
			return;
		if (*p == ' ')
			p++;
	}
}

static int
scan(char *l, size_t len, struct resp *r)
{
	const char *p;

	memset(r, 0, sizeof *r);
	r->text = "";
	if (strlen(l) != len)
		return -1;
	if (l[0] == '+' && (l[1] == ' ' || l[1] == '\0')) {
		r->type = R_CONT;
		r->text = l[1] ? l + 2 : l + 1;
		return 0;
	}
	if (l[0] == '*' && l[1] == ' ') {
		r->type = R_UNTAGGED;
		l += 2;
		if (scanstatus(l, r))
			return 0;
		if (word(l, "CAPABILITY", &p)) {
			r->word = W_CAPABILITY;
			r->caps = p;
			return 0;
		}
		if (isalpha((unsigned char)*l)) {
			/* FLAGS, LIST, SEARCH...; a count needs its number */
			r->word = W_OTHER;
			return word(l, "EXISTS", NULL) || word(l, "EXPUNGE",
			    NULL) || word(l, "FETCH", NULL) || word(l, "RECENT",
			    NULL) ? -1 : 0;
		}
		p = l;
		if (imapnum(&p, &r->num) == -1 || *p++ != ' ' ||
		    !isalpha((unsigned char)*p))
			return -1;
		if (word(p, "EXISTS", NULL))
			r->word = W_EXISTS;
		else if (word(p, "EXPUNGE", NULL))
			r->word = r->num ? W_EXPUNGE : W_OTHER;
		else if (word(p, "FETCH", &p)) {
			r->word = W_FETCH;
			scanfetch(*p ? p + 1 : p, r);
		} else
			r->word = W_OTHER;
		return 0;
	}
	/* Tagged: our tags are "a" and a number. */
	r->type = R_TAGGED;
	p = l;
	if (*p++ != 'a' || imapnum(&p, &r->tag) == -1 || *p++ != ' ')
		return -1;
	if (!scanstatus((char *)p, r) || r->status == S_BYE ||
	    r->status == S_PREAUTH)
		return -1;
	return 0;
}

/* The capabilities we use, from a space-separated list. */
static unsigned
scancaps(const char *s)
{
	static const struct { const char *w; unsigned c; } tab[] = {
		{ "IDLE", CAP_IDLE }, { "LOGINDISABLED", CAP_LOGINDISABLED },
		{ "STARTTLS", CAP_STARTTLS }, { "AUTH=PLAIN", CAP_PLAIN },
		{ "AUTH=XOAUTH2", CAP_XOAUTH2 },
		{ "AUTH=OAUTHBEARER", CAP_OAUTHBEARER },
		{ "SASL-IR", CAP_SASLIR }, { "LITERAL+", CAP_LITERALPLUS }
	};
	unsigned c = CAP_SEEN;
	size_t i;

	while (*s) {
		while (*s == ' ')
			s++;
		for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
			if (word(s, tab[i].w, NULL))
				c |= tab[i].c;
		while (*s && *s != ' ')
			s++;
	}
	return c;
}

/* a + b, saturated at the largest IMAP number */
static unsigned long
satadd(unsigned long a, unsigned long b)
{
	return a > NUM_MAX - b ? NUM_MAX : a + b;
}

/*
 * The new-mail state machine: what every untagged response means for the
 * mailbox.  New mail is a rise of the count once EXAMINE has given the
 * first one (a second EXISTS inside its response counts); EXPUNGE lowers
 * it; FETCH and keepalives change nothing.  UIDNEXT comes from EXAMINE's
 * [UIDNEXT] (or the UID of "UID FETCH *"); a later [UIDNEXT] or UID is a
 * floor, never added to.  Returns -1 on a malformed count (an EXPUNGE of
 * a message that cannot exist).
 */
static int
mbox_update(struct mbox *m, const struct resp *r)
{
	unsigned long k;

	if (r->type != R_UNTAGGED || m->phase == MB_CLOSED)
		return 0;
	if (r->code == C_UIDVALIDITY && m->phase == MB_EXAMINING)
		m->uidvalidity = r->codeval;
	if (r->code == C_UIDNEXT) {
		if (m->phase == MB_EXAMINING && !m->uidnext) {
			m->uidnext = r->codeval;
			m->since = 0;
		} else if (r->codeval > m->floor)
			m->floor = r->codeval;
	}
	switch (r->word) {
	case W_EXISTS:
		if (m->counting && r->num > m->exists) {
			k = r->num - m->exists;
			if (!m->arrived)
				m->before = m->exists;
			m->arrived = satadd(m->arrived, k);
			m->since = satadd(m->since, k);
		}
		m->exists = r->num;
		m->counting = 1;
		break;
	case W_EXPUNGE:
		if (r->num > m->exists)
			return -1;
		m->exists--;
		break;
	case W_FETCH:
		if (!r->uid)
			break;
		if (m->askuid) {
			m->askuid = 0;
			if (satadd(r->uid, 1) > m->uidnext) {
				m->uidnext = satadd(r->uid, 1);
				m->since = 0;
			}
		} else if (satadd(r->uid, 1) > m->floor)
			m->floor = satadd(r->uid, 1);
		break;
	default:
		break;
	}
	return 0;
}

/*
 * The UIDNEXT that covers every message this connection has seen arrive:
 * a lower bound of the server's, never more (that could hide mail).
 * known is a UIDNEXT recorded before, for the same UIDVALIDITY, or 0.
 */
static unsigned long
mbox_cover(const struct mbox *m, unsigned long known)
{
	unsigned long c;

	c = satadd(m->uidnext > known ? m->uidnext : known, m->since);
	return c > m->floor ? c : m->floor;
}

/* ---------------------------------------------------------------- */
/* Commands and responses. */

static int
trysend(const char *b, size_t n)
{
	int r;

	io.why = IO_OK;
	while (n > 0) {
		if (tls_on)
			r = mbedtls_ssl_write(&ssl, (const unsigned char *)b, n);
		else
			r = net_send(NULL, (const unsigned char *)b, n);
		if (r == MBEDTLS_ERR_SSL_WANT_READ ||
		    r == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (r < 0) {
			if (io.why == IO_OK) {
				io.why = IO_TLS;
				io.err = r;
			}
			return -1;
		}
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

static void
sendraw(const char *b, size_t n)
{
	if (trysend(b, n) == -1)
		io_fail("sending");
}

/* Send "aN <fmt>\r\n"; shown, if set, is what the trace prints instead. */
static void
sendcmd(const char *shown, const char *fmt, ...)
{
	char *buf = cmdbuf;
	size_t size = sizeof cmdbuf;
	va_list ap;
	int n, k;

	n = snprintf(buf, size, "a%lu ", ++tagno);
	va_start(ap, fmt);
	k = vsnprintf(buf + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)(n + k) > size - 3)
		die(EX_PERM, "command too long");
	if (verbose) {
		char t[256];

		snprintf(t, sizeof t, "a%lu %s", tagno, shown ? shown : buf + n);
		trace("C", t);
	}
	memcpy(buf + n + k, "\r\n", 2);
	sendraw(buf, (size_t)(n + k + 2));
	explicit_bzero(buf, (size_t)(n + k + 2));
}

/*
 * Read the next response and fold it into what we know: capabilities,
 * the mailbox.  Returns 0, or -1 with io.why set: IO_PROTO for anything
 * malformed or a tag we did not send, IO_BYE for a BYE (unless ending).
 */
static int
nextresp(struct resp *r)
{
	char tag[32];
	long n;

	if ((n = readline()) < 0)
		return -1;
	trace("S", line);
	if (scan(line, (size_t)n, r) == -1 || mbox_update(&mb, r) == -1)
		return badproto(*line ? clean(line) : "empty response");
	if (r->type == R_TAGGED && r->tag != tagno) {
		snprintf(tag, sizeof tag, "unexpected tag a%lu", r->tag);
		return badproto(tag);
	}
	if (r->type == R_UNTAGGED && r->word == W_CAPABILITY)
		caps = scancaps(r->caps);
	if (r->code == C_CAPABILITY &&
	    (r->status == S_OK || r->status == S_PREAUTH))
		caps = scancaps(r->caps);
	if (r->type == R_UNTAGGED && r->status == S_BYE && !ending) {
		io.why = IO_BYE;
		snprintf(io.text, sizeof io.text, "%s", clean(r->text));
		return -1;
	}
	return 0;
}

/* nextresp() for the steps before IDLE: every failure is final. */
static void
needresp(struct resp *r, const char *what)
{
	if (nextresp(r) == -1)
		io_fail(what);
}

/* Wait for the tagged reply to the last command; untagged ones are folded. */
static void
tagged(struct resp *r, const char *what)
{
	do
		needresp(r, what);
	while (r->type != R_TAGGED);
}

/* The exit code for a tagged NO or BAD (RFC 5530 response codes). */
static int
failcode(const struct resp *r, int otherwise)
{
	if (r->code == C_UNAVAILABLE)
		return EX_TEMP;
	if (r->code == C_AUTHFAILED || r->code == C_NONEXISTENT)
		return EX_PERM;
	return otherwise;
}

/* ---------------------------------------------------------------- */
/* Encodings: quoted strings, modified UTF-7, base64. */

/* "s" quoted, or -1 if s needs a literal (8-bit) or is bad. */
static int
quote(char *out, size_t size, const char *s)
{
	size_t n = 0;

	if (n + 1 >= size)
		return -1;
	out[n++] = '"';
	for (; *s; s++) {
		if ((unsigned char)*s >= 0x80 || *s == '\r' || *s == '\n')
			return -1;
		if (n + 4 >= size)
			return -1;
		if (*s == '"' || *s == '\\')
			out[n++] = '\\';
		out[n++] = *s;
	}
	out[n++] = '"';
	out[n] = '\0';
	return 0;
}

/* UTF-8 mailbox name to modified UTF-7 (RFC 3501 5.1.3); -1: bad UTF-8. */
static int
mutf7(char *out, size_t size, const char *in)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
	const unsigned char *s = (const unsigned char *)in;
	size_t n = 0;
	unsigned long cp, bits;
	int nbits, inb64 = 0, len, i;

#define PUT(c) do { if (n + 1 >= size) return -1; out[n++] = (c); } while (0)
	bits = 0;
	nbits = 0;
	while (*s) {
		if (*s >= 0x20 && *s < 0x7f) {
			if (inb64) {
				if (nbits)
					PUT(b64[(bits << (6 - nbits)) & 0x3f]);
				PUT('-');
				inb64 = 0;
				nbits = 0;
			}
			PUT((char)*s);
			if (*s++ == '&')
				PUT('-');
			continue;
		}
		if (*s < 0x80) {
			cp = *s;
			len = 1;
		} else if ((*s & 0xe0) == 0xc0) {
			cp = *s & 0x1f;
			len = 2;
		} else if ((*s & 0xf0) == 0xe0) {
			cp = *s & 0x0f;
			len = 3;
		} else if ((*s & 0xf8) == 0xf0) {
			cp = *s & 0x07;
			len = 4;
		} else
			return -1;
		for (i = 1; i < len; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return -1;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		s += len;
		if (!inb64) {
			PUT('&');
			inb64 = 1;
		}
		for (i = 0; i < (cp >= 0x10000 ? 2 : 1); i++) {
			unsigned long u = cp;

			if (cp >= 0x10000)
				u = i == 0 ? 0xd800 + ((cp - 0x10000) >> 10) :
				    0xdc00 + ((cp - 0x10000) & 0x3ff);
			bits = bits << 16 | u;
			nbits += 16;
			while (nbits >= 6) {
				nbits -= 6;
				PUT(b64[(bits >> nbits) & 0x3f]);
			}
			bits &= (1UL << nbits) - 1;
		}
	}
	if (inb64) {
		if (nbits)
			PUT(b64[(bits << (6 - nbits)) & 0x3f]);
		PUT('-');
	}
#undef PUT
	out[n] = '\0';
	return 0;
}

static void
b64(char *out, size_t size, const unsigned char *in, size_t n)
{
	size_t olen;

	if (mbedtls_base64_encode((unsigned char *)out, size, &olen, in, n))
		die(EX_PERM, "credentials too long");
}

/* ---------------------------------------------------------------- */
/* Credentials: -P file, -c command, or ~/.netrc. */

/* The first line of a buffer into secret; CR, LF and NUL are refused. */
static void
setsecret(const char *s, size_t n, const char *from)
{
	size_t i;

	for (i = 0; i < n && s[i] != '\n'; i++)
		if (s[i] == '\0')
			die(EX_PERM, "NUL byte in the password from %s", from);
	if (i && s[i - 1] == '\r')
		i--;
	if (i == 0)
		die(EX_PERM, "empty password from %s", from);
	if (i > SECRET_MAX) {
		explicit_bzero(secret, sizeof secret);
		die(EX_PERM, "password from %s too long (%d bytes at most)",
		    from, SECRET_MAX);
	}
	memmove(secret, s, i);
	explicit_bzero(secret + i, n - i < sizeof secret - i ? n - i :
	    sizeof secret - i);
}

static void
checkperm(int fd, const char *path)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && (st.st_mode & 077))
		warnx("warning: %s is readable by others", path);
}

/*
 * Read a small file (NUL-terminated), -1 if it is missing.  With part,
 * a file bigger than the buffer is read as far as it fits (only its
 * first line matters), else it is refused.
 */
static ssize_t
slurp(const char *path, char *buf, size_t size, int must, int part)
{
	ssize_t n, total = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (!must && errno == ENOENT)
			return -1;
		die(EX_PERM, "unable to open %s:", path);
	}
	checkperm(fd, path);
	while ((size_t)total < size - 1 &&
	    (n = read(fd, buf + total, size - 1 - (size_t)total)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(EX_PERM, "unable to read %s:", path);
		total += n;
	}
	if ((size_t)total == size - 1 && !part &&
	    (n = read(fd, &buf[total], 1)) != 0) {
		explicit_bzero(buf, size);
		die(EX_PERM, "%s is too large", path);
	}
	close(fd);
	buf[total] = '\0';
	return total;
}

/* The password command's time is up: end it and all it started. */
static void
cmd_timeout(pid_t pid)
{
	int status;

	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	explicit_bzero(secret, sizeof secret);
	die(EX_TEMP, "the password command timed out after %lu s (-w)",
	    steptime);
}

/*
 * -c: the first line of the command's output.  The whole run, not only
 * its first line, is bounded by the step deadline (SIGCHLD, caught only
 * here, interrupts the wait for it); exit 126 or 127 from the shell (not
 * executable, not found) is permanent, any other failure temporary.
 */
static void
onchld(int sig)
{
	(void)sig;
}

static void
runcmd(const char *cmd)
{
	struct sigaction sa, oldsa;
	sigset_t chld, orig, mask;
	char *buf = secret;
	size_t n = 0;
	ssize_t r;
	int p[2], status = 0, code;
	pid_t pid;

	/* Caught, not inherited: SIG_IGN would reap the child behind us. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = onchld;
	sigaction(SIGCHLD, &sa, &oldsa);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &orig);
	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1)
		die(EX_TEMP, "unable to run the password command:");
	if (pid == 0) {
		/* A process group of its own, so that a timeout ends it all. */
		setpgid(0, 0);
		sigprocmask(SIG_SETMASK, &orig, NULL);
		dup2(p[1], 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	close(p[1]);
	mask = orig;
	sigdelset(&mask, SIGCHLD);
	deadline(steptime);
	while (n < sizeof secret - 1 && !memchr(buf, '\n', n)) {
		struct pollfd pf[2] = { { p[0], POLLIN, 0 }, { tfd, POLLIN, 0 } };

		if (poll(pf, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents && !pf[0].revents)
			cmd_timeout(pid);
		if ((r = read(p[0], buf + n, sizeof secret - 1 - n)) == 0)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
	}
	close(p[0]);
	/* Its exit, within the same deadline; SIGCHLD ends the ppoll. */
	while ((r = waitpid(pid, &status, WNOHANG)) == 0) {
		struct pollfd pf = { tfd, POLLIN, 0 };

		if (ppoll(&pf, 1, NULL, &mask) == -1 && errno != EINTR) {
			r = -1;
			break;
		}
		if (pf.revents)
			cmd_timeout(pid);
	}
	sigaction(SIGCHLD, &oldsa, NULL);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	if (r == -1) {
		explicit_bzero(buf, n);
		die(EX_TEMP, "unable to wait for the password command:");
	}
	/* Output after the first line may meet a closed pipe: that is fine. */
	if (((WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE) ||
	    (WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGPIPE)) &&
	    memchr(buf, '\n', n))
		status = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		explicit_bzero(buf, n);
		code = WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status);
		if (code == 126 || code == 127)
			die(EX_PERM, "the password command failed (status %d: "
			    "%s)", code, code == 126 ? "not executable" :
			    "not found");
		die(EX_TEMP, "the password command failed (status %d)", code);
	}
	setsecret(buf, n, "the password command");
}

/* The line of the netrc token last returned, for messages. */
static int netrc_line, netrc_nl;

/* Next netrc token: whitespace-separated, or "quoted" with \ escapes. */
static char *
netrc_token(char **pp)
{
	char *p = *pp, *t, *o;

	netrc_line += netrc_nl;
	netrc_nl = 0;
	for (; *p && isspace((unsigned char)*p); p++)
		if (*p == '\n')
			netrc_line++;
	if (!*p)
		return NULL;
	if (*p == '"') {
		t = o = ++p;
		while (*p && *p != '"') {
			if (*p == '\\' && p[1])
				p++;
			*o++ = *p++;
		}
		if (*p)
			p++;
		*o = '\0';
	} else {
		t = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p) {
			netrc_nl = *p == '\n';
			*p++ = '\0';
		}
	}
	*pp = p;
	return t;
}

/* Host names compared as DNS does: any case, a trailing dot or not. */
static int
samehost(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	if (na > 1 && a[na - 1] == '.')
		na--;
	if (nb > 1 && b[nb - 1] == '.')
		nb--;
	return na == nb && strncasecmp(a, b, na) == 0;
}

/*
 * ~/.netrc: "machine HOST login USER password PASS", or "default ...";
 * lines whose first word starts with # are comments.  The first entry
 * for the host whose login matches -u (any login without -u) wins; the
 * default entry only when no machine entry does, wherever it stands.
 * Any token may be a password: no message quotes one.  With want, the
 * password goes into secret.  Returns 0 if an entry was found.
 */
static int
netrc(char *login, size_t lsize, int want)
{
	static char buf[NETRC_MAX];
	char path[PATH_MAX], *p, *t, *m, *l = NULL, *pw = NULL;
	char *dl = NULL, *dpw = NULL, other[256] = "";
	const char *home, *env = getenv("NETRC");
	int state = 0;	/* 0 other entry, 1 our machine, 2 default */
	int found = 0, bad = 0, lno;
	ssize_t len;

	if (env && *env)
		snprintf(path, sizeof path, "%s", env);
	else if ((home = getenv("HOME")) && *home)
		snprintf(path, sizeof path, "%s/.netrc", home);
	else
		return -1;
	if ((len = slurp(path, buf, sizeof buf, env && *env, 0)) < 0)
		return -1;
	/* Comment lines become blanks, so that line numbers stay. */
	for (p = buf; *p; p += strcspn(p, "\n")) {
		p += strspn(p, " \t\r\n");
		if (*p == '#')
			memset(p, ' ', strcspn(p, "\n"));
	}
	p = buf;
	netrc_line = 1;
	netrc_nl = 0;
	for (;;) {
		t = netrc_token(&p);
		lno = netrc_line;
		if (!t || !strcmp(t, "machine") || !strcmp(t, "default")) {
			/* An entry ends: keep it if it fits. */
			if (state && pw && (!user || !l || !strcmp(l, user))) {
				if (state == 1) {
					found = 1;
					break;
				}
				if (!dpw) {
					dl = l;
					dpw = pw;
				}
			} else if (state == 1 && pw && l && !*other)
				snprintf(other, sizeof other, "%s", l);
			if (!t)
				break;
			l = pw = NULL;
			if (!strcmp(t, "default"))
				state = 2;
			else
				state = (m = netrc_token(&p)) && samehost(m, host);
		} else if (!strcmp(t, "login")) {
			l = netrc_token(&p);
		} else if (!strcmp(t, "password")) {
			pw = netrc_token(&p);
		} else if (!strcmp(t, "account") || !strcmp(t, "port")) {
			netrc_token(&p);
		} else if (!strcmp(t, "macdef")) {
			/* A macro runs to the next empty line. */
			if (!(p = strstr(p, "\n\n")))
				break;
		} else {
			warnx("warning: %s, line %d: unexpected word (a password "
			    "with spaces must be quoted)", path, lno);
			bad = 1;
			break;
		}
	}
	if (!found && !bad && dpw) {
		l = dl;
		pw = dpw;
		found = 1;
	}
	if (found) {
		if (l && !user)
			snprintf(login, lsize, "%s", l);
		if (want)
			setsecret(pw, strlen(pw), path);
	}
	explicit_bzero(buf, (size_t)len);
	if (!found && want && *other)
		die(EX_PERM, "no password for %s@%s: %s has an entry for %s "
		    "with another login only (%s)", user, host, path, host,
		    clean(other));
	return found ? 0 : -1;
}

static void
credentials(void)
{
	static char login[256];
	ssize_t n;

	/* No core file may hold a secret: off before the first is read. */
	if (prctl(PR_SET_DUMPABLE, 0) == -1)
		die(EX_TEMP, "unable to turn core dumps off:");
	if (nameonly) {
		/* -n: the login only; no command, no password kept. */
		if (!passfile && !passcmd)
			netrc(login, sizeof login, 0);
	} else if (passfile) {
		n = slurp(passfile, secret, sizeof secret, 1, 1);
		setsecret(secret, (size_t)n, passfile);
	} else if (passcmd) {
		runcmd(passcmd);
	} else if (netrc(login, sizeof login, 1) == -1) {
		die(EX_PERM, "no password for %s: use -P, -c or ~/.netrc",
		    host);
	}
	if (!user && *login)
		user = login;
	if (!user && !(user = getenv("USER"))) {
		struct passwd *pw = getpwuid(getuid());

		if (!pw)
			die(EX_PERM, "no user name: use -u");
		snprintf(login, sizeof login, "%s", pw->pw_name);
		user = login;
	}
	if (strpbrk(user, "\r\n"))
		die(EX_PERM, "bad user name");
}

/* ---------------------------------------------------------------- */
/*
 * The state file: "uidvalidity uidnext exists changed pending cksum\n".
 *
 * What it says may lag behind what the hook has handled, never run ahead
 * of it.  A wake is written with pending 1 before imapwait exits 0; a
 * later start without -R takes that wake as handled (the caller ran its
 * hook before starting us again), one with -R wakes again at once.  A
 * write lost or torn in a crash can then only cost one more wake, so no
 * fsync is needed.
 */

/* The CRC of POSIX cksum(1), so that a shell can write a state line. */
static unsigned long
cksum(const char *s, size_t n)
{
	uint32_t crc = 0;
	size_t len = n;
	int i, last = 0;

	while (!last) {
		unsigned c;

		if (n > 0) {
			c = (unsigned char)*s++;
			n--;
		} else {
			c = (unsigned)(len & 0xff);	/* then the length */
			last = (len >>= 8) == 0;
		}
		crc ^= (uint32_t)c << 24;
		for (i = 0; i < 8; i++)
			crc = crc & 0x80000000U ? crc << 1 ^ 0x04c11db7U :
			    crc << 1;
	}
	return ~crc & 0xffffffffUL;
}

static int stateinplace;	/* the file holds a line of STATE_LEN */

/* 0 read, -1 missing or unusable (a warning for the latter). */
static int
state_read(const char *path, struct state *s)
{
	char buf[128], *f[6], *p;
	unsigned long v[6] = { 0 }, crc;
	ssize_t n, len;
	int fd, i;

	stateinplace = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			warnx("warning: unable to read state file %s:", path);
		return -1;
	}
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0 || buf[n - 1] != '\n')
		goto corrupt;
	for (len = n - 1; len > 0 && buf[len - 1] == ' '; len--)
		;
	buf[len] = '\0';
	crc = (p = strrchr(buf, ' ')) ? cksum(buf, (size_t)(p - buf)) : 0;
	p = buf;
	for (i = 0; i < 6 && p; i++)
		if (!(f[i] = strsep(&p, " ")) ||
		    number(f[i], 0, NUM_MAX, &v[i]) == -1)
			goto corrupt;
	/*
	 * Six fields, the last the cksum of the five before it: a line torn
	 * by a crash while it was rewritten in place fails it.  Four: a file
	 * of version 0.1, written by rename, with no wake pending.
	 */
	if (p || (i != 4 && i != 6) || v[3] > 1 || v[4] > 1 ||
	    (i == 6 && crc != v[5]))
		goto corrupt;
	s->uidvalidity = v[0];
	s->uidnext = v[1];
	s->exists = v[2];
	s->changed = (int)v[3];
	s->pending = (int)v[4];
	stateinplace = i == 6 && n == STATE_LEN;
	return 0;
corrupt:
	warnx("warning: state file %s is corrupt, starting afresh", path);
	return -1;
}

/*
 * Write the state line, padded to STATE_LEN.  A line of that length is
 * rewritten in place: a rename costs a journal commit on ext4, ten times
 * the rest of the wake (make bench: "EXISTS to exit" with -s), while one
 * sector's pwrite is lost or torn whole at worst, and either is found
 * (an older line, a bad cksum) and costs one more wake, never a missed
 * one.  Otherwise a temporary file beside it, renamed over it.  Returns
 * -1 with errno set.
 */
static int
state_write(const char *path, const struct state *s)
{
	char tmp[PATH_MAX], buf[STATE_LEN + 1];
	ssize_t w;
	int fd, n, e;

	n = snprintf(buf, sizeof buf, "%lu %lu %lu %d %d", s->uidvalidity,
	    s->uidnext, s->exists, s->changed, s->pending);
	n += snprintf(buf + n, sizeof buf - (size_t)n, " %lu",
	    cksum(buf, (size_t)n));
	memset(buf + n, ' ', STATE_LEN - (size_t)n);
	buf[STATE_LEN - 1] = '\n';
	if (stateinplace) {
		if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
			return -1;
		w = pwrite(fd, buf, STATE_LEN, 0);
		e = errno;
		if (close(fd) == -1 || w != STATE_LEN) {
			errno = w >= 0 && w != STATE_LEN ? ENOSPC : e;
			return -1;
		}
		return 0;
	}
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1)
		return -1;
	w = write(fd, buf, STATE_LEN);
	e = w == STATE_LEN ? 0 : w >= 0 ? ENOSPC : errno;
	if (close(fd) == -1 && !e)
		e = errno;
	if (e || rename(tmp, path) == -1) {
		e = e ? e : errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	stateinplace = 1;
	return 0;
}

/*
 * Before connecting: the directory of the state file exists (missing
 * parts are made, mode 0700) and is writable, and the file is read.
 */
static void
state_open(const char *path)
{
	char dir[PATH_MAX], *p;
	struct stat st;

	if ((size_t)snprintf(dir, sizeof dir, "%s", path) >= sizeof dir)
		die(EX_PERM, "state file name too long: %s", clean(path));
	if (!(p = strrchr(dir, '/')))
		snprintf(dir, sizeof dir, ".");
	else if (p == dir)
		p[1] = '\0';
	else {
		/* Each missing part, as mkdir -p would, but private. */
		*p = '\0';
		for (p = dir + 1; (p = strchr(p, '/')) != NULL; *p++ = '/') {
			*p = '\0';
			if (mkdir(dir, 0700) == -1 && errno != EEXIST)
				die(EX_PERM, "unable to write state file %s: "
				    "mkdir %s:", path, dir);
		}
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			die(EX_PERM, "unable to write state file %s: mkdir %s:",
			    path, dir);
	}
	if (access(dir, W_OK | X_OK) == -1)
		die(EX_PERM, "unable to write state file %s:", path);
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		die(EX_PERM, "unable to write state file %s: not a file", path);
	haveold = state_read(path, &old) == 0;
}

/*
 * Record the state; a wake is pending until a later start takes it as
 * handled.  must: a state that cannot be recorded would wake every start
 * for the same mail, so stop instead (a full disk may pass: temporary).
 */
static void
state_save(int pending, int must)
{
	struct state s;
	int same = haveold && old.uidvalidity == mb.uidvalidity;

	s.uidvalidity = mb.uidvalidity;
	s.uidnext = mbox_cover(&mb, same ? old.uidnext : 0);
	s.exists = mb.exists;
	s.changed = haveold && !same;
	s.pending = pending;
	if (haveold && s.uidvalidity == old.uidvalidity &&
	    s.uidnext == old.uidnext && s.exists == old.exists &&
	    s.changed == old.changed && s.pending == old.pending)
		return;		/* nothing new to say */
	if (state_write(statefile, &s) == 0)
		return;
	if (must)
		die(errno == ENOSPC || errno == EDQUOT || errno == EIO ?
		    EX_TEMP : EX_PERM, "unable to write state file %s:",
		    statefile);
	warnx("warning: unable to write state file %s:", statefile);
}

/*
 * After EXAMINE: did mail come while nobody watched, or (-R) was the last
 * wake not handled?  Returns 1 to wake now.  A server that gives a new
 * UIDVALIDITY at every start can wake us once; after two changes in a
 * row, UIDs mean nothing there and the message count decides.
 */
static int
state_start(void)
{
	int uvchanged = haveold && old.uidvalidity != mb.uidvalidity;

	if (mb.arrived)
		return 1;	/* mail inside the EXAMINE response */
	if (!haveold) {
		info("no state yet, recorded uidvalidity %lu uidnext %lu",
		    mb.uidvalidity, mbox_cover(&mb, 0));
		return 1;
	}
	if (uvchanged && !old.changed) {
		info("uidvalidity changed (%lu -> %lu)", old.uidvalidity,
		    mb.uidvalidity);
		return 1;
	}
	if (uvchanged && mb.exists > old.exists) {
		info("new mail while not watching (%lu -> %lu messages)",
		    old.exists, mb.exists);
		return 1;
	}
	if (!uvchanged && mb.uidnext > old.uidnext) {
		info("new mail while not watching (uidnext %lu -> %lu)",
		    old.uidnext, mb.uidnext);
		return 1;
	}
	if (old.pending && rerun) {
		info("the last wake was not handled, waking again");
		return 1;
	}
	state_save(0, 1);
	return 0;
}

/* ---------------------------------------------------------------- */
/* The steps, in order. */

/* The usage: on stdout, with a pointer on, when -h asked for it. */
static void
usage(int code)
{
	FILE *f = code ? stderr : stdout;

	fprintf(f, "usage: imapwait [-nqRSVv] [-a mech] [-C cafile|cadir] "
	    "[-c command] [-F sha256]\n"
	    "                [-k seconds] [-m mailbox] [-P passfile] "
	    "[-p port] [-r fd]\n"
	    "                [-s statefile] [-t seconds] [-u user] "
	    "[-w seconds] host\n");
	if (!code)
		fprintf(f, "Waits for new mail; exits 0 new mail, 2 timeout, "
		    "100 permanent, 111 temporary.\nEvery option is "
		    "described in imapwait(1): man imapwait\n");
	exit(code);
}

static unsigned long
numarg(const char *s, unsigned long lo, unsigned long hi, int opt)
{
	unsigned long v;

	if (number(s, lo, hi, &v) == -1) {
		fprintf(stderr, "imapwait: -%c: not a number from %lu to %lu: "
		    "%s\n", opt, lo, hi, s);
		usage(EX_PERM);
	}
	return v;
}

static void
options(int argc, char **argv)
{
	static char portbuf[8];
	unsigned char tmp[32];
	int c;

	if (argc > 1 && !strcmp(argv[1], "--help"))
		usage(0);
	while ((c = getopt(argc, argv, "a:C:c:F:hk:m:nP:p:qRr:Ss:t:u:Vvw:")) != -1)
		switch (c) {
		case 'a':
			if (!strcasecmp(optarg, "login"))
				mech = M_LOGIN;
			else if (!strcasecmp(optarg, "plain"))
				mech = M_PLAIN;
			else if (!strcasecmp(optarg, "xoauth2"))
				mech = M_XOAUTH2;
			else if (!strcasecmp(optarg, "oauthbearer"))
				mech = M_OAUTHBEARER;
			else {
				fprintf(stderr, "imapwait: -a: unknown "
				    "mechanism: %s\n", optarg);
				usage(EX_PERM);
			}
			break;
		case 'C': cafile = optarg; break;
		case 'c': passcmd = optarg; break;
		case 'F':
			if (parsepin(optarg, tmp) == -1) {
				fprintf(stderr, "imapwait: -F: not a SHA-256 "
				    "fingerprint: %s\n", optarg);
				usage(EX_PERM);
			}
			pin = optarg;
			break;
		case 'k': keepalive = numarg(optarg, 0, 32767, c); break;
		case 'm': mailbox = optarg; break;
		case 'n': nameonly = 1; break;
		case 'P': passfile = optarg; break;
		case 'p':
			snprintf(portbuf, sizeof portbuf, "%lu",
			    numarg(optarg, 1, 65535, c));
			port = portbuf;
			break;
		case 'h': usage(0); break;
		case 'q': quiet = 1; break;
		case 'R': rerun = 1; break;
		case 'r':
			readyfd = (int)numarg(optarg, 0, INT_MAX, c);
			/* Not for the password command's children. */
			if (fcntl(readyfd, F_SETFD, FD_CLOEXEC) == -1) {
				fprintf(stderr, "imapwait: -r: %d is not an "
				    "open file descriptor\n", readyfd);
				usage(EX_PERM);
			}
			break;
		case 'S': starttls = 1; break;
		case 's': statefile = optarg; break;
		case 't': timeout = numarg(optarg, 1, 86400 * 365, c); break;
		case 'u': user = optarg; break;
		case 'V':
			printf("imapwait %s (%s)\n", VERSION,
			    MBEDTLS_VERSION_STRING_FULL);
			exit(0);
		case 'v': verbose = 1; break;
		case 'w': steptime = numarg(optarg, 1, 3600, c); break;
		default: usage(EX_PERM);
		}
	if (argc - optind != 1 || !*argv[optind])
		usage(EX_PERM);
	host = argv[optind];
	/* One colon is host:port (an IPv6 literal has more, no brackets). */
	if (strchr(host, '[') || (strchr(host, ':') &&
	    strchr(host, ':') == strrchr(host, ':'))) {
		fprintf(stderr, "imapwait: %s: a host, not host:port: use -p "
		    "for the port\n", host);
		usage(EX_PERM);
	}
	if (strlen(host) > HOST_MAX) {
		fprintf(stderr, "imapwait: host name too long\n");
		usage(EX_PERM);
	}
	snprintf(tlsname, sizeof tlsname, "%s", host);
	if (strlen(tlsname) > 1 && tlsname[strlen(tlsname) - 1] == '.')
		tlsname[strlen(tlsname) - 1] = '\0';
	if (inet_pton(AF_INET, tlsname, hostip) == 1)
		hostiplen = 4;
	else if (inet_pton(AF_INET6, tlsname, hostip) == 1)
		hostiplen = 16;
	if (!port)
		port = starttls ? "143" : "993";
	if (passcmd && passfile) {
		fprintf(stderr, "imapwait: -c and -P exclude each other\n");
		usage(EX_PERM);
	}
	if ((mech == M_XOAUTH2 || mech == M_OAUTHBEARER) && !passcmd &&
	    !passfile) {
		fprintf(stderr, "imapwait: -a %s needs a token from -c or -P\n",
		    mech == M_XOAUTH2 ? "xoauth2" : "oauthbearer");
		usage(EX_PERM);
	}
	if (user && strpbrk(user, "\r\n")) {
		fprintf(stderr, "imapwait: -u: bad user name\n");
		usage(EX_PERM);
	}
}

static void
setlabel(void)
{
	snprintf(label, sizeof label, "imapwait: %s@%s/%s", user, host,
	    mailbox);
}

static void
keepalives(void)
{
	int on = 1, idle = (int)keepalive, cnt = KEEPALIVE_PROBES;
	int intvl = idle / 4 > 0 ? idle / 4 : 1;
	unsigned ut = (unsigned)(idle + cnt * intvl) * 1000;

	if (!keepalive)
		return;
	/* The kernel probes a silent peer; we sleep on. */
	if (setsockopt(sock, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) ||
	    setsockopt(sock, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) ||
	    setsockopt(sock, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl)
	    || setsockopt(sock, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt) ||
	    setsockopt(sock, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, sizeof ut))
		warnx("warning: unable to set TCP keepalive:");
}

/* Every address of the host in turn, each with the step deadline. */
static void
connect_host(void)
{
	struct addrinfo hints, *res, *ai;
	socklen_t len;
	int r, err = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	r = getaddrinfo(host, port, &hints, &res);
	/* "imap.example.org." is absolute; a hosts file may lack the dot. */
	if (r == EAI_NONAME && strcmp(host, tlsname) != 0)
		r = getaddrinfo(tlsname, port, &hints, &res);
	if (r != 0) {
		if (r == EAI_SYSTEM)
			die(EX_TEMP, "unable to resolve %s:", host);
		die(EX_TEMP, "unable to resolve %s: %s", host, gai_strerror(r));
	}
	for (ai = res; ai; ai = ai->ai_next) {
		sock = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (sock == -1) {
			err = errno;
			continue;
		}
		deadline(steptime);
		if (connect(sock, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			r = waitfor(POLLOUT);
			len = sizeof err;
			if (r == 1 && getsockopt(sock, SOL_SOCKET, SO_ERROR,
			    &err, &len) == 0 && err == 0)
				break;
			if (r == 0)
				err = ETIMEDOUT;
		} else
			err = errno;
		close(sock);
		sock = -1;
	}
	freeaddrinfo(res);
	if (sock == -1) {
		errno = err;
		die(EX_TEMP, "unable to connect to %s:%s:", host, port);
	}
	keepalives();
}

static void
greeting(void)
{
	struct resp r;

	deadline(steptime);
	if (nextresp(&r) == -1) {
		if (starttls && io.why == IO_TIME)
			tls_sniff();
		io_fail("greeting");
	}
	if (r.type != R_UNTAGGED)
		die(EX_TEMP, "protocol error: bad greeting: %s", clean(line));
	if (r.status != S_OK && r.status != S_PREAUTH)
		die(EX_TEMP, "protocol error: bad greeting: %s", clean(line));
	preauth = r.status == S_PREAUTH;
}

static void
capability(void)
{
	struct resp r;

	deadline(steptime);
	sendcmd(NULL, "CAPABILITY");
	tagged(&r, "CAPABILITY");
	if (r.status != S_OK)
		die(EX_TEMP, "CAPABILITY failed: %s", clean(r.text));
}

/*
 * -S: a plain greeting and STARTTLS.  Nothing the server sent before the
 * handshake is kept: not its capabilities, not bytes already buffered
 * (the STARTTLS injection flaw).
 */
static void
starttls_step(void)
{
	struct resp r;

	greeting();
	if (preauth)
		die(EX_PERM, "server sent PREAUTH before STARTTLS; refusing");
	if (!(caps & CAP_SEEN))
		capability();
	if (!(caps & CAP_STARTTLS))
		die(EX_PERM, "server does not offer STARTTLS");
	deadline(steptime);
	sendcmd(NULL, "STARTTLS");
	tagged(&r, "STARTTLS");
	if (r.status != S_OK)
		die(failcode(&r, EX_PERM), "STARTTLS failed: %s",
		    clean(r.text));
	rpos = rlen = 0;
	caps = 0;
	tls_on = 1;
	tls_handshake();
}

/* An astring argument: quoted, or a literal for 8-bit data. */
static void
sendarg(char *buf, size_t *n, size_t size, const char *s, const char *what)
{
	struct resp r;
	size_t len = strlen(s);

	if (quote(buf + *n, size - *n - 2, s) == 0) {
		*n += strlen(buf + *n);
		return;
	}
	if (strpbrk(s, "\r\n") || len + 32 >= size)
		die(EX_PERM, "bad or too long %s", what);
	/* "{len}" ends this line; the server says "+" before the data. */
	*n += (size_t)snprintf(buf + *n, size - *n, "{%zu%s}\r\n", len,
	    caps & CAP_LITERALPLUS ? "+" : "");
	sendraw(buf, *n);
	explicit_bzero(buf, *n);
	if (!(caps & CAP_LITERALPLUS)) {
		needresp(&r, "LOGIN");
		if (r.type == R_TAGGED)
			die(failcode(&r, EX_PERM), "login failed: %s",
			    clean(r.text));
		if (r.type != R_CONT)
			die(EX_TEMP, "protocol error: expected +: %s",
			    clean(line));
	}
	if (len >= size)
		die(EX_PERM, "%s too long", what);
	memcpy(buf, s, len);
	*n = len;
}

static void
login_cmd(void)
{
	char *buf = cmdbuf;
	size_t n;

	n = (size_t)snprintf(buf, sizeof cmdbuf, "a%lu LOGIN ", ++tagno);
	if (verbose) {
		char t[300];

		snprintf(t, sizeof t, "a%lu LOGIN %s <redacted>", tagno,
		    clean(user));
		trace("C", t);
	}
	sendarg(buf, &n, sizeof cmdbuf, user, "user name");
	buf[n++] = ' ';
	sendarg(buf, &n, sizeof cmdbuf, secret, "password");
	memcpy(buf + n, "\r\n", 2);
	sendraw(buf, n + 2);
	explicit_bzero(buf, n + 2);
}

/*
 * AUTHENTICATE with one initial response (PLAIN, XOAUTH2, OAUTHBEARER):
 * in the command with SASL-IR, else after the "+".  A "+" after that is
 * an error challenge (RFC 7628 3.2.2): answer so the server ends the
 * exchange with its NO.
 */
static void
authenticate(struct resp *rp, const char *name, const char *ir, size_t irlen)
{
	static char enc[B64_MAX];
	char shown[64];
	struct resp r;
	int sent = 0;

	b64(enc, sizeof enc, (const unsigned char *)ir, irlen);
	snprintf(shown, sizeof shown, "AUTHENTICATE %s <redacted>", name);
	if (caps & CAP_SASLIR) {
		sendcmd(shown, "AUTHENTICATE %s %s", name, enc);
		sent = 1;
	} else
		sendcmd(NULL, "AUTHENTICATE %s", name);
	for (;;) {
		needresp(&r, "AUTHENTICATE");
		if (r.type == R_TAGGED)
			break;
		if (r.type != R_CONT)
			continue;
		if (!sent) {
			trace("C", "<redacted>");
			sendraw(enc, strlen(enc));
			sendraw("\r\n", 2);
			sent = 1;
		} else {
			/* The error challenge; "AQ==" is a lone %x01. */
			trace("C", mech == M_OAUTHBEARER ? "AQ==" : "");
			sendraw(mech == M_OAUTHBEARER ? "AQ==\r\n" : "\r\n",
			    mech == M_OAUTHBEARER ? 6 : 2);
		}
	}
	explicit_bzero(enc, strlen(enc));
	if (r.status != S_OK)
		die(failcode(&r, EX_PERM), "login failed: %s", clean(r.text));
	*rp = r;
}

/* A GS2 authzid (RFC 5801): "," and "=" as =2C and =3D. */
static const char *
gs2name(const char *s)
{
	static char buf[3 * 256 + 1];
	size_t n = 0;

	for (; *s && n + 4 < sizeof buf; s++)
		if (*s == ',' || *s == '=') {
			memcpy(buf + n, *s == ',' ? "=2C" : "=3D", 3);
			n += 3;
		} else
			buf[n++] = *s;
	if (*s)
		die(EX_PERM, "user name too long");
	buf[n] = '\0';
	return buf;
}

static void
login(void)
{
	char *ir = sasl;
	size_t irsize = sizeof sasl;
	enum mech m = mech;
	struct resp r;
	int n;

	if (!(caps & CAP_SEEN))
		capability();
	if (preauth) {
		explicit_bzero(secret, sizeof secret);
		return;
	}
	if (m == M_DEFAULT)
		m = caps & CAP_PLAIN ? M_PLAIN : M_LOGIN;
	if (m == M_LOGIN && (caps & CAP_LOGINDISABLED))
		die(EX_PERM, "server does not allow LOGIN (LOGINDISABLED)");
	if ((m == M_PLAIN && !(caps & CAP_PLAIN)) ||
	    (m == M_XOAUTH2 && !(caps & CAP_XOAUTH2)) ||
	    (m == M_OAUTHBEARER && !(caps & CAP_OAUTHBEARER)))
		die(EX_PERM, "server does not offer AUTH=%s",
		    m == M_PLAIN ? "PLAIN" : m == M_XOAUTH2 ? "XOAUTH2" :
		    "OAUTHBEARER");
	deadline(steptime);
	if (m == M_LOGIN) {
		login_cmd();
		tagged(&r, "LOGIN");
		if (r.status != S_OK)
			die(failcode(&r, EX_PERM), "login failed: %s",
			    clean(r.text));
	} else {
		if (m == M_PLAIN)
			n = snprintf(ir, irsize, "%c%s%c%s", 0, user, 0,
			    secret);
		else if (m == M_XOAUTH2)
			n = snprintf(ir, irsize, "user=%s\001auth=Bearer %s"
			    "\001\001", user, secret);
		else
			n = snprintf(ir, irsize, "n,a=%s,\001host=%s\001"
			    "port=%s\001auth=Bearer %s\001\001",
			    gs2name(user), host, port, secret);
		if (n < 0 || (size_t)n >= irsize)
			die(EX_PERM, "credentials too long");
		authenticate(&r, m == M_PLAIN ? "PLAIN" : m == M_XOAUTH2 ?
		    "XOAUTH2" : "OAUTHBEARER", ir, (size_t)n);
		explicit_bzero(ir, (size_t)n);
	}
	explicit_bzero(secret, strlen(secret));
	/* Many servers list IDLE only after login; the OK may carry them. */
	if (r.code != C_CAPABILITY) {
		caps = 0;
		capability();
	}
}

static void
examine(void)
{
	char name[1024], q[2100];
	struct resp r;

	if (!(caps & CAP_IDLE))
		die(EX_PERM, "server does not support IDLE");
	if (mutf7(name, sizeof name, mailbox) == -1 ||
	    quote(q, sizeof q, name) == -1)
		die(EX_PERM, "bad mailbox name: %s", clean(mailbox));
	deadline(steptime);
	mb.phase = MB_EXAMINING;
	sendcmd(NULL, "EXAMINE %s", q);
	tagged(&r, "EXAMINE");
	if (r.status != S_OK)
		die(failcode(&r, EX_PERM), "unable to examine mailbox: %s",
		    clean(r.text));
	mb.phase = MB_OPEN;
	mb.counting = 1;
	if (!mb.uidnext && mb.exists) {
		/* No [UIDNEXT]: the highest UID tells it as well. */
		mb.askuid = 1;
		sendcmd(NULL, "UID FETCH * (UID)");
		tagged(&r, "UID FETCH");
		mb.askuid = 0;
	}
}

static void
ready(void)
{
	info("idling (%lu message%s)", mb.exists, mb.exists == 1 ? "" : "s");
	if (readyfd >= 0) {
		/* A reader that has gone away must not kill us. */
		signal(SIGPIPE, SIG_IGN);
		(void)!write(readyfd, "\n", 1);
		close(readyfd);
		readyfd = -1;
	}
}

/*
 * Goodbye, bounded: DONE (cmd NULL) or a command, then its tagged reply.
 * What comes meanwhile still counts: mail, or a second signal.  Returns
 * -1 if the goodbye failed; that ends the goodbye, never the outcome.
 */
static int
farewell(const char *cmd)
{
	struct resp r;

	deadline(steptime < END_MAX ? steptime : END_MAX);
	if (cmd) {
		snprintf(cmdbuf, sizeof cmdbuf, "a%lu %s", ++tagno, cmd);
		trace("C", cmdbuf);
		strcat(cmdbuf, "\r\n");
	} else {
		snprintf(cmdbuf, sizeof cmdbuf, "DONE\r\n");
		trace("C", "DONE");
		idling = 0;
	}
	if (trysend(cmdbuf, strlen(cmdbuf)) == -1)
		return -1;
	do
		if (nextresp(&r) == -1)
			return -1;
	while (r.type != R_TAGGED);
	return 0;
}

/*
 * The end of every session that got as far as EXAMINE, for each outcome.
 * New mail: recorded first, then DONE and LOGOUT sent with no reply
 * awaited (the outcome is decided).  The deadline or a signal: DONE and
 * LOGOUT, each awaited briefly; mail in their replies still wakes.  A
 * signal wins over everything: nothing is recorded, the supervisor sees
 * us die by it, and the next start finds the mail on the server.
 */
static void
finish(int code)
{
	static char bye[48];
	int sig = gotsig;

	gotsig = 0;
	ending = 1;
	if (code != EX_NEWMAIL) {
		if ((!idling || farewell(NULL) == 0) && !mb.arrived &&
		    !gotsig && farewell("LOGOUT") == 0)
			mbedtls_ssl_close_notify(&ssl);
		if (!sig)
			sig = gotsig;
		if (mb.arrived)
			code = EX_NEWMAIL;
	}
	if (sig) {
		/* Die by the signal: the supervisor must see it. */
		signal(sig, SIG_DFL);
		sigemptyset(&waitmask);
		sigaddset(&waitmask, sig);
		sigprocmask(SIG_UNBLOCK, &waitmask, NULL);
		raise(sig);
		die(EX_TEMP, "killed by signal %d", sig);
	}
	if (code == EX_TIMEOUT)
		info("timed out after %lu second%s", timeout,
		    timeout == 1 ? "" : "s");
	if (code != EX_NEWMAIL)
		exit(code);
	if (statefile)
		state_save(1, !mb.arrived);
	if (mb.arrived)
		info("new mail (%lu -> %lu)", mb.before, mb.exists);
	/* No reply awaited, and a failure here changes nothing. */
	snprintf(bye, sizeof bye, "%sa%lu LOGOUT\r\n", idling ? "DONE\r\n" :
	    "", ++tagno);
	trace("C", idling ? "DONE" : "LOGOUT");
	(void)trysend(bye, strlen(bye));
	exit(EX_NEWMAIL);
}

/* Signals from here on end the session politely; they wait in ppoll. */
static void
catchsignals(void)
{
	sigset_t block;

	graceful = 1;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
}

/* IDLE, then the wait: new mail, the deadline, a signal, or a failure. */
static void
idle(void)
{
	struct resp r;

	deadline(steptime);
	sendcmd(NULL, "IDLE");
	do {
		needresp(&r, "IDLE");
		if (r.type == R_TAGGED)
			die(failcode(&r, EX_PERM), "IDLE failed: %s",
			    clean(r.text));
	} while (r.type != R_CONT);
	idling = 1;
	if (mb.arrived)
		finish(EX_NEWMAIL);	/* between EXAMINE and IDLE */
	catchsignals();
#ifdef __GLIBC__
	/* The handshake's freed memory goes back to the kernel. */
	malloc_trim(0);
#endif
	deadline(timeout);
	ready();
	while (nextresp(&r) == 0) {
		if (r.type == R_TAGGED)
			die(EX_TEMP, "protocol error: server ended IDLE: %s",
			    clean(line));
		if (mb.arrived)
			finish(EX_NEWMAIL);
	}
	if (io.why == IO_TIME)
		finish(EX_TIMEOUT);
	if (io.why == IO_SIG)
		finish(EX_TEMP);
	io_fail("IDLE");
}

#ifndef IMAPWAIT_NO_MAIN
int
main(int argc, char **argv)
{
	struct sigaction sa;

	options(argc, argv);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = onsignal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigprocmask(SIG_SETMASK, NULL, &waitmask);
	if ((tfd = timerfd_create(CLOCK_BOOTTIME, TFD_CLOEXEC)) == -1)
		die(EX_TEMP, "unable to create a timer:");

	credentials();
	if (nameonly) {
		printf("%s\n", user);
		exit(fflush(stdout) == 0 ? 0 : EX_TEMP);
	}
	setlabel();
	if (statefile)
		state_open(statefile);
	tls_init();
	connect_host();
	if (starttls)
		starttls_step();
	else {
		tls_on = 1;
		tls_handshake();
	}
	if (!starttls)
		greeting();
	login();
	examine();
	if ((statefile && state_start()) || mb.arrived)
		finish(EX_NEWMAIL);
	idle();
	return EX_TEMP;
}
#endif
