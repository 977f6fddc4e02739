// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest torture: guests that execute random bytes, over and over, in real
 * mode, 32-bit protected mode and 64-bit long mode (and, in the mixed case,
 * 16-bit protected mode and PAE paging too, with the in-kernel irqchip more
 * often).  Each program gets fresh random code at the payload address, mixed
 * with fragments of instructions that exit or are emulated (port and string
 * I/O, control and debug register moves, descriptor-table loads, MSRs, SVM
 * instructions, far jumps, interrupts, hlt, ...), random memory around it,
 * random general registers and flags, sometimes an IDT whose gates all lead
 * back into the random code, extra memory slots (some read-only) at random
 * places with MMIO holes between them, a coalesced MMIO or PIO zone and an
 * ioeventfd at random addresses, and sometimes single-stepping or software
 * breakpoints through KVM_SET_GUEST_DEBUG.
 *
 * Every KVM_RUN is bounded by an alarm (the watchdog: KVM_RUN then fails with
 * EINTR).  I/O and MMIO reads are answered with random data.  What is
 * asserted: KVM_RUN ends only in EINTR or in an exit from the documented set
 * for this configuration (IO, MMIO, HLT, SHUTDOWN, INTERNAL_ERROR,
 * FAIL_ENTRY, DEBUG while guest debugging is on, IRQ_WINDOW_OPEN when it was
 * asked for); an exit's data lies inside the run mapping; the vCPU state is
 * readable after every exit; nothing hangs.  The test VM harness fails the
 * test on any kernel warning.
 *
 * The db_loop case is a fixed regression check: a #DB that recurs while it
 * is delivered must still leave KVM_RUN to the alarm.
 *
 * Seed and duration: the first argument or KVM_TORTURE_SEED (printed; the
 * default is 0x5eed, "random" takes the time) and KVM_TORTURE_SECONDS (whole
 * run, default 24, shared among the cases), e.g. through the test VM:
 *	TESTVM_APPEND="KVM_TORTURE_SEED=7 KVM_TORTURE_SECONDS=120 KTEST_TIMEOUT=100" \
 *		scripts/testvm.sh --timeout 150 --tests guest_torture_test
 * For narrowing a problem down: KVM_TORTURE_VERBOSE=1 names each program's
 * seed, 2 adds every exit, 3 the code; KVM_TORTURE_PROGRAM=seed,seed,...
 * replays programs (in KVM_TORTURE_MODE, 0-4 as enum kt_cpu_mode, default
 * real); KVM_TORTURE_MODE also forces the mode of every case;
 * KVM_TORTURE_IRQCHIP, _DEBUG, _IDT, _FRAGS and _NOISE (0 or 1) force those
 * choices; KVM_TORTURE_FRAG_LO/_HI limit the fragments to an index range.
 */
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "payload.h"
#include "x86.h"

#define NR_CASES	4
#define CODE_MAX	(KT_RAW_GDT - KT_RAW_CODE)
#define IDT_GPA		0xa000		/* one page, in the data area */
#define EXTRA_SLOTS	4
#define MAX_EXITS	64		/* per program */
#define MAX_INTR	6		/* watchdog expiries per program */
#define WATCHDOG_US	20000		/* per KVM_RUN */


/*
 * Without a seed given, make check runs a fixed one, so that a red run can be
 * repeated and CI does not turn red at random; "random" picks one from the clock.
 */
static bool opt_seed_random;

static uint64_t default_seed(void)
{
	return opt_seed_random ? (uint64_t)time(NULL) : 0x5eedULL;
}

static uint64_t opt_seed;
static bool opt_seed_set;
static int opt_seconds = 24;
/* KVM_TORTURE_VERBOSE=1: each program; 2: each exit too (for chasing a crash) */
static int opt_verbose;
/* Knobs for narrowing a problem down: -1 leaves the choice random. */
static int opt_irqchip = -1, opt_debug = -1, opt_frags = -1, opt_idt = -1, opt_noise = -1;
static int opt_mode = -1, opt_frag_lo = 0, opt_frag_hi = 1 << 30;

