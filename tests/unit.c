/* SPDX-License-Identifier: ISC */
/*
 * Unit tests: the response scanner, the line reader, modified UTF-7,
 * quoting, netrc, the state file and the new-mail state machine.
 * imapwait.c is included whole so that its static functions are in reach.
 */
#define IMAPWAIT_NO_MAIN
#include "../imapwait.c"

/*
 * UNIT_NO_MBEDTLS: a build that links no mbedTLS (the 32-bit one, where
 * Debian's multilib has no 32-bit mbedTLS: make tests/unit
 * CFLAGS="-m32 -O2 -g -DUNIT_NO_MBEDTLS" LDLIBS=).  Only test_pem calls
 * mbedTLS; it then compares pem_decode with the reference decoder alone.
 * The rest of imapwait.c's mbedTLS calls are in functions the tests do
 * not reach, which the compiler drops (so -O1 or more).
 */
#ifdef UNIT_NO_MBEDTLS
#define mbedtls_base64_decode(d, dl, ol, s, sl) (*(ol) = 0, -1)
#define HAVE_MBEDTLS 0
#else
#define HAVE_MBEDTLS 1
#endif


static int tests, failed;

static void
ok(int cond, const char *what)
{
	tests++;
	if (!cond)
		failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tests, what);
}

static struct resp
scanstr(const char *s, int *ret)
{
	static char buf[LINE_MAX_LEN + 1];
	struct resp r;

	snprintf(buf, sizeof buf, "%s", s);
	*ret = scan(buf, strlen(buf), &r);
	return r;
}

/*
 * Numbers are 32-bit on every platform: these pass on a 64-bit build
 * today and are the ones a 32-bit build (NUM_MAX == ULONG_MAX there) got
 * wrong, e.g. "* 4294967300 EXISTS" read as 4.
 */
static void
test_scan32(void)
{
	struct resp r;
	const char *p;
	unsigned long v;
	int ret;

	r = scanstr("* 4294967295 EXISTS", &ret);
	ok(ret == 0 && r.word == W_EXISTS && r.num == 4294967295UL,
	    "scan32: 4294967295 is the largest count");
	r = scanstr("* 4294967300 EXISTS", &ret);
	ok(ret == -1, "scan32: * 4294967300 EXISTS is malformed, not 4");
	r = scanstr("* 42949672950 EXISTS", &ret);
	ok(ret == -1, "scan32: * 42949672950 EXISTS is malformed");
	r = scanstr("* OK [UIDNEXT 4294967296] x", &ret);
	ok(ret == 0 && r.code != C_UIDNEXT,
	    "scan32: [UIDNEXT 4294967296] is no hint (not 0)");
	r = scanstr("* OK [UIDVALIDITY 4294967297] x", &ret);
	ok(ret == 0 && r.code != C_UIDVALIDITY,
	    "scan32: [UIDVALIDITY 4294967297] is no hint (not 1)");
	r = scanstr("a4294967297 OK done", &ret);
	ok(ret == -1 || r.tag != 1, "scan32: tag a4294967297 is not a1");
	p = "4294967295";
	ok(imapnum(&p, &v) == 0 && v == 4294967295UL && !*p,
	    "scan32: imapnum takes 4294967295");
	p = "4294967296";
	ok(imapnum(&p, &v) == -1, "scan32: imapnum refuses 4294967296");
	p = "99999999999999999999";
	ok(imapnum(&p, &v) == -1, "scan32: imapnum refuses 20 digits");
	ok(number("4294967296", 0, NUM_MAX, &v) == -1,
	    "scan32: number() refuses 4294967296");
}

/*
 * UIDs come only from the UID item of a FETCH, parsed as the attribute
 * list it is, never from a search for "UID " in the text.  (If the FETCH
 * parser gets a name of its own, these still go through scan().)
 */
static void
test_scanfetch(void)
{
	struct resp r;
	int ret;

	r = scanstr("* 2 FETCH (FLAGS (\\Seen UID 99999))", &ret);
	ok(ret == 0 && r.word == W_FETCH && r.uid == 0,
	    "fetch: \"UID\" inside FLAGS is a keyword, not a UID");
	r = scanstr("* 2 FETCH (FLAGS (UID) UID 8)", &ret);
	ok(ret == 0 && r.uid == 8, "fetch: UID after FLAGS (UID)");
	r = scanstr("* 2 FETCH (UID 7 FLAGS (\\Seen))", &ret);
	ok(ret == 0 && r.uid == 7, "fetch: UID first");
	r = scanstr("* 2 FETCH (FLAGS (\\Seen) UID 7)", &ret);
	ok(ret == 0 && r.uid == 7, "fetch: UID last");
	r = scanstr("* 2 FETCH (uid 7)", &ret);
	ok(ret == 0 && r.uid == 7, "fetch: the item name is case-insensitive");
	r = scanstr("* 2 FETCH (MODSEQ (12345) UID 6)", &ret);
	ok(ret == 0 && r.uid == 6, "fetch: UID after MODSEQ");
	r = scanstr("* 2 FETCH (X-GM-LABELS (\"UID 5\" UID) UID 9)", &ret);
	ok(ret == 0 && r.uid == 9,
	    "fetch: \"UID 5\" in a quoted string and an atom UID in a list");
	r = scanstr("* 2 FETCH (ENVELOPE (NIL \"UID 5\" NIL NIL NIL NIL NIL "
	    "NIL NIL NIL) UID 10)", &ret);
	ok(ret == 0 && r.uid == 10, "fetch: \"UID 5\" inside ENVELOPE");
	r = scanstr("* 2 FETCH (BODY[HEADER.FIELDS (UID)] {5} UID 11)", &ret);
	ok(ret == 0 && r.uid == 11,
	    "fetch: UID in a section spec, then a literal's {n}");
	r = scanstr("* 2 FETCH (XUID 12)", &ret);
	ok(ret == 0 && r.uid == 0, "fetch: XUID is not UID");
	r = scanstr("* 2 FETCH (FLAGS (\\Seen))", &ret);
	ok(ret == 0 && r.uid == 0, "fetch: no UID item");
	r = scanstr("* 2 FETCH (UID 0)", &ret);
	ok(ret == -1 || r.uid == 0, "fetch: UID 0 is no UID");
}

