// SPDX-License-Identifier: GPL-2.0-only
/*
 * Instruction lengths against an independent decoder: GNU objdump.  Thousands of random
 * byte strings shaped like instructions (prefixes, REX, one-byte/0F/0F38/0F3A opcodes,
 * VEX and EVEX, random ModRM/SIB/displacement/immediate bytes) are decoded by our
 * decoder and by objdump, in 64-, 32- and 16-bit mode; where objdump decodes an
 * instruction (no "(bad)") and we do too, the lengths must agree.
 *
 * Each candidate sits at a 32-byte boundary followed by NOPs, so objdump resynchronises
 * at every candidate whatever it makes of the trailing bytes.  Skipped (reported as
 * SKIP) when objdump is not installed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "ut.h"
#include "vcpu.h"

#define N	10000
#define SLOT	32

static u8 cand[N][15];
static int our_len[N];
static int obj_len[N];
static u8 ram[4096];

static u64 rng = 0x2545f4914f6cdd1dull;

static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static bool is_prefix(u8 b, int mode)
{
	return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || (b >= 0x64 && b <= 0x67) ||
	       b == 0xf0 || b == 0xf2 || b == 0xf3 || (mode == 64 && (b & 0xf0) == 0x40) ||
	       b == 0x9b;	/* FWAIT: objdump also splits a REX off it */
}

/*
 * objdump shows a REX that does not immediately precede the opcode as an instruction of
 * its own; the CPU ignores it as part of the next instruction.  Candidates never put a
 * prefix after a REX, so that presentation difference does not arise.
 */
static void make_candidate(u8 *b, int mode)
{
	static const u8 pfx[] = { 0x66, 0x67, 0xf2, 0xf3, 0x2e, 0x3e, 0x26, 0x64, 0x65, 0x36 };
	unsigned int n = 0, i, k;

	for (i = 0; i < 15; i++)
		b[i] = (u8)rnd();
	k = rnd() % 3;
	for (i = 0; i < k; i++)
		b[n++] = pfx[rnd() % sizeof(pfx)];
	if (mode == 64 && (rnd() & 1))
		b[n++] = 0x40 | (rnd() & 15);
	switch (rnd() % 8) {
	case 0:
	case 1:
	case 2:
		do
			b[n] = (u8)rnd();
		while (is_prefix(b[n], mode));
		n++;
		break;
	case 3:
	case 4:
		b[n++] = 0x0f;
		b[n++] = (u8)rnd();
		break;
	case 5:
		b[n++] = 0x0f;
		b[n++] = (rnd() & 1) ? 0x38 : 0x3a;
		break;
	case 6:
		/* VEX: drop the prefixes (they would make it #UD) */
		n = 0;
		if (rnd() & 1) {
			b[n++] = 0xc5;
			b[n++] = (u8)rnd() | (mode == 64 ? 0 : 0xc0);
		} else {
			b[n++] = 0xc4;
			b[n++] = (u8)((rnd() & 0xe0) | (1 + rnd() % 3)) | (mode == 64 ? 0 : 0xc0);
			b[n++] = (u8)rnd();
		}
		break;
	default:
		n = 0;
		b[n++] = 0x62;
		b[n++] = (u8)((rnd() & 0xf0) | (1 + rnd() % 3)) | (mode == 64 ? 0 : 0xc0);
		b[n++] = (u8)(rnd() | 4);
		b[n++] = (u8)rnd();
		break;
	}
}

/* Run objdump over the slots and record the length of the instruction at each slot. */
static int objdump_lengths(const char *machine, const char *opts)
{
	char path[] = "/tmp/emu-length-XXXXXX";
	char cmd[256], line[512];
	int fd = mkstemp(path);
	FILE *f;
	unsigned int i;
	static u8 img[N * SLOT];

	if (fd < 0)
		return -1;
	memset(img, 0x90, sizeof(img));
	for (i = 0; i < N; i++)
		memcpy(img + i * SLOT, cand[i], 15);
	if (write(fd, img, sizeof(img)) != (ssize_t)sizeof(img)) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "objdump -D -b binary -m %s %s --insn-width=16 %s 2>/dev/null", machine, opts,
		 path);
	f = popen(cmd, "r");
	if (!f) {
		unlink(path);
		return -1;
	}
	for (i = 0; i < N; i++)
		obj_len[i] = -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long addr;
		char *p, *tab;
		int nbytes = 0;

		if (sscanf(line, " %lx:", &addr) != 1 || !(p = strchr(line, '\t')))
			continue;
		if (addr % SLOT || addr / SLOT >= N)
			continue;
		p++;
		tab = strchr(p, '\t');
		if (!tab || strstr(tab, "(bad)"))
			continue;
		for (; p < tab; p++)
			if (p[0] != ' ' && p[1] && p[1] != ' ' && p[1] != '\t') {
				nbytes++;
				p++;
			}
		obj_len[addr / SLOT] = nbytes;
	}
	pclose(f);
	unlink(path);
	return 0;
}

static void run_mode(int mode, const char *machine, const char *opts)
{
	struct tv_vcpu v;
	unsigned int i, compared = 0, bad = 0, shown = 0, refused = 0;

	for (i = 0; i < N; i++) {
		make_candidate(cand[i], mode);
		if (mode == 64)
			tv_init64(&v, ram, 0, sizeof(ram));
		else if (mode == 32)
			tv_init32(&v, ram, 0, sizeof(ram));
		else
			tv_init16(&v, ram, 0, sizeof(ram));
		our_len[i] = emu_decode(&v.ctxt, cand[i], 15) ? -1 : v.ctxt.insn.len;
	}
	if (objdump_lengths(machine, opts)) {
		UT_CHECK(1, "# SKIP objdump not usable");
		return;
	}
	for (i = 0; i < N; i++) {
		if (obj_len[i] >= 0 && our_len[i] < 0 && refused++ < 4) {
			char hex[64];
			unsigned int j;

			for (j = 0; j < 15; j++)
				sprintf(hex + 3 * j, "%02x ", cand[i][j]);
			printf("# mode %d: [%s] refused (objdump: %d bytes)\n", mode, hex,
			       obj_len[i]);
		}
		if (obj_len[i] < 0 || our_len[i] < 0)
			continue;
		compared++;
		if (obj_len[i] != our_len[i]) {
			bad++;
			if (shown++ < 8) {
				char hex[64];
				unsigned int j;

				for (j = 0; j < 15; j++)
					sprintf(hex + 3 * j, "%02x ", cand[i][j]);
				printf("# mode %d: [%s] ours %d objdump %d\n", mode, hex,
				       our_len[i], obj_len[i]);
			}
		}
	}
	UT_CHECK(compared > N / 2 && bad == 0,
		 "%d-bit: lengths agree with objdump on %u of %u candidates (%u differ)", mode,
		 compared - bad, compared, bad);
}

int main(void)
{
	if (system("objdump --version >/dev/null 2>&1")) {
		UT_CHECK(1, "# SKIP objdump is not installed");
		return ut_done();
	}
	run_mode(64, "i386:x86-64", "");
	run_mode(32, "i386", "");
	run_mode(16, "i8086", "");
	return ut_done();
}