/* ---- random numbers (splitmix64) ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static bool one_in(uint64_t n)
{
	return below(n) == 0;
}

static void fill_rnd(void *p, size_t n)
{
	uint8_t *b = p;
	uint64_t v;

	for (; n >= 8; n -= 8, b += 8) {
		v = rnd();
		memcpy(b, &v, 8);
	}
	while (n--)
		*b++ = rnd();
}

/*
 * Instruction fragments that exit, fault or go through the emulator.  Their
 * operands come from the random registers and the random bytes that follow.
 */
struct frag {
	uint8_t len;
	uint8_t b[7];
};

static const struct frag frags[] = {
	{ 1, { 0xf4 } },			/* hlt */
	{ 2, { 0xe4, 0x80 } },			/* in al, imm8 */
	{ 2, { 0xe6, 0x70 } },			/* out imm8, al */
	{ 1, { 0xec } }, { 1, { 0xed } }, { 1, { 0xee } }, { 1, { 0xef } },
	{ 2, { 0x66, 0xed } },
	{ 2, { 0xf3, 0x6c } }, { 2, { 0xf3, 0x6d } },	/* rep ins */
	{ 2, { 0xf3, 0x6e } }, { 2, { 0xf3, 0x6f } },	/* rep outs */
	{ 1, { 0x6c } }, { 1, { 0x6f } },
	{ 2, { 0x0f, 0xa2 } },			/* cpuid */
	{ 2, { 0x0f, 0x32 } }, { 2, { 0x0f, 0x30 } },	/* rdmsr, wrmsr */
	{ 2, { 0x0f, 0x31 } }, { 3, { 0x0f, 0x01, 0xf9 } },	/* rdtsc, rdtscp */
	{ 3, { 0x0f, 0x01, 0xd9 } }, { 3, { 0x0f, 0x01, 0xc1 } },	/* vmmcall, vmcall */
	{ 3, { 0x0f, 0x01, 0xd8 } }, { 3, { 0x0f, 0x01, 0xda } },	/* vmrun, vmload */
	{ 3, { 0x0f, 0x01, 0xdb } }, { 3, { 0x0f, 0x01, 0xdc } },	/* vmsave, stgi */
	{ 3, { 0x0f, 0x01, 0xdd } }, { 3, { 0x0f, 0x01, 0xde } },	/* clgi, skinit */
	{ 3, { 0x0f, 0x01, 0xdf } },		/* invlpga */
	{ 3, { 0x0f, 0x01, 0xd0 } }, { 3, { 0x0f, 0x01, 0xd1 } },	/* xgetbv, xsetbv */
	{ 3, { 0x0f, 0x01, 0xc8 } }, { 3, { 0x0f, 0x01, 0xc9 } },	/* monitor, mwait */
	{ 2, { 0x0f, 0x09 } }, { 2, { 0x0f, 0x08 } },	/* wbinvd, invd */
	{ 3, { 0x0f, 0x01, 0x38 } },		/* invlpg [eax] / [bx+si] */
	{ 1, { 0xcc } }, { 2, { 0xcd, 0x21 } }, { 1, { 0xf1 } },	/* int3, int, icebp */
	{ 1, { 0xce } }, { 1, { 0xcf } },	/* into, iret */
	{ 1, { 0xfa } }, { 1, { 0xfb } },	/* cli, sti */
	{ 1, { 0x9c } }, { 1, { 0x9d } },	/* pushf, popf */
	{ 2, { 0x0f, 0x0b } }, { 2, { 0x0f, 0xff } },	/* ud2, ud0 */
	{ 3, { 0x0f, 0x22, 0xc0 } }, { 3, { 0x0f, 0x22, 0xd8 } },	/* mov cr0/cr3, eax */
	{ 3, { 0x0f, 0x22, 0xe0 } }, { 3, { 0x0f, 0x20, 0xc0 } },	/* mov cr4, eax; eax, cr0 */
	/*
	 * No MOV to DR7 and no MOV to CR8: a guest arming its own breakpoints or
	 * writing its TPR makes the test VM's QEMU 7.2 (TCG, nested SVM) abort on
	 * a BQL assertion, on Debian's KVM as on ours (selftests.rst).
	 */
	{ 3, { 0x0f, 0x23, 0xc0 } },		/* mov dr0, eax */
	{ 3, { 0x0f, 0x21, 0xf0 } },		/* mov eax, dr6 */
	{ 3, { 0x0f, 0x01, 0x10 } }, { 3, { 0x0f, 0x01, 0x18 } },	/* lgdt, lidt */
	{ 3, { 0x0f, 0x00, 0xd8 } }, { 3, { 0x0f, 0x00, 0xd0 } },	/* ltr, lldt */
	{ 2, { 0x8e, 0xd0 } }, { 2, { 0x8e, 0xd8 } }, { 2, { 0x8e, 0xe8 } },	/* mov ss/ds/gs */
	{ 3, { 0x0f, 0x01, 0xe0 } }, { 2, { 0x0f, 0x06 } },	/* smsw, clts */
	{ 2, { 0x0f, 0x05 } }, { 2, { 0x0f, 0x07 } },	/* syscall, sysret */
	{ 2, { 0x0f, 0x34 } }, { 2, { 0x0f, 0x35 } },	/* sysenter, sysexit */
	{ 2, { 0x0f, 0xaa } }, { 3, { 0x0f, 0x01, 0xf8 } },	/* rsm, swapgs */
	{ 2, { 0x8b, 0x00 } }, { 2, { 0x89, 0x00 } },	/* mov through [eax] / [bx+si] */
	{ 3, { 0xc6, 0x00, 0x5a } }, { 2, { 0x88, 0x00 } },
	{ 5, { 0xa1, 0x00, 0x00, 0xe0, 0xfe } },	/* mov eax, moffs */
	{ 5, { 0xa3, 0x00, 0x00, 0x00, 0xe0 } },
	{ 1, { 0xa4 } }, { 2, { 0xf3, 0xa4 } }, { 2, { 0xf3, 0xab } },	/* movs, stos */
	{ 2, { 0xf3, 0xa6 } }, { 2, { 0xf2, 0xae } },	/* cmps, scas */
	{ 3, { 0x0f, 0xc7, 0x08 } }, { 3, { 0xf0, 0x0f, 0xb1 } },	/* cmpxchg8b, lock cmpxchg */
	{ 3, { 0x0f, 0xae, 0x00 } }, { 3, { 0x0f, 0xae, 0x08 } },	/* fxsave, fxrstor */
	{ 3, { 0x0f, 0xae, 0x20 } }, { 3, { 0x0f, 0xae, 0x28 } },	/* xsave, xrstor */
	{ 2, { 0xf6, 0xf0 } }, { 2, { 0xd4, 0x00 } },	/* div al, aam 0 */
	{ 2, { 0xeb, 0xfe } }, { 2, { 0xe2, 0xfe } },	/* jmp $, loop $ */
	{ 2, { 0xf3, 0x90 } }, { 1, { 0x9b } },	/* pause, fwait */
	{ 7, { 0xea, 0x00, 0x10, 0x00, 0x00, 0x08, 0x00 } },	/* ljmp 0x08:0x1000 */
	{ 5, { 0xea, 0x00, 0x10, 0x00, 0x00 } },	/* ljmp 0:0x1000 (16-bit) */
	{ 3, { 0xff, 0x28, 0x90 } },		/* ljmp far [eax] */
	{ 1, { 0xcb } }, { 1, { 0xc3 } },	/* lret, ret */
	{ 2, { 0x0f, 0x0d } }, { 3, { 0x0f, 0xae, 0x38 } },	/* prefetch, clflush */
	{ 2, { 0xff, 0xe0 } },			/* jmp eax */
};