static void
test_scan(void)
{
	struct resp r;
	int ret;

	r = scanstr("* 23 EXISTS", &ret);
	ok(ret == 0 && r.type == R_UNTAGGED && r.word == W_EXISTS &&
	    r.num == 23, "scan: * 23 EXISTS");
	r = scanstr("* 5 exists", &ret);
	ok(ret == 0 && r.word == W_EXISTS && r.num == 5,
	    "scan: keywords are case-insensitive");
	r = scanstr("* 3 EXPUNGE", &ret);
	ok(ret == 0 && r.word == W_EXPUNGE && r.num == 3, "scan: EXPUNGE");
	r = scanstr("* 4 FETCH (FLAGS (\\Seen) UID 77)", &ret);
	ok(ret == 0 && r.word == W_FETCH && r.uid == 77, "scan: FETCH UID");
	r = scanstr("* 4 FETCH (FLAGS (\\Seen))", &ret);
	ok(ret == 0 && r.word == W_FETCH && r.uid == 0,
	    "scan: FETCH without UID");
	r = scanstr("* OK [UIDNEXT 4392] Predicted next UID", &ret);
	ok(ret == 0 && r.status == S_OK && r.code == C_UIDNEXT &&
	    r.codeval == 4392 && !strcmp(r.text, "Predicted next UID"),
	    "scan: [UIDNEXT n]");
	r = scanstr("* OK [UIDVALIDITY 3857529045] UIDs valid", &ret);
	ok(ret == 0 && r.code == C_UIDVALIDITY && r.codeval == 3857529045UL,
	    "scan: [UIDVALIDITY n]");
	r = scanstr("* OK [UIDNEXT 99999999999] big", &ret);
	ok(ret == 0 && r.code == C_OTHER, "scan: an out-of-range hint is no hint");
	r = scanstr("* OK Still here", &ret);
	ok(ret == 0 && r.status == S_OK && r.word == W_NONE &&
	    r.code == C_NONE, "scan: keepalive");
	r = scanstr("a12 OK [READ-ONLY] Examine completed", &ret);
	ok(ret == 0 && r.type == R_TAGGED && r.tag == 12 && r.status == S_OK,
	    "scan: tagged OK");
	r = scanstr("a3 NO [AUTHENTICATIONFAILED] Authentication failed.", &ret);
	ok(ret == 0 && r.status == S_NO && r.code == C_AUTHFAILED &&
	    failcode(&r, 0) == EX_PERM, "scan: [AUTHENTICATIONFAILED] is 100");
	r = scanstr("a3 NO [UNAVAILABLE] Try later", &ret);
	ok(ret == 0 && failcode(&r, EX_PERM) == EX_TEMP,
	    "scan: [UNAVAILABLE] is 111");
	r = scanstr("a3 NO [NONEXISTENT] Unknown Mailbox", &ret);
	ok(ret == 0 && failcode(&r, EX_TEMP) == EX_PERM,
	    "scan: [NONEXISTENT] is 100");
	r = scanstr("* BYE Server shutting down", &ret);
	ok(ret == 0 && r.status == S_BYE, "scan: BYE");
	r = scanstr("* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hi", &ret);
	ok(ret == 0 && r.status == S_PREAUTH && r.code == C_CAPABILITY &&
	    (scancaps(r.caps) & CAP_IDLE), "scan: PREAUTH with capabilities");
	r = scanstr("+ idling", &ret);
	ok(ret == 0 && r.type == R_CONT, "scan: continuation");
	r = scanstr("+", &ret);
	ok(ret == 0 && r.type == R_CONT, "scan: bare continuation");
	r = scanstr("* CAPABILITY IMAP4rev1 idle AUTH=PLAIN SASL-IR", &ret);
	ok(ret == 0 && r.word == W_CAPABILITY && scancaps(r.caps) ==
	    (CAP_SEEN | CAP_IDLE | CAP_PLAIN | CAP_SASLIR),
	    "scan: CAPABILITY");
	ok(!(scancaps("IDLEX AUTH=PLAINS") & (CAP_IDLE | CAP_PLAIN)),
	    "scan: capabilities match whole words");
	r = scanstr("* 18446744073709551617 EXISTS", &ret);
	ok(ret == -1, "scan: a number past 2^64 is malformed");
	r = scanstr("* 4294967296 EXISTS", &ret);
	ok(ret == -1, "scan: a number past 2^32 is malformed");
	r = scanstr("* -1 EXISTS", &ret);
	ok(ret == -1 || r.word != W_EXISTS, "scan: a negative count is not a count");
	r = scanstr("* 12EXISTS", &ret);
	ok(ret == -1, "scan: a number glued to a word is malformed");
	r = scanstr("x1 OK done", &ret);
	ok(ret == -1, "scan: a foreign tag is malformed");
	r = scanstr("a1 BYE no", &ret);
	ok(ret == -1, "scan: a tagged BYE is malformed");
	r = scanstr("*", &ret);
	ok(ret == -1, "scan: a lone star is malformed");
	r = scanstr("", &ret);
	ok(ret == -1, "scan: an empty line is malformed");
	{
		char buf[] = "* 1 EXISTS\0junk";

		ok(scan(buf, sizeof buf - 1, &r) == -1,
		    "scan: an embedded NUL is malformed");
	}
	test_scan32();
	test_scanfetch();
}

