/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target: bytes from a hostile server through the line reader,
 * the response scanner and the new-mail state machine.  Whatever comes,
 * they must end in a clean error, never a crash or an overrun; new mail
 * never exceeds what the server's EXISTS responses announced.  Also
 * built with -m32 (it links no mbedTLS): tests/t-m32.sh.
 */
#define IMAPWAIT_NO_MAIN
#include "../imapwait.c"

static const uint8_t *in;
static size_t inlen, inpos;

static int
readin(unsigned char *b, size_t n)
{
	size_t k = inlen - inpos;

	/* Small reads, to cross every buffer boundary. */
	if (k > n)
		k = n;
	if (k > 61)
		k = 61;
	memcpy(b, in + inpos, k);
	inpos += k;
	return (int)k;
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct resp r;
	unsigned long long announced = 0;

	in = data;
	inlen = size;
	inpos = 0;
	rpos = rlen = 0;
	readfn = readin;
	rdlen = rdskip = 0;
	memset(&mb, 0, sizeof mb);
	memset(&io, 0, sizeof io);
	mb.phase = MB_EXAMINING;
	caps = 0;
	tagno = 1;
	while (nextresp(&r) == 0) {
		if (r.type == R_TAGGED && r.status == S_OK) {
			mb.phase = MB_OPEN;
			mb.counting = 1;
		}
		if (r.type == R_UNTAGGED && r.word == W_EXISTS)
			announced += r.num;
		if (mb.arrived > announced || mb.exists > NUM_MAX)
			__builtin_trap();
		/*
		 * The count scanned is the count in the text, and 32-bit on
		 * every platform (a 32-bit build must not wrap 4294967300
		 * to 4).
		 */
		if (r.type == R_UNTAGGED && (r.word == W_EXISTS ||
		    r.word == W_EXPUNGE || r.word == W_FETCH) &&
		    (strtoull(line + 2, NULL, 10) != r.num ||
		    r.num > 4294967295UL))
			__builtin_trap();
	}
	return 0;
}