#define NR_FRAGS	(sizeof(frags) / sizeof(frags[0]))

static void make_code(uint8_t *code, size_t len)
{
	size_t at = 0;

	size_t lo = opt_frag_lo < (int)NR_FRAGS ? (size_t)opt_frag_lo : 0;
	size_t hi = opt_frag_hi < (int)NR_FRAGS ? (size_t)opt_frag_hi : NR_FRAGS;

	fill_rnd(code, len);
	if (opt_frags == 0 || (opt_frags < 0 && one_in(4)))
		return;		/* nothing but noise */
	if (opt_noise == 0)
		memset(code, 0x90, len);
	while (at < len && lo < hi) {
		const struct frag *f = &frags[lo + below(hi - lo)];

		if (at + f->len > len)
			break;
		memcpy(code + at, f->b, f->len);
		at += f->len + (opt_noise == 0 ? 0 : below(4));	/* random bytes between */
	}
}

/* An IDT whose every gate enters the random code somewhere. */
static void make_idt(uint8_t *mem, enum kt_cpu_mode mode, struct kvm_sregs *s)
{
	int i;

	if (mode == KT_MODE_LONG) {
		struct x86_idt_gate64 *g = (void *)(mem + IDT_GPA);

		for (i = 0; i < 256; i++) {
			uint64_t target = KT_RAW_CODE + below(CODE_MAX);

			memset(&g[i], 0, sizeof(g[i]));
			g[i].off0 = target & 0xffff;
			g[i].off1 = (target >> 16) & 0xffff;
			g[i].selector = KT_RAW_SEL_CODE64;
			g[i].type = GATE_TYPE_INT64;
			g[i].p = 1;
		}
		s->idt.limit = 256 * 16 - 1;
	} else {
		uint32_t *g = (void *)(mem + IDT_GPA);
		uint16_t sel = mode == KT_MODE_PROT16 ? KT_RAW_SEL_CODE16 : KT_RAW_SEL_CODE32;

		for (i = 0; i < 256; i++) {
			uint32_t target = KT_RAW_CODE + below(CODE_MAX);

			/* APM 4.8.3: a 32-bit interrupt gate (type 0xe), or 16-bit (0x6) */
			g[2 * i] = (target & 0xffff) | ((uint32_t)sel << 16);
			g[2 * i + 1] = (target & 0xffff0000) | (1u << 15) |
				       ((mode == KT_MODE_PROT16 ? 0x6u : 0xeu) << 8);
		}
		s->idt.limit = 256 * 8 - 1;
	}
	s->idt.base = IDT_GPA;
}