/* readline() over a string instead of the network. */
static const char *feed;
static size_t feedlen, feedpos, feedchunk = 7;

/* feedstall: at this offset the next read times out, once (0: never) */
static size_t feedstall;

static int
readfeed(unsigned char *b, size_t n)
{
	size_t k = feedlen - feedpos;

	if (feedstall && feedpos == feedstall) {
		feedstall = 0;
		io.why = IO_TIME;
		return -1;
	}
	if (feedstall && feedpos + k > feedstall)
		k = feedstall - feedpos;
	if (k == 0)
		return 0;
	if (k > n)
		k = n;
	if (k > feedchunk)
		k = feedchunk;
	memcpy(b, feed + feedpos, k);
	feedpos += k;
	return (int)k;
}

static void
setfeed(const char *s, size_t n)
{
	feed = s;
	feedlen = n;
	feedpos = 0;
	rpos = rlen = 0;
	rdlen = rdskip = 0;
	readfn = readfeed;
}

/*
 * A literal cut by a deadline: the read times out after 12 of its 40
 * bytes; what comes after (the rest of the literal, which starts with
 * "* 99 EXISTS") is still the literal when reading goes on (the DONE's
 * answer), never a response.
 */
static void
test_literal_deadline(void)
{
	static const char in[] =
	    "* 1 FETCH (BODY[] {40}\r\nSubject: x\r\n"
	    "* 99 EXISTS\r\nX-Pad: 123456\r\n)\r\n"
	    "a3 OK Idle completed.\r\n";
	struct resp r;
	long n;
	int i, timedout = 0, bogus = 0, done = 0;

	setfeed(in, sizeof in - 1);
	feedstall = 24 + 12;	/* the line and "{40}\r\n", 12 bytes in */
	for (i = 0; i < 10; i++) {
		if ((n = readline()) < 0) {
			if (io.why == IO_TIME) {
				timedout++;
				continue;
			}
			break;
		}
		if (scan(line, (size_t)n, &r) == 0 && r.type == R_UNTAGGED &&
		    r.word == W_EXISTS)
			bogus++;
		if (!strcmp(line, "a3 OK Idle completed."))
			done++;
	}
	feedstall = 0;
	ok(timedout == 1, "readline: the deadline inside a literal is seen");
	ok(bogus == 0, "readline: after it, the literal's rest is no response");
	ok(done == 1, "readline: and the response after the literal is read");
}

static void
test_readline(void)
{
	static const char lit[] =
	    "* 1 FETCH (BODY[] {19}\r\n* 9 EXISTS\r\n* 9 EXI)\r\n"
	    "* 2 EXISTS\r\n";
	struct resp r;
	long n;
	char *big;

	setfeed(lit, sizeof lit - 1);
	n = readline();
	ok(n > 0 && !strcmp(line, "* 1 FETCH (BODY[] {19})"),
	    "readline: a literal's contents are skipped");
	n = readline();
	ok(n > 0 && scan(line, (size_t)n, &r) == 0 && r.num == 2,
	    "readline: the next response follows the literal");
	n = readline();
	ok(n == -1 && io.why == IO_EOF, "readline: end of input");

	setfeed("* OK a\n* OK b\r\n", 15);
	ok(readline() == 6 && readline() == 6,
	    "readline: bare LF and CRLF both end a line");

	big = malloc(LINE_MAX_LEN + 100);
	memset(big, 'x', LINE_MAX_LEN + 100);
	setfeed(big, LINE_MAX_LEN + 100);
	ok(readline() == -1 && io.why == IO_PROTO && strstr(io.text, "too long"),
	    "readline: an overlong line is a protocol error");
	free(big);

	setfeed("* 1 FETCH {4294967295}\r\n", 24);
	ok(readline() == -1 && io.why == IO_PROTO && strstr(io.text, "literal"),
	    "readline: a 4 GiB literal is refused, not allocated");
	setfeed("* 1 FETCH {99999999999999999999}\r\n", 34);
	ok(readline() == -1 && io.why == IO_PROTO, "readline: a literal size past 2^64");
	setfeed("* OK a\0b\r\n", 10);
	ok(readline() == -1 && io.why == IO_PROTO && strstr(io.text, "NUL"),
	    "readline: NUL is a protocol error");
	setfeed("* 1 FETCH (X {3}\r\nab", 20);
	ok(readline() == -1 && io.why == IO_EOF,
	    "readline: EOF inside a literal");
	setfeed("* 1 FETCH (BODY[] {4294967296}\r\nx)\r\n", 35);
	ok(readline() == -1 && io.why == IO_PROTO && strstr(io.text, "literal"),
	    "readline: {4294967296} is refused (not {0} in 32 bits)");
	setfeed("* 1 FETCH (BODY[] {4294967297}\r\nx)\r\n", 35);
	ok(readline() == -1 && io.why == IO_PROTO && strstr(io.text, "literal"),
	    "readline: {4294967297} is refused (not {1} in 32 bits)");
	test_literal_deadline();
	readfn = net_read;
}

