/*
 * Unit tests: the response scanner, the line reader, modified UTF-7,
 * quoting, netrc, the state file and the new-mail state machine.
 * imapwait.c is included whole so that its static functions are in reach.
 */
#define IMAPWAIT_NO_MAIN
#include "../imapwait.c"

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
}

/* readline() over a string instead of the network. */
static const char *feed;
static size_t feedlen, feedpos, feedchunk = 7;

static int
readfeed(unsigned char *b, size_t n)
{
	size_t k = feedlen - feedpos;

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
		if (mbedtls_base64_decode(b, sizeof b, &nb,
		    (const unsigned char *)p, (size_t)(q - p)) != 0)
			continue;
		blocks++;
		if (pem_decode(p, q, a, sizeof a, &na) != 0 || na != nb ||
		    memcmp(a, b, na) != 0)
			same = 0;
	}
	free(buf);
	ok(blocks > 0 && same, "pem: the system bundle decodes as mbedTLS does");
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

	writefile("state", "garbage\n", 0600);
	ok(state_read(path, &s) == -1, "state: garbage is treated as missing");
	writefile("state", "1 2 3 0", 0600);
	ok(state_read(path, &s) == -1, "state: a truncated line is missing");
	writefile("state", "1 2 3 0\n", 0600);
	ok(state_read(path, &s) == 0 && s.uidnext == 2 && !s.pending,
	    "state: the older four fields read as nothing pending");
	writefile("state", "1 2 3 0 1 5\n", 0600);
	ok(state_read(path, &s) == -1, "state: extra fields are corrupt");
	writefile("state", "1 2 3 0 2\n", 0600);
	ok(state_read(path, &s) == -1, "state: pending is 0 or 1");
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