/* ---- the watchdog ---- */

static void on_alarm(int sig)
{
	(void)sig;
}

/* Repeating: a signal that came before KVM_RUN began must not leave it running. */
static void watchdog(long us)
{
	struct itimerval t = { { us / 1000000, us % 1000000 }, { us / 1000000, us % 1000000 } };

	setitimer(ITIMER_REAL, &t, NULL);
}

/* ---- one program ---- */

struct totals {
	uint64_t programs, runs, intr;
	uint64_t exits[KVM_EXIT_NOTIFY + 1];
};

struct prog {
	struct kt_raw_vm raw;
	enum kt_cpu_mode mode;
	bool irqchip, debug, irq_window;
	uint64_t mem_size;
	void *extra[EXTRA_SLOTS];
	size_t extra_size[EXTRA_SLOTS];
	int efd;
};

static uint64_t page_below(uint64_t limit)
{
	return below(limit / KT_PAGE_SIZE) * KT_PAGE_SIZE;
}

static void setup_memory(struct prog *p)
{
	uint64_t lo = p->mem_size, hi = p->mode == KT_MODE_REAL ? 0x110000 : 1ull << 30;
	int i, n = below(EXTRA_SLOTS + 1);

	/* random data everywhere but the code, GDT and page tables */
	fill_rnd(p->raw.mem, KT_RAW_CODE);
	fill_rnd(p->raw.mem + KT_RAW_PDPT_LM + KT_PAGE_SIZE,
		 p->mem_size - KT_RAW_PDPT_LM - KT_PAGE_SIZE);

	for (i = 0; i < n; i++) {
		uint64_t size = (1 + below(16)) * KT_PAGE_SIZE;
		uint64_t gpa = lo + page_below(hi - lo);
		uint32_t flags = one_in(3) ? KVM_MEM_READONLY : 0;
		void *hva = malloc(size + KT_PAGE_SIZE);
		uint8_t *aligned;

		KT_ASSERT(hva, "out of memory");
		aligned = (uint8_t *)(((uintptr_t)hva + KT_PAGE_SIZE - 1) & ~(KT_PAGE_SIZE - 1));
		fill_rnd(aligned, size);
		/* an overlap with an earlier extra slot just fails (EEXIST) */
		if (kt_vm_set_region(p->raw.vm, KT_SLOT_FREE + i, flags, gpa, size, aligned)) {
			KT_ASSERT(errno == EEXIST, "extra slot at 0x%lx", gpa);
			free(hva);
			continue;
		}
		p->extra[i] = hva;
		p->extra_size[i] = size;
	}

	if (one_in(3)) {
		struct kvm_coalesced_mmio_zone z = {
			.addr = one_in(2) ? below(0x10000) : lo + page_below(hi - lo),
			.size = 1 + below(0x1000),
		};

		z.pio = z.addr < 0x10000;
		KT_ASSERT_OK(ioctl(p->raw.vm->fd, KVM_REGISTER_COALESCED_MMIO, &z));
	}
	p->efd = -1;
	if (one_in(3)) {
		struct kvm_ioeventfd io = { 0 };

		p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		KT_ASSERT(p->efd >= 0, "eventfd");
		io.fd = p->efd;
		if (one_in(2)) {
			io.flags = KVM_IOEVENTFD_FLAG_PIO;
			io.addr = below(0x10000);
			io.len = 1u << below(3);
		} else {
			io.addr = lo + page_below(hi - lo);
			io.len = 1u << below(4);
		}
		KT_ASSERT_OK(ioctl(p->raw.vm->fd, KVM_IOEVENTFD, &io));
	}
}