static void
test_mbox(void)
{
	struct mbox m;
	struct resp r;
	int ret;

	memset(&m, 0, sizeof m);
	m.phase = MB_EXAMINING;
	r = scanstr("* 5 EXISTS", &ret);
	mbox_update(&m, &r);
	r = scanstr("* OK [UIDNEXT 10] x", &ret);
	mbox_update(&m, &r);
	m.phase = MB_OPEN;
	ok(m.exists == 5 && m.arrived == 0 && m.uidnext == 10,
	    "mbox: EXAMINE's count is not new mail");
	r = scanstr("* 2 EXPUNGE", &ret);
	mbox_update(&m, &r);
	r = scanstr("* 4 EXISTS", &ret);
	mbox_update(&m, &r);
	ok(m.exists == 4 && m.arrived == 0,
	    "mbox: EXISTS after EXPUNGE with the same count is not new mail");
	r = scanstr("* 1 FETCH (FLAGS (\\Seen))", &ret);
	mbox_update(&m, &r);
	r = scanstr("* OK Still here", &ret);
	mbox_update(&m, &r);
	r = scanstr("* 3 EXISTS", &ret);
	mbox_update(&m, &r);
	ok(m.arrived == 0 && m.exists == 3,
	    "mbox: flags, keepalives and a lower count are not new mail");
	r = scanstr("* 5 EXISTS", &ret);
	mbox_update(&m, &r);
	ok(m.arrived == 2 && m.exists == 5, "mbox: a rise is new mail");
	r = scanstr("* 5 FETCH (FLAGS (\\Recent) UID 10)", &ret);
	mbox_update(&m, &r);
	ok(m.uidnext == 10 && m.floor == 11,
	    "mbox: a FETCH's UID is a floor, it does not move UIDNEXT");
	mb = m;
	statefile = NULL;
	r = scanstr("* 2 FETCH (FLAGS (\\Seen UID 99999))", &ret);
	ok(ret == 0 && r.uid == 0, "fetch: a keyword UID among the FLAGS is no UID");
	r = scanstr("* 2 FETCH (FLAGS (\\Seen) UID 7)", &ret);
	ok(ret == 0 && r.uid == 7, "fetch: the UID item after FLAGS");
	r = scanstr("* 2 FETCH (BODY[HEADER.FIELDS (UID)] {5} UID 8)", &ret);
	ok(ret == 0 && r.uid == 8, "fetch: a section and a literal before UID");
	r = scanstr("* 2 FETCH (X-GM-LABELS (\"UID 5\") UID 9)", &ret);
	ok(ret == 0 && r.uid == 9, "fetch: UID inside a quoted string is data");
	r = scanstr("* 2 FETCH (ENVELOPE (NIL \"UID 3\" ((NIL NIL \"a\" \"b\")) NIL))", &ret);
	ok(ret == 0 && r.uid == 0, "fetch: no UID item, no UID");
	r = scanstr("* 2 FETCH (UID 4294967296)", &ret);
	ok(ret == 0 && r.uid == 0, "fetch: a UID past 32 bits is no UID");
	r = scanstr("* 4294967300 EXISTS", &ret);
	ok(ret == -1, "scan: a count past 32 bits is malformed");

	/* EXAMINE gave 3 and UIDNEXT 4; then [UIDNEXT 5] and a 4th: 5 */
	memset(&m, 0, sizeof m);
	m.phase = MB_EXAMINING;
	r = scanstr("* 3 EXISTS", &ret);
	mbox_update(&m, &r);
	r = scanstr("* OK [UIDNEXT 4] x", &ret);
	mbox_update(&m, &r);
	m.phase = MB_OPEN;
	r = scanstr("* OK [UIDNEXT 5] x", &ret);
	mbox_update(&m, &r);
	r = scanstr("* 4 EXISTS", &ret);
	mbox_update(&m, &r);
	ok(m.arrived == 1 && mbox_cover(&m, 0) == 5,
	    "mbox: a later [UIDNEXT] is a floor, not added to");
	/* a second EXISTS inside EXAMINE's response, before its [UIDNEXT] */
	memset(&m, 0, sizeof m);
	m.phase = MB_EXAMINING;
	r = scanstr("* 3 EXISTS", &ret);
	mbox_update(&m, &r);
	r = scanstr("* 4 EXISTS", &ret);
	mbox_update(&m, &r);
	r = scanstr("* OK [UIDNEXT 5] x", &ret);
	mbox_update(&m, &r);
	ok(m.arrived == 1 && mbox_cover(&m, 0) == 5,
	    "mbox: a rise inside EXAMINE counts, covered by its UIDNEXT");
	r = scanstr("* 5 EXISTS", &ret);
	mbox_update(&m, &r);
	ok(m.arrived == 2 && mbox_cover(&m, 0) == 6 && mbox_cover(&m, 9) == 10,
	    "mbox: later rises add to UIDNEXT, or to a higher one known");
	r = scanstr("* 9 EXPUNGE", &ret);
	ok(mbox_update(&m, &r) == -1,
	    "mbox: EXPUNGE of a message that cannot exist is an error");
}