static void setup_vcpu(struct prog *p)
{
	struct kt_vcpu *v = p->raw.vcpu;
	struct kvm_regs regs;
	struct kvm_sregs s;
	uint64_t flags_mask = 0xcd5;	/* CF PF AF ZF SF DF OF */

	kt_get_regs(v, &regs);
	fill_rnd(&regs, sizeof(regs));
	if (p->mode != KT_MODE_LONG || one_in(2)) {
		/* 32-bit values, often small: memory operands land near memory */
		uint64_t *r = (uint64_t *)&regs;
		int i;

		for (i = 0; i < 16; i++)
			r[i] = one_in(2) ? (uint32_t)r[i] : below(p->mem_size);
	}
	regs.rip = KT_RAW_CODE + (one_in(4) ? below(CODE_MAX) : 0);
	regs.rsp = one_in(4) ? regs.rsp : KT_RAW_STACK;
	regs.rflags = X86_RFLAGS_FIXED | (rnd() & flags_mask);
	if (one_in(2))
		regs.rflags |= X86_RFLAGS_IF;
	if (one_in(16))
		regs.rflags |= 1ull << 8;	/* TF */
	kt_set_regs(v, &regs);

	/*
	 * A long-mode guest gets no 32-bit code segment to go to compatibility
	 * mode with: from there it could leave long mode and clear CR4.PAE with
	 * EFER.LME still set, a legal state on whose next #VMEXIT the test VM's
	 * QEMU 7.2 keeps the guest's CR0 for its own kernel and hangs
	 * (ioctl_fuzz_test's avoid_qemu_efer_hang says more).
	 */
	if (p->mode == KT_MODE_LONG) {
		memset(p->raw.mem + KT_RAW_GDT + KT_RAW_SEL_CODE32, 0, 8);
		memset(p->raw.mem + KT_RAW_GDT + KT_RAW_SEL_CODE16, 0, 8);
	}
	kt_get_sregs(v, &s);
	if (p->mode != KT_MODE_REAL && (opt_idt < 0 ? one_in(2) : opt_idt))
		make_idt(p->raw.mem, p->mode, &s);
	/*
	 * Outside long mode, TR is an available 32-bit TSS (type 9) rather than
	 * the busy one a real CPU holds: the test VM's QEMU keeps the available
	 * type in its TR cache and aborts ("invalid tss type") when a guest that
	 * IRETs into virtual-8086 mode or CPL 3 takes an interrupt through a busy
	 * one.  SVM does not check the type on VMRUN.
	 */
	if (p->mode != KT_MODE_LONG) {
		s.tr.type = 9;
		s.tr.present = 1;
		s.tr.s = 0;
		s.tr.unusable = 0;
	}
	kt_set_sregs(v, &s);

	if (p->debug) {
		struct kvm_guest_debug dbg = { .control = KVM_GUESTDBG_ENABLE };

		if (one_in(2))
			dbg.control |= KVM_GUESTDBG_SINGLESTEP;
		else
			dbg.control |= KVM_GUESTDBG_USE_SW_BP;
		KT_ASSERT_OK(ioctl(v->fd, KVM_SET_GUEST_DEBUG, &dbg));
	}
}