static void
test_clean(void)
{
	ok(!strcmp(clean("Entw\xc3\xbcrfe"), "Entw\xc3\xbcrfe"),
	    "clean: valid UTF-8 is shown as it is");
	ok(!strcmp(clean("a\tb\x1b[2Jc"), "a\\x09b\\x1b[2Jc"),
	    "clean: control characters are escaped");
	ok(!strcmp(clean("x\xc3(\xff\xed\xa0\x80"), "x\\xc3(\\xff\\xed\\xa0\\x80"),
	    "clean: invalid bytes and surrogates are escaped");
	ok(!strcmp(clean("\xc2\x9b" "1m"), "\\xc2\\x9b1m"),
	    "clean: C1 controls in UTF-8 are escaped");
}

static void
test_encodings(void)
{
	char out[256];
	unsigned char fp[32];

	ok(mutf7(out, sizeof out, "INBOX") == 0 && !strcmp(out, "INBOX"),
	    "mutf7: ASCII stays");
	ok(mutf7(out, sizeof out, "Entwürfe") == 0 &&
	    !strcmp(out, "Entw&APw-rfe"), "mutf7: Entwürfe");
	ok(mutf7(out, sizeof out, "Входящие") == 0 &&
	    !strcmp(out, "&BBIERQQ+BDQETwRJBDgENQ-"), "mutf7: Входящие");
	ok(mutf7(out, sizeof out, "A&B") == 0 && !strcmp(out, "A&-B"),
	    "mutf7: & is &-");
	ok(mutf7(out, sizeof out, "~peter/mail/台北/日本語") == 0 &&
	    !strcmp(out, "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
	    "mutf7: RFC 3501's example");
	ok(mutf7(out, sizeof out, "\xf0\x9f\x93\xa7") == 0 &&
	    !strcmp(out, "&2D3c5w-"), "mutf7: a character outside the BMP");
	ok(mutf7(out, sizeof out, "bad\xff") == -1, "mutf7: invalid UTF-8");
	ok(mutf7(out, sizeof out, "\xc0\xaf") == -1, "mutf7: overlong UTF-8");
	ok(mutf7(out, 4, "Entwürfe") == -1, "mutf7: bounded output");
	ok(quote(out, sizeof out, "p\"a\\ss") == 0 &&
	    !strcmp(out, "\"p\\\"a\\\\ss\""), "quote: \" and \\ escaped");
	ok(quote(out, sizeof out, "w\xc3\xb6rd") == -1,
	    "quote: 8-bit needs a literal");
	ok(quote(out, sizeof out, "a\r\nb") == -1, "quote: CR LF refused");
	ok(parsepin("AB:cd:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:"
	    "ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd", fp) == 0 &&
	    fp[0] == 0xab && fp[1] == 0xcd, "pin: colon-separated hex");
	ok(parsepin("abcd", fp) == -1, "pin: too short");
	ok(parsepin("zz", fp) == -1, "pin: not hex");
}

static int
pem_is(const char *in, const char *want)
{
	unsigned char out[64];
	size_t n;

	return pem_decode(in, in + strlen(in), out, sizeof out, &n) == 0 &&
	    n == strlen(want) && memcmp(out, want, n) == 0;
}

/* A slow, obvious base64 decoder, skipping whitespace: the reference. */
static int
b64ref(const char *p, const char *end, unsigned char *out, size_t size,
    size_t *n)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long acc = 0;
	int bits = 0, pad = 0;
	const char *c;

	*n = 0;
	for (; p < end; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			continue;
		if (*p == '=') {
			pad++;
			continue;
		}
		if (pad || !(c = strchr(abc, *p)) || !*p)
			return -1;
		acc = (acc << 6 | (unsigned long)(c - abc)) & 0xffffff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			if (*n == size)
				return -1;
			out[(*n)++] = (unsigned char)(acc >> bits);
		}
	}
	return pad > 2 ? -1 : 0;
}