static void free_prog(struct prog *p)
{
	int i;

	kt_raw_free(&p->raw);
	for (i = 0; i < EXTRA_SLOTS; i++)
		free(p->extra[i]);
	if (p->efd >= 0)
		close(p->efd);
}

static bool exit_allowed(const struct prog *p, uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_IO:
	case KVM_EXIT_MMIO:
	case KVM_EXIT_HLT:
	case KVM_EXIT_SHUTDOWN:
	case KVM_EXIT_INTERNAL_ERROR:
	case KVM_EXIT_FAIL_ENTRY:
		return true;
	case KVM_EXIT_DEBUG:
		return p->debug;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		return p->irq_window;
	default:
		return false;
	}
}

static void fail_exit(struct prog *p, uint64_t seed, const char *what)
{
	kt_dump_exit(p->raw.vcpu);
	KT_ASSERT(0, "%s in %s mode (program seed %lu, irqchip %d, debug %d)", what,
		  kt_mode_name(p->mode), (unsigned long)seed, p->irqchip, p->debug);
}

/* Check the exit's data and answer reads with random bytes. */
static void handle_exit(struct prog *p, uint64_t seed, size_t run_size)
{
	struct kvm_run *run = p->raw.vcpu->run;
	uint64_t end;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		end = run->io.data_offset + (uint64_t)run->io.size * run->io.count;
		if ((run->io.size != 1 && run->io.size != 2 && run->io.size != 4) ||
		    run->io.count == 0 || run->io.data_offset < sizeof(*run) || end > run_size)
			fail_exit(p, seed, "I/O exit outside the run mapping");
		if (run->io.direction == KVM_EXIT_IO_IN)
			fill_rnd((uint8_t *)run + run->io.data_offset, end - run->io.data_offset);
		break;
	case KVM_EXIT_MMIO:
		if (run->mmio.len == 0 || run->mmio.len > 8)
			fail_exit(p, seed, "MMIO exit length");
		if (!run->mmio.is_write)
			fill_rnd(run->mmio.data, sizeof(run->mmio.data));
		break;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
		if (!p->irqchip && run->ready_for_interrupt_injection && one_in(2)) {
			struct kvm_interrupt irq = { .irq = 32 + below(224) };

			/* EEXIST: one is still waiting to be taken */
			KT_ASSERT(ioctl(p->raw.vcpu->fd, KVM_INTERRUPT, &irq) == 0 || errno == EEXIST,
				  "KVM_INTERRUPT");
		}
		break;
	default:
		break;
	}
}