static void
test_pem(void)
{
	unsigned char a[4096], b[4096];
	size_t na, nb;
	const char *p, *q;
	char *buf;
	FILE *f;
	long len;
	int same = 1, blocks = 0;

	ok(pem_is("aGVsbG8gd29ybGQ=", "hello world"), "pem: base64");
	ok(pem_is("aGVs\r\nbG8g\n d29y bGQ=\n", "hello world"),
	    "pem: line breaks and spaces are skipped");
	ok(pem_is("", ""), "pem: empty");
	ok(!pem_is("aGVs*G8=", "hel"), "pem: a stray character fails");
	ok(pem_decode("aGVsbG8gd29ybGQ=", "aGVsbG8gd29ybGQ=" + 16, a, 4,
	    &na) == -1, "pem: bounded output");
	/* Every certificate of the system bundle decodes as mbedTLS does. */
	if ((f = fopen(CA_BUNDLE, "r")) == NULL)
		return;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + 1);
	if (fread(buf, 1, (size_t)len, f) != (size_t)len)
		len = 0;
	buf[len] = '\0';
	fclose(f);
	for (p = buf; (p = strstr(p, "-----BEGIN CERTIFICATE-----")); p = q) {
		p += 27;
		if (!(q = strstr(p, "-----END CERTIFICATE-----")))
			break;
		if (b64ref(p, q, b, sizeof b, &nb) != 0)
			continue;
		blocks++;
		if (pem_decode(p, q, a, sizeof a, &na) != 0 || na != nb ||
		    memcmp(a, b, na) != 0)
			same = 0;
		if (HAVE_MBEDTLS && (mbedtls_base64_decode(b,
		    sizeof b, &nb, (const unsigned char *)p,
		    (size_t)(q - p)) != 0 || na != nb || memcmp(a, b, na) != 0))
			same = 0;
	}
	free(buf);
	ok(blocks > 0 && same, HAVE_MBEDTLS ?
	    "pem: the system bundle decodes as mbedTLS and a reference do" :
	    "pem: the system bundle decodes as a reference decoder does");
}

static char tmpdir[] = "/tmp/imapwait-unit.XXXXXX";

static void
writefile(const char *name, const char *text, int mode)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	chmod(path, (mode_t)mode);
}

static int
netrc_for(const char *h, const char *u, char *login)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/netrc", tmpdir);
	setenv("NETRC", path, 1);
	host = h;
	user = u;
	*login = '\0';
	memset(secret, 0, sizeof secret);
	return netrc(login, 256, 1);
}

static void
test_netrc(void)
{
	char login[256];

	writefile("netrc",
	    "machine other.example login x password y\n"
	    "machine imap.example.org\n  login alice\n  password \"s3 cr\\\"et\"\n"
	    "machine imap.example.org login bob password bobpw\n"
	    "default login anon password anonpw\n", 0600);
	ok(netrc_for("imap.example.org", NULL, login) == 0 &&
	    !strcmp(login, "alice") && !strcmp(secret, "s3 cr\"et"),
	    "netrc: machine, login, quoted password");
	ok(netrc_for("IMAP.example.org", "bob", login) == 0 &&
	    !strcmp(secret, "bobpw"), "netrc: the entry for -u, host case-blind");
	ok(netrc_for("nowhere.example", NULL, login) == 0 &&
	    !strcmp(login, "anon") && !strcmp(secret, "anonpw"),
	    "netrc: default");
	writefile("netrc", "machine a login b password c\n", 0600);
	ok(netrc_for("z", NULL, login) == -1, "netrc: no entry");
	writefile("netrc", "macdef init\nmachine z login evil password e\n\n"
	    "machine z login good password g\n", 0600);
	ok(netrc_for("z", NULL, login) == 0 && !strcmp(login, "good"),
	    "netrc: a macro body is not entries");
}

/* feed_mb: fold one response line into mb, as nextresp() does */
static void
feed_mb(const char *l)
{
	struct resp r;
	int ret;

	r = scanstr(l, &ret);
	if (ret == 0)
		mbox_update(&mb, &r);
}

/* EXAMINE's answer: count, UIDVALIDITY 1, UIDNEXT next (0: none) */
static void
examined(unsigned long count, unsigned long next)
{
	char l[64];

	memset(&mb, 0, sizeof mb);
	mb.phase = MB_EXAMINING;
	snprintf(l, sizeof l, "* %lu EXISTS", count);
	feed_mb(l);
	feed_mb("* OK [UIDVALIDITY 1] UIDs valid");
	if (next) {
		snprintf(l, sizeof l, "* OK [UIDNEXT %lu] Predicted", next);
		feed_mb(l);
	}
	mb.phase = MB_OPEN;
}

/* what the write at a wake stores as UIDNEXT (0: unreadable) */
static unsigned long
saved_uidnext(const char *path)
{
	struct state s;

	statefile = path;
	state_save(1, 1);
	return state_read(path, &s) == 0 ? s.uidnext : 0;
}

/* the file reads back with PENDING 1, in a line of STATE_LEN */
static int
pending_is_1(const char *path)
{
	struct state st;
	struct stat sb;

	return state_read(path, &st) == 0 && st.pending &&
	    stat(path, &sb) == 0 && sb.st_size == STATE_LEN;
}

/* no state file before this start */
static void
fresh(const char *path)
{
	unlink(path);
	statefile = path;
	state_open(path);
}

/*
 * The UIDNEXT stored at a wake covers the new mail and never runs ahead
 * of the server's (the scripted-server stories t-state-*.sh, in small).
 */