static void run_program(enum kt_cpu_mode mode, struct totals *t, size_t run_size, uint64_t seed)
{
	size_t i;
	uint8_t code[CODE_MAX];
	struct prog p;
	struct kvm_regs regs;
	int exits, intr, ret;
	bool stop = false;

	memset(&p, 0, sizeof(p));
	rng_state = seed;
	p.mode = mode;
	p.irqchip = opt_irqchip < 0 ? one_in(4) : opt_irqchip;
	p.debug = opt_debug < 0 ? one_in(8) : opt_debug;
	p.irq_window = !p.irqchip && one_in(8);
	p.mem_size = mode == KT_MODE_REAL ? 0x10000 : KT_RAW_MEM_SIZE;
	if (opt_verbose)
		kt_diag("program %lu: %s irqchip %d debug %d window %d", (unsigned long)seed,
			kt_mode_name(mode), p.irqchip, p.debug, p.irq_window);
	make_code(code, sizeof(code));
	if (opt_verbose > 2)
		for (i = 0; i < sizeof(code); i += 64) {
			char hex[129];
			int k;

			for (k = 0; k < 64; k++)
				sprintf(hex + 2 * k, "%02x", code[i + k]);
			kt_diag("code %04zx %s", i, hex);
		}
	kt_raw_create_opts(&p.raw, mode, code, sizeof(code), p.mem_size,
			   p.irqchip ? KT_RAW_IRQCHIP : 0);
	setup_memory(&p);
	setup_vcpu(&p);

	for (exits = 0, intr = 0; !stop && exits < MAX_EXITS && intr < MAX_INTR;) {
		p.raw.vcpu->run->request_interrupt_window = p.irq_window;
		if (opt_verbose > 1) {
			struct kvm_sregs sr;

			kt_get_regs(p.raw.vcpu, &regs);
			kt_get_sregs(p.raw.vcpu, &sr);
			kt_diag("  run: cs 0x%x base 0x%llx rip 0x%llx cr0 0x%llx", sr.cs.selector,
				sr.cs.base, regs.rip, sr.cr0);
		}
		watchdog(WATCHDOG_US);
		ret = ioctl(p.raw.vcpu->fd, KVM_RUN, 0);
		watchdog(0);
		t->runs++;
		if (ret == -1 && errno == EINTR) {
			intr++;
			t->intr++;
			continue;
		}
		if (ret != 0) {
			kt_dump_exit(p.raw.vcpu);
			KT_ASSERT(0, "KVM_RUN returned %d in %s mode (program seed %lu)", ret,
				  kt_mode_name(mode), (unsigned long)seed);
		}
		exits++;
		if (opt_verbose > 1)
			kt_dump_exit(p.raw.vcpu);
		if (!exit_allowed(&p, p.raw.vcpu->run->exit_reason))
			fail_exit(&p, seed, "exit not in the documented set");
		t->exits[p.raw.vcpu->run->exit_reason]++;
		/* the state stays readable at every exit */
		kt_get_regs(p.raw.vcpu, &regs);
		switch (p.raw.vcpu->run->exit_reason) {
		case KVM_EXIT_SHUTDOWN:
		case KVM_EXIT_FAIL_ENTRY:
			stop = true;
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			/* running again is allowed, and must still end well */
			stop = !one_in(4);
			break;
		default:
			handle_exit(&p, seed, run_size);
			break;
		}
	}
	t->programs++;
	free_prog(&p);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static void torture(int which)
{
	static const enum kt_cpu_mode fixed[] = { KT_MODE_REAL, KT_MODE_PROT32, KT_MODE_LONG };
	uint64_t seed = (opt_seed_set ? opt_seed : default_seed()) + which;
	uint64_t start = now_ms(), limit = opt_seconds * 1000ull / NR_CASES;
	size_t run_size = kt_vcpu_mmap_size();
	struct totals t;
	struct sigaction sa;
	char line[400];
	int len = 0;
	uint32_t i;

	memset(&t, 0, sizeof(t));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: KVM_RUN returns EINTR */
	sigaction(SIGALRM, &sa, NULL);
	kt_supported_cpuid();
	kt_diag("seed %lu (KVM_TORTURE_SEED=%lu repeats this case's programs), %lu ms",
		(unsigned long)seed, (unsigned long)(seed - which), (unsigned long)limit);
	if (getenv("KVM_TORTURE_PROGRAM")) {
		/* replay programs by their seeds, in the mode KVM_TORTURE_MODE names */
		char *list = getenv("KVM_TORTURE_PROGRAM"), *end;
		while (*list) {
			uint64_t pseed = strtoull(list, &end, 0);

			if (end == list || which)
				break;
			run_program(opt_mode >= 0 ? (enum kt_cpu_mode)opt_mode : KT_MODE_REAL, &t, run_size,
				    pseed);
			list = *end ? end + 1 : end;
		}
		return;
	}
	rng_state = seed;
	while (t.programs == 0 || now_ms() - start < limit) {
		uint64_t next = rnd();
		enum kt_cpu_mode mode = which < 3 ? fixed[which] : (enum kt_cpu_mode)below(5);

		if (opt_mode >= 0)
			mode = (enum kt_cpu_mode)opt_mode;

		run_program(mode, &t, run_size, rnd());
		rng_state = next;
	}
	for (i = 0; i <= KVM_EXIT_NOTIFY; i++)
		if (t.exits[i])
			len += snprintf(line + len, sizeof(line) - len, " %s:%lu",
					kt_exit_name(i) + 9, (unsigned long)t.exits[i]);
	kt_diag("%lu programs, %lu runs, %lu watchdog expiries; exits:%s",
		(unsigned long)t.programs, (unsigned long)t.runs, (unsigned long)t.intr, line);
}

/*
 * A #DB that recurs while it is delivered: an instruction breakpoint (DR0,
 * enabled in DR7) on the first instruction of the guest's own #DB handler,
 * which is also where the guest starts.  Each delivery re-arms it, forever.
 * KVM must intercept #DB so that every round is an exit: then KVM_RUN still
 * ends when the alarm fires (EINTR), and the host stays in control.  Without
 * the intercept a real CPU loops in delivery with no exit and no host
 * interrupt (CVE-2015-8104).  The test VM's QEMU takes host interrupts between
 * deliveries, so there this checks the intercepted path, not the erratum.
 */
static void test_db_loop(void)
{
	static const uint8_t code[] = { 0x90, 0xeb, 0xfd };	/* nop; jmp back */
	struct kvm_debugregs dr;
	struct kt_raw_vm raw;
	struct sigaction sa;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	int i, ret;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	kt_raw_create(&raw, KT_MODE_REAL, code, sizeof(code));
	/* IVT entry 1 (#DB) is 0000:KT_RAW_CODE */
	*(uint32_t *)(raw.mem + 4 * 1) = KT_RAW_CODE;
	/* the frames go to a 64 KiB stack of their own, wrapping, never on the IVT */
	kt_get_sregs(raw.vcpu, &sregs);
	sregs.ss.selector = 0x1000;
	sregs.ss.base = 0x10000;
	kt_set_sregs(raw.vcpu, &sregs);
	KT_ASSERT_OK(ioctl(raw.vcpu->fd, KVM_GET_DEBUGREGS, &dr));
	dr.db[0] = KT_RAW_CODE;
	dr.dr7 = 0x401;		/* L0, execute, one byte */
	KT_ASSERT_OK(ioctl(raw.vcpu->fd, KVM_SET_DEBUGREGS, &dr));
	for (i = 0; i < 3; i++) {
		watchdog(200000);
		ret = ioctl(raw.vcpu->fd, KVM_RUN, 0);
		watchdog(0);
		if (ret == 0)
			kt_dump_exit(raw.vcpu);
		KT_ASSERT(ret == -1 && errno == EINTR,
			  "KVM_RUN in a #DB loop returned %d (want EINTR from the alarm)", ret);
	}
	kt_get_regs(raw.vcpu, &regs);
	KT_ASSERT(regs.rip == KT_RAW_CODE, "rip 0x%llx, want the handler's first byte",
		  (unsigned long long)regs.rip);
	kt_raw_free(&raw);
}

static void test_real(void) { torture(0); }
static void test_prot32(void) { torture(1); }
static void test_long(void) { torture(2); }
static void test_mixed(void) { torture(3); }

static const struct ktest_case cases[] = {
	{ "real_mode", test_real },
	{ "prot32", test_prot32 },
	{ "long_mode", test_long },
	{ "mixed_modes_irqchip", test_mixed },
	{ "db_loop", test_db_loop },
};

_Static_assert(KTEST_NCASES(cases) == NR_CASES + 1, "the time is shared among NR_CASES");

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : getenv("KVM_TORTURE_SEED");

	if (s && !strcmp(s, "random")) {
		opt_seed_random = true;
	} else if (s && *s) {
		opt_seed = strtoull(s, NULL, 0);
		opt_seed_set = true;
	}
	s = getenv("KVM_TORTURE_VERBOSE");
	if (s)
		opt_verbose = atoi(s);
	s = getenv("KVM_TORTURE_IRQCHIP");
	if (s)
		opt_irqchip = !!atoi(s);
	s = getenv("KVM_TORTURE_DEBUG");
	if (s)
		opt_debug = !!atoi(s);
	s = getenv("KVM_TORTURE_FRAGS");
	if (s)
		opt_frags = !!atoi(s);
	s = getenv("KVM_TORTURE_IDT");
	if (s)
		opt_idt = !!atoi(s);
	s = getenv("KVM_TORTURE_NOISE");
	if (s)
		opt_noise = !!atoi(s);
	s = getenv("KVM_TORTURE_MODE");
	if (s)
		opt_mode = atoi(s) % 5;
	s = getenv("KVM_TORTURE_FRAG_LO");
	if (s)
		opt_frag_lo = atoi(s);
	s = getenv("KVM_TORTURE_FRAG_HI");
	if (s)
		opt_frag_hi = atoi(s);
	s = getenv("KVM_TORTURE_SECONDS");
	if (s && atoi(s) > 0)
		opt_seconds = atoi(s);
	return ktest_main(cases, KTEST_NCASES(cases));
}