static void
test_state_wake(const char *path)
{
	struct state s;

	examined(3, 4);
	fresh(path);
	feed_mb("* 4 EXISTS");
	ok(saved_uidnext(path) == 5, "wake: UIDNEXT 4 plus one arrival is 5");
	ok(pending_is_1(path), "wake: the file says PENDING 1");

	examined(3, 4);
	fresh(path);
	feed_mb("* OK [UIDNEXT 5] Predicted");
	feed_mb("* 4 EXISTS");
	ok(mb.arrived == 1 && saved_uidnext(path) == 5,
	    "wake: an unsolicited [UIDNEXT 5] is a floor: 5, not 6");

	examined(3, 4);
	fresh(path);
	feed_mb("* 4 EXISTS");
	feed_mb("* OK [UIDNEXT 5] Predicted");
	ok(saved_uidnext(path) == 5,
	    "wake: [UIDNEXT 5] after the EXISTS: still 5");

	examined(3, 4);
	fresh(path);
	feed_mb("* 2 FETCH (FLAGS (\\Seen UID 99999))");
	ok(mb.arrived == 0, "wake: a FETCH of flags is not new mail");
	feed_mb("* 4 EXISTS");
	ok(saved_uidnext(path) == 5,
	    "wake: \"UID 99999\" inside FLAGS does not make it 100000");

	examined(3, 4);
	fresh(path);
	feed_mb("* 4 FETCH (UID 4 FLAGS (\\Recent))");
	feed_mb("* 4 EXISTS");
	ok(saved_uidnext(path) == 5, "wake: the UID item of a FETCH: 4 + 1");

	examined(3, 4294967295UL);
	fresh(path);
	feed_mb("* 4 EXISTS");
	ok(saved_uidnext(path) == 4294967295UL,
	    "wake: UIDNEXT 4294967295 plus one stays 4294967295");
	ok(state_read(path, &s) == 0,
	    "wake: and the next start reads the file");

	/* EXAMINE's answer with two counts: the rise is new mail */
	memset(&mb, 0, sizeof mb);
	mb.phase = MB_EXAMINING;
	feed_mb("* 3 EXISTS");
	feed_mb("* 4 EXISTS");
	feed_mb("* OK [UIDVALIDITY 1] UIDs valid");
	feed_mb("* OK [UIDNEXT 5] Predicted");
	mb.phase = MB_OPEN;
	fresh(path);
	ok(mb.arrived == 1, "examine: a second, higher EXISTS is new mail");
	ok(saved_uidnext(path) == 5,
	    "examine: before [UIDNEXT 5], which counts it: 5, not 6");
	memset(&mb, 0, sizeof mb);
	mb.phase = MB_EXAMINING;
	feed_mb("* 3 EXISTS");
	feed_mb("* OK [UIDVALIDITY 1] UIDs valid");
	feed_mb("* OK [UIDNEXT 4] Predicted");
	feed_mb("* 4 EXISTS");
	mb.phase = MB_OPEN;
	fresh(path);
	ok(mb.arrived == 1 && saved_uidnext(path) == 5,
	    "examine: after [UIDNEXT 4]: new mail, 5");

	/* no [UIDNEXT], an empty box; the state said 5 */
	writefile("state", "1 5 0 0\n", 0600);
	examined(0, 0);
	statefile = path;
	rerun = 0;
	state_open(path);
	ok(state_start() == 0, "no uidnext: an empty box, no wake");
	feed_mb("* 1 EXISTS");
	ok(saved_uidnext(path) == 6,
	    "no uidnext: one arrival: 5 + 1, never lowered to 1");
	statefile = NULL;
}

/* One start of imapwait with the state file: returns 1 if it woke. */
static int
start(const char *path, const struct mbox *m, int rr)
{
	int wake;

	statefile = path;
	rerun = rr;
	state_open(path);
	mb = *m;
	if ((wake = state_start()))
		state_save(1, 1);
	return wake;
}

static void
test_state(void)
{
	char path[PATH_MAX];
	struct state s;
	struct mbox m;
	struct stat st;
	int fd;

	quiet = 1;
	snprintf(path, sizeof path, "%s/state", tmpdir);
	memset(&m, 0, sizeof m);
	m.phase = MB_OPEN;
	m.uidvalidity = 7;
	m.uidnext = 100;
	m.exists = 3;
	ok(start(path, &m, 0) == 1, "state: no file: wake once");
	ok(state_read(path, &s) == 0 && s.uidvalidity == 7 &&
	    s.uidnext == 100 && s.exists == 3 && !s.changed && s.pending,
	    "state: recorded, the wake pending");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "state: mode 0600");
	ok(start(path, &m, 1) == 1, "state: -R: a pending wake wakes again");
	ok(start(path, &m, 0) == 0 && state_read(path, &s) == 0 && !s.pending,
	    "state: without -R a pending wake is taken as handled");
	ok(start(path, &m, 1) == 0, "state: -R: nothing pending, no wake");
	m.uidnext = 101;
	ok(start(path, &m, 0) == 1, "state: higher UIDNEXT: wake");
	ok(start(path, &m, 0) == 0, "state: and only once");
	m.uidnext = 90;
	m.exists = 1;
	ok(start(path, &m, 0) == 0 && state_read(path, &s) == 0 &&
	    s.uidnext == 101, "state: lower UIDNEXT: no wake, never lowered");
	m.uidvalidity = 8;
	ok(start(path, &m, 0) == 1, "state: new UIDVALIDITY: wake");
	m.uidvalidity = 9;
	ok(start(path, &m, 0) == 0,
	    "state: UIDVALIDITY new at every start: no second wake");
	m.uidvalidity = 10;
	m.exists = 2;
	ok(start(path, &m, 0) == 1,
	    "state: ... then a higher count is new mail");
	m.uidvalidity = 10;
	ok(start(path, &m, 0) == 0 && state_read(path, &s) == 0 &&
	    !s.changed, "state: a stable UIDVALIDITY again");

	/* After new mail in IDLE: what covers it, never more. */
	m.uidnext = 50;
	unlink(path);
	state_open(path);
	mb = m;
	mb.arrived = mb.since = 2;
	state_save(1, 1);
	ok(state_read(path, &s) == 0 && s.uidnext == 52 && s.pending,
	    "state: after new mail, UIDNEXT plus arrivals, pending");
	mb.floor = 61;
	state_save(1, 1);
	ok(state_read(path, &s) == 0 && s.uidnext == 61,
	    "state: ... or the highest UID seen plus one, if higher");
	mb.uidnext = 4294967295UL;
	mb.floor = 0;
	state_save(1, 1);
	ok(state_read(path, &s) == 0 && s.uidnext == 4294967295UL,
	    "state: UIDNEXT saturates at 2^32-1");
	statefile = NULL;
	rerun = 0;

	ok(cksum("1 4 3 0 1", 9) == 2029785021UL && cksum("", 0) == 4294967295UL,
	    "state: the check is POSIX cksum's CRC");
	writefile("state", "1 4 3 0 1 2029785021\n", 0600);
	ok(state_read(path, &s) == 0 && s.uidnext == 4 && s.pending,
	    "state: a line with its cksum, of any length");
	writefile("state", "1 5 3 0 1 2029785021\n", 0600);
	ok(state_read(path, &s) == -1, "state: a torn line fails its cksum");
	writefile("state", "1 4 3 0 1\n", 0600);
	ok(state_read(path, &s) == -1, "state: five fields without a cksum");
	writefile("state", "garbage\n", 0600);
	ok(state_read(path, &s) == -1, "state: garbage is treated as missing");
	writefile("state", "1 2 3 0", 0600);
	ok(state_read(path, &s) == -1, "state: a truncated line is missing");
	writefile("state", "1 2 3 0\n", 0600);
	ok(state_read(path, &s) == 0 && s.uidnext == 2 && !s.pending,
	    "state: the older four fields read as nothing pending");
	writefile("state", "1 2 3 0 1 5 6\n", 0600);
	ok(state_read(path, &s) == -1, "state: extra fields are corrupt");
	writefile("state", "1 2 3 0 2\n", 0600);
	ok(state_read(path, &s) == -1, "state: pending is 0 or 1");
	writefile("state", "1 2 3 0 1 2784614582\n", 0600);
	ok(state_read(path, &s) == 0 && s.uidnext == 2 && s.pending,
	    "state: five fields and their cksum, PENDING 1");
	writefile("state", "1 4294967296 3 0\n", 0600);
	ok(state_read(path, &s) == -1,
	    "state: UIDNEXT 4294967296 is corrupt (not 0 in 32 bits)");
	writefile("state", "", 0600);
	ok(state_read(path, &s) == -1, "state: an empty file is missing");
	writefile("state", "1 5 4", 0600);
	ok(state_read(path, &s) == -1, "state: a file cut short is missing");
	writefile("state", "1 5 4 0 1", 0600);
	ok(state_read(path, &s) == -1,
	    "state: five fields without the newline are cut short");
	test_state_wake(path);
	writefile("state", "1 -2 3 0\n", 0600);
	ok(state_read(path, &s) == -1, "state: negative numbers are corrupt");
	writefile("state", "99999999999 2 3 0\n", 0600);
	ok(state_read(path, &s) == -1, "state: out of range is corrupt");
	/* A place that cannot hold it: an error the caller sees. */
	snprintf(path, sizeof path, "%s/nodir/state", tmpdir);
	s.uidvalidity = 1;
	ok(state_write(path, &s) == -1 && errno == ENOENT &&
	    (fd = open(path, O_RDONLY)) == -1,
	    "state: an unwritable place is reported, nothing written");
	/* ... which state_open makes, privately */
	snprintf(path, sizeof path, "%s/a/b/state", tmpdir);
	state_open(path);
	snprintf(path, sizeof path, "%s/a/b", tmpdir);
	ok(stat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 0777) == 0700, "state: a missing directory is made, 0700");
	quiet = 0;
}

int
main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	test_scan();
	test_readline();
	test_mbox();
	test_clean();
	test_encodings();
	test_pem();
	test_netrc();
	test_state();
	{
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			return 1;
	}
	printf("%d passed, %d failed\n", tests - failed, failed);
	return failed != 0;
}
