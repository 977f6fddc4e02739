// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm_bench: per-operation costs of a KVM implementation, for comparing ours
 * with Linux's KVM in the same test VM (scripts/bench.sh, BENCHMARKS.md).
 *
 * Every figure is the median over several repetitions of a batch of
 * operations, timed with CLOCK_MONOTONIC in the host (the test VM).  Where a
 * batch needs a guest, the time of an empty guest round (one ucall exit) is
 * taken off first, so the figure is the cost of the operation alone.
 *
 * Output, one line per figure, fields separated by single spaces:
 *
 *	BENCH <name> <unit> <median> <repetitions> [<note>...]
 *	BENCH <name> <unit> n/a 0 <reason>...
 *
 * Lines starting with "#" are commentary (what a figure measured, which slab
 * caches grew).  Each group of figures runs in a child process with a time
 * limit; a group that fails or runs out of time reports its figures as n/a
 * and the others still run.
 *
 *	kvm_bench [-q] [group...]	(-q: fewer repetitions, for a quick look)
 */
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kvmt.h"
#include "x86.h"

#define BENCH_PORT	0x80
#define MMIO_GPA	0xd0000000ull
#define TOUCH_SLOT	KT_SLOT_FREE
#define TOUCH_GPA	0x40000000ull
#define THP_SLOT	(KT_SLOT_FREE + 1)
#define THP_GPA		0x60000000ull
#define LOG_SLOT	(KT_SLOT_FREE + 2)
#define LOG_GPA		0x80000000ull
#define LOG_SIZE	(1ull << 30)
#define LOG_STRIDE	(256ull << 10)
#define APIC_GPA	0xfee00000ull

static bool quick;

/* --- Results ---------------------------------------------------------------- */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void emit(const char *name, const char *unit, double *v, int n, const char *note)
{
	printf("BENCH %s %s %.1f %d%s%s\n", name, unit, median(v, n), n, note ? " " : "",
	       note ? note : "");
	fflush(stdout);
}

static void emit_na(const char *name, const char *unit, const char *why)
{
	printf("BENCH %s %s n/a 0 %s\n", name, unit, why);
	fflush(stdout);
}

static int reps(int full)
{
	return quick ? 3 : full;
}

/* --- The guest ---------------------------------------------------------------- */

enum guest_op { OP_NOP, OP_PIO, OP_MMIO, OP_CPUID, OP_TOUCH, OP_TIMER };

/* What the next guest round does; the host writes the guest's copy. */
struct guest_cmd {
	uint64_t op, n, base, stride, seq;
};

static struct guest_cmd cmd;

static void guest_bench(void)
{
	volatile struct guest_cmd *c = &cmd;

	for (;;) {
		uint64_t op = c->op, n = c->n, base = c->base, stride = c->stride, i;
		uint32_t a, b, cx, d;

		switch (op) {
		case OP_PIO:
			for (i = 0; i < n; i++)
				guest_outb(BENCH_PORT, (uint8_t)i);
			break;
		case OP_MMIO:
			for (i = 0; i < n; i++)
				*(volatile uint32_t *)MMIO_GPA = (uint32_t)i;
			break;
		case OP_CPUID:
			for (i = 0; i < n; i++)
				guest_cpuid(0, 0, &a, &b, &cx, &d);
			break;
		case OP_TOUCH:
			for (i = 0; i < n; i++)
				*(volatile uint64_t *)(base + i * stride) = i + 1;
			break;
		}
		GUEST_SYNC(c->seq);
	}
}

struct bvm {
	struct kt_vm *vm;
	struct kt_vcpu *vcpu;
	uint64_t seq;
	double empty_ns;	/* an empty round: the ucall exit alone */
};

/* One guest round; returns its time in ns.  PIO and MMIO exits are answered at once. */
static double run_op(struct bvm *b, enum guest_op op, uint64_t n, uint64_t base, uint64_t stride)
{
	struct guest_cmd *gc = kt_gva2hva(b->vm, (uint64_t)(uintptr_t)&cmd);
	struct kvm_run *run = b->vcpu->run;
	struct kt_ucall uc;
	double t0, t1;

	gc->op = op;
	gc->n = n;
	gc->base = base;
	gc->stride = stride;
	gc->seq = ++b->seq;
	t0 = now_ns();
	for (;;) {
		kt_vcpu_run_ok(b->vcpu);
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == BENCH_PORT)
			continue;
		if (run->exit_reason == KVM_EXIT_MMIO && run->mmio.phys_addr == MMIO_GPA)
			continue;
		break;
	}
	t1 = now_ns();
	if (kt_get_ucall(b->vcpu, &uc) != UCALL_SYNC || uc.args[0] != b->seq) {
		kt_dump_exit(b->vcpu);
		KT_ASSERT(0, "guest round %lu ended without its GUEST_SYNC", b->seq);
	}
	return t1 - t0;
}

static void bvm_create(struct bvm *b)
{
	double v[7];
	int i;

	memset(b, 0, sizeof(*b));
	b->vm = kt_vm_create();
	b->vcpu = kt_vcpu_add(b->vm, 0, guest_bench, 0, 0);
	run_op(b, OP_NOP, 0, 0, 0);	/* first entry: lazy set-up on both sides */
	for (i = 0; i < 7; i++)
		v[i] = run_op(b, OP_NOP, 0, 0, 0);
	b->empty_ns = median(v, 7);
}

/* Cost of one operation out of a round of n, the empty round taken off. */
static double per_op(struct bvm *b, enum guest_op op, uint64_t n, uint64_t base, uint64_t stride)
{
	return (run_op(b, op, n, base, stride) - b->empty_ns) / n;
}

/* --- Exits --------------------------------------------------------------------- */

static void bench_exits(void)
{
	static const struct {
		const char *name;
		enum guest_op op;
		uint64_t n;
		const char *note;
	} f[] = {
		{ "pio_exit", OP_PIO, 500, "out to port 0x80, KVM_RUN returns, userspace re-enters" },
		{ "mmio_exit", OP_MMIO, 500, "mov to unbacked gpa, emulated, KVM_EXIT_MMIO" },
		{ "cpuid_exit", OP_CPUID, 2000, "CPUID handled in the kernel" },
	};
	struct bvm b;
	double v[15];
	unsigned int i;
	int r, n = reps(9);

	bvm_create(&b);
	for (i = 0; i < KTEST_NCASES(f); i++) {
		per_op(&b, f[i].op, 10, 0, 0);	/* warm */
		for (r = 0; r < n; r++)
			v[r] = per_op(&b, f[i].op, quick ? f[i].n / 5 : f[i].n, 0, 0);
		emit(f[i].name, "ns", v, n, f[i].note);
	}
	kt_vm_free(b.vm);
}

/* --- VM and vCPU life cycle ------------------------------------------------------ */

static void bench_lifecycle(void)
{
	const int batch = 10;
	double create[15], destroy[15], t0, t1, t2;
	int vm[10], vcpu[10];
	int r, i, n = reps(7);

	kt_kvm_fd();
	for (r = 0; r < n; r++) {
		t0 = now_ns();
		for (i = 0; i < batch; i++) {
			vm[i] = ioctl(kt_kvm_fd(), KVM_CREATE_VM, 0);
			KT_ASSERT(vm[i] >= 0, "KVM_CREATE_VM");
			vcpu[i] = ioctl(vm[i], KVM_CREATE_VCPU, 0);
			KT_ASSERT(vcpu[i] >= 0, "KVM_CREATE_VCPU");
		}
		t1 = now_ns();
		for (i = 0; i < batch; i++) {
			close(vcpu[i]);
			close(vm[i]);
		}
		t2 = now_ns();
		create[r] = (t1 - t0) / batch / 1000;
		destroy[r] = (t2 - t1) / batch / 1000;
	}
	emit("vm_vcpu_create", "us", create, n, "KVM_CREATE_VM + KVM_CREATE_VCPU");
	emit("vm_vcpu_destroy", "us", destroy, n, "close of the vCPU and the VM (last reference)");
}

/* --- HLT wake-up by IPI with the in-kernel LAPIC ------------------------------------ */

#define IPI_VEC0	0x40	/* to vCPU 0 */
#define IPI_VEC1	0x41	/* to vCPU 1 */
#define SPURIOUS_VEC	0xff
#define APIC_EOI	0xb0
#define APIC_SVR	0xf0
#define APIC_ICR_LO	0x300
#define APIC_ICR_HI	0x310
#define APIC_LVTT	0x320
#define APIC_TMICT	0x380
#define APIC_TDCR	0x3e0
#define TIMER_NS	20000	/* one-shot timer: 20000 bus cycles of 1 ns */

static volatile uint64_t ipi_seen[2] __attribute__((used));
static volatile uint64_t pong_ready;

/* Interrupt entries: note the IPI, EOI, return. */
extern char bench_ipi0_entry[], bench_ipi1_entry[], bench_spurious_entry[];
__asm__(
	".pushsection .text\n"
	"bench_ipi0_entry:\n"
	"pushq %rax\n"
	"movq $1, ipi_seen(%rip)\n"
	"movl $0xfee000b0, %eax\n"
	"movl $0, (%rax)\n"
	"popq %rax\n"
	"iretq\n"
	"bench_ipi1_entry:\n"
	"pushq %rax\n"
	"movq $1, ipi_seen+8(%rip)\n"
	"movl $0xfee000b0, %eax\n"
	"movl $0, (%rax)\n"
	"popq %rax\n"
	"iretq\n"
	"bench_spurious_entry:\n"
	"iretq\n"
	".popsection\n");

static void apic_write(uint32_t reg, uint32_t val)
{
	*(volatile uint32_t *)(uintptr_t)(APIC_GPA + reg) = val;
}

static void guest_send_ipi(uint32_t dest, uint32_t vec)
{
	apic_write(APIC_ICR_HI, dest << 24);
	apic_write(APIC_ICR_LO, vec);	/* fixed, physical, edge */
}

static void guest_wait_ipi(int me)
{
	__asm__ volatile("cli" ::: "memory");
	while (!ipi_seen[me])
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	ipi_seen[me] = 0;
}

static void guest_pong(void)
{
	apic_write(APIC_SVR, 0x100 | SPURIOUS_VEC);
	pong_ready = 1;
	for (;;) {
		guest_wait_ipi(0);
		guest_send_ipi(1, IPI_VEC1);
	}
}

static void guest_ping(void)
{
	volatile struct guest_cmd *c = &cmd;
	uint64_t i;

	apic_write(APIC_SVR, 0x100 | SPURIOUS_VEC);
	while (!pong_ready)
		__asm__ volatile("pause" ::: "memory");
	for (;;) {
		if (c->op == OP_TIMER) {
			/* One-shot on the vector of our own IPIs, divide by 1. */
			apic_write(APIC_TDCR, 0xb);
			apic_write(APIC_LVTT, IPI_VEC1);
			for (i = 0; i < c->n; i++) {
				apic_write(APIC_TMICT, (uint32_t)c->stride);
				guest_wait_ipi(1);
			}
		} else {
			for (i = 0; i < c->n; i++) {
				guest_send_ipi(0, IPI_VEC0);
				guest_wait_ipi(1);
			}
		}
		GUEST_SYNC(c->seq);
	}
}

static void set_gate(struct kt_vm *vm, int vec, void *entry)
{
	struct x86_idt_gate64 *idt = kt_gpa2hva(vm, vm->idt);
	uint64_t off = (uint64_t)(uintptr_t)entry;

	memset(&idt[vec], 0, sizeof(idt[vec]));
	idt[vec].off0 = off & 0xffff;
	idt[vec].off1 = (off >> 16) & 0xffff;
	idt[vec].off2 = off >> 32;
	idt[vec].selector = 0x08;
	idt[vec].type = GATE_TYPE_INT64;
	idt[vec].p = 1;
}

static void full_idt(struct kt_vcpu *v)
{
	struct kvm_sregs s;

	kt_get_sregs(v, &s);
	s.idt.limit = 256 * sizeof(struct x86_idt_gate64) - 1;
	kt_set_sregs(v, &s);
}

static void *pong_thread(void *arg)
{
	struct kt_vcpu *v = arg;

	/* Returns only on an error or a ucall (an assertion): either ends the run. */
	kt_vcpu_run(v);
	kt_dump_exit(v);
	printf("# pong vCPU left KVM_RUN\n");
	fflush(stdout);
	_exit(KSFT_FAIL);
	return NULL;
}

static void bench_hlt_wake(void)
{
	struct bvm b;
	struct kvm_mp_state runnable = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct kt_vcpu *pong;
	pthread_t th;
	double v[15];
	int r, n = reps(7);
	const uint64_t rounds = quick ? 40 : 200;

	if (kt_check_cap(KVM_CAP_IRQCHIP) <= 0) {
		emit_na("hlt_wake_ipi", "ns", "(no KVM_CAP_IRQCHIP)");
		emit_na("hlt_wake_timer", "ns", "(no KVM_CAP_IRQCHIP)");
		return;
	}
	memset(&b, 0, sizeof(b));
	b.vm = kt_vm_create();
	if (ioctl(b.vm->fd, KVM_CREATE_IRQCHIP, 0)) {
		char why[80];

		snprintf(why, sizeof(why), "(KVM_CREATE_IRQCHIP: %s)", strerror(errno));
		emit_na("hlt_wake_ipi", "ns", why);
		emit_na("hlt_wake_timer", "ns", why);
		return;
	}
	set_gate(b.vm, IPI_VEC0, bench_ipi0_entry);
	set_gate(b.vm, IPI_VEC1, bench_ipi1_entry);
	set_gate(b.vm, SPURIOUS_VEC, bench_spurious_entry);
	pong = kt_vcpu_add(b.vm, 0, guest_pong, 0, 0);
	b.vcpu = kt_vcpu_add(b.vm, 1, guest_ping, 0, 0);
	full_idt(pong);
	full_idt(b.vcpu);
	/* With the in-kernel LAPIC, vCPU 1 would wait for INIT/SIPI. */
	KT_ASSERT_OK(ioctl(b.vcpu->fd, KVM_SET_MP_STATE, &runnable));
	KT_ASSERT(pthread_create(&th, NULL, pong_thread, pong) == 0, "pthread_create");

	/* The ping side's round: n IPIs there and back. */
	run_op(&b, OP_NOP, 0, 0, 0);
	run_op(&b, OP_NOP, 10, 0, 0);
	for (r = 0; r < 7; r++)
		v[r] = run_op(&b, OP_NOP, 0, 0, 0);
	b.empty_ns = median(v, 7);
	for (r = 0; r < n; r++)
		v[r] = per_op(&b, OP_NOP, rounds, 0, 0) / 2;
	emit("hlt_wake_ipi", "ns", v, n,
	     "xAPIC IPI to a vCPU halted in the kernel, until its handler runs (half a ping-pong)");
	run_op(&b, OP_TIMER, 2, 0, TIMER_NS);
	for (r = 0; r < n; r++)
		v[r] = per_op(&b, OP_TIMER, rounds / 4, 0, TIMER_NS) - TIMER_NS;
	emit("hlt_wake_timer", "ns", v, n,
	     "LAPIC one-shot timer armed, HLT, until its handler runs, less the 20 us programmed");
	/* The pong thread is still in KVM_RUN: exiting the process ends it. */
	fflush(stdout);
	_exit(0);
}

/* --- Guest memory faults --------------------------------------------------------- */

/* Host pages of the range backed by huge pages, per /proc/self/smaps. */
static uint64_t thp_bytes(void *start, uint64_t len)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256];
	uint64_t lo, hi, total = 0;
	bool in = false;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long kb;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = lo < (uintptr_t)start + len && hi > (uintptr_t)start;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1)
			total += kb << 10;
	}
	fclose(f);
	return total;
}

/* Delete and re-add a slot on the same memory: its nested mappings go away. */
static void slot_remap(struct kt_vm *vm, uint32_t slot)
{
	struct kt_slot *s = &vm->slots[slot];

	KT_ASSERT_OK(kt_vm_set_region(vm, slot, 0, s->gpa, 0, NULL));
	KT_ASSERT_OK(kt_vm_set_region(vm, slot, s->flags, s->gpa, s->size, s->hva));
}

static void bench_faults(void)
{
	const uint64_t small = quick ? (4ull << 20) : (16ull << 20);
	const uint64_t huge = quick ? (16ull << 20) : (64ull << 20);
	struct bvm b;
	double v[15];
	uint8_t *mem;
	int r, n = reps(7);

	bvm_create(&b);

	/* 4 KiB host pages, host memory already present: the nested fault path only. */
	mem = kt_vm_add_slot(b.vm, TOUCH_SLOT, TOUCH_GPA, small, 0, 0);
	madvise(mem, small, MADV_NOHUGEPAGE);
	memset(mem, 1, small);
	for (r = 0; r < n; r++) {
		slot_remap(b.vm, TOUCH_SLOT);
		v[r] = per_op(&b, OP_TOUCH, small >> 12, TOUCH_GPA, 4096);
	}
	emit("first_touch_4k", "ns", v, n, "per 4 KiB page, host page present, 4 KiB host pages");
	for (r = 0; r < n; r++)
		v[r] = per_op(&b, OP_TOUCH, small >> 12, TOUCH_GPA, 4096);
	emit("retouch_4k", "ns", v, n, "per 4 KiB page, already mapped");

	/* The same over transparent huge pages on a 2 MiB aligned slot. */
	mem = kt_vm_add_slot(b.vm, THP_SLOT, THP_GPA, huge, 0, KT_MEM_THP);
	memset(mem, 1, huge);
	if (thp_bytes(mem, huge) < huge / 2) {
		emit_na("first_touch_thp", "ns", "(the test VM's kernel gave no huge pages)");
	} else {
		for (r = 0; r < n; r++) {
			slot_remap(b.vm, THP_SLOT);
			v[r] = per_op(&b, OP_TOUCH, huge >> 12, THP_GPA, 4096);
		}
		emit("first_touch_thp", "ns", v, n, "per 4 KiB page, 2 MiB host pages");
	}
	kt_vm_free(b.vm);
}

/* --- Dirty logging ----------------------------------------------------------------- */

static uint8_t *log_slot(struct bvm *b)
{
	uint64_t n = LOG_SIZE / LOG_STRIDE, i;
	uint8_t *mem = kt_vm_add_slot(b->vm, LOG_SLOT, LOG_GPA, LOG_SIZE,
				      KVM_MEM_LOG_DIRTY_PAGES, 0);

	/* One page in 64 is written: host memory for those only, no huge pages. */
	madvise(mem, LOG_SIZE, MADV_NOHUGEPAGE);
	for (i = 0; i < n; i++)
		mem[i * LOG_STRIDE] = 1;
	return mem;
}

static void bench_dirty_log(void)
{
	const uint64_t pages = LOG_SIZE / LOG_STRIDE;
	uint64_t *bitmap = calloc(1, LOG_SIZE / 4096 / 8);
	struct kvm_dirty_log log = { .slot = LOG_SLOT, .dirty_bitmap = bitmap };
	struct kvm_clear_dirty_log clr = {
		.slot = LOG_SLOT, .first_page = 0, .num_pages = LOG_SIZE / 4096,
		.dirty_bitmap = bitmap,
	};
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
		.args = { KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE },
	};
	double wp[15], get[15], clean[15], clear[15], t0;
	char note[128];
	struct bvm b;
	int r, n = reps(7);

	KT_ASSERT(bitmap, "out of memory");
	snprintf(note, sizeof(note), "1 GiB slot, %lu dirty pages (1 per 256 KiB)", pages);

	/* Classic mode: GET_DIRTY_LOG returns and re-protects. */
	bvm_create(&b);
	log_slot(&b);
	run_op(&b, OP_TOUCH, pages, LOG_GPA, LOG_STRIDE);
	for (r = 0; r < n; r++) {
		t0 = now_ns();
		KT_ASSERT_OK(ioctl(b.vm->fd, KVM_GET_DIRTY_LOG, &log));
		get[r] = (now_ns() - t0) / 1000;
		KT_ASSERT(bitmap[0] & 1, "page 0 not reported dirty");
		t0 = now_ns();
		KT_ASSERT_OK(ioctl(b.vm->fd, KVM_GET_DIRTY_LOG, &log));
		clean[r] = (now_ns() - t0) / 1000;
		KT_ASSERT(!(bitmap[0] & 1), "page 0 still dirty");
		wp[r] = per_op(&b, OP_TOUCH, pages, LOG_GPA, LOG_STRIDE);
	}
	emit("dirty_wp_fault", "ns", wp, n, "guest write to a page write-protected by the log");
	emit("get_dirty_log", "us/GiB", get, n, note);
	emit("get_dirty_log_clean", "us/GiB", clean, n, "1 GiB slot, no page dirty");
	kt_vm_free(b.vm);

	/* Manual protect: GET leaves pages writable, CLEAR re-protects. */
	if (kt_check_cap(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2) <= 0) {
		emit_na("clear_dirty_log", "us/GiB", "(no KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2)");
		return;
	}
	bvm_create(&b);
	KT_ASSERT_OK(ioctl(b.vm->fd, KVM_ENABLE_CAP, &cap));
	log_slot(&b);
	run_op(&b, OP_TOUCH, pages, LOG_GPA, LOG_STRIDE);
	for (r = 0; r < n; r++) {
		KT_ASSERT_OK(ioctl(b.vm->fd, KVM_GET_DIRTY_LOG, &log));
		t0 = now_ns();
		KT_ASSERT_OK(ioctl(b.vm->fd, KVM_CLEAR_DIRTY_LOG, &clr));
		clear[r] = (now_ns() - t0) / 1000;
		run_op(&b, OP_TOUCH, pages, LOG_GPA, LOG_STRIDE);
	}
	emit("clear_dirty_log", "us/GiB", clear, n, note);
	kt_vm_free(b.vm);
	free(bitmap);
}

/* --- Memory slots ------------------------------------------------------------------ */

static void bench_memslots_n(int fill, double *budget_s)
{
	const uint64_t base = 1ull << 32, extra_gpa = 0x10000000ull;
	struct kt_vm *vm = kt_vm_create_bare();
	char name_add[40], name_del[40], name_fill[40], why[96];
	double add[15], del[15], t0, tfill;
	uint8_t *mem;
	int i, r, n = reps(11), batch = quick ? 5 : 20;

	snprintf(name_add, sizeof(name_add), "memslot_add_%d", fill);
	snprintf(name_del, sizeof(name_del), "memslot_del_%d", fill);
	snprintf(name_fill, sizeof(name_fill), "memslot_fill_%d", fill);
	if (kt_check_cap(KVM_CAP_NR_MEMSLOTS) < fill + 1) {
		snprintf(why, sizeof(why), "(KVM_CAP_NR_MEMSLOTS is %d)",
			 kt_check_cap(KVM_CAP_NR_MEMSLOTS));
		emit_na(name_fill, "ns", why);
		emit_na(name_add, "ns", why);
		emit_na(name_del, "ns", why);
		kt_vm_free(vm);
		return;
	}
	mem = mmap(NULL, (fill + 1) * 4096ull, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	KT_ASSERT(mem != MAP_FAILED, "mmap");
	t0 = now_ns();
	for (i = 0; i < fill; i++) {
		KT_ASSERT_OK(kt_vm_set_region(vm, i, 0, base + i * 4096ull, 4096, mem + i * 4096ull));
		if ((i & 255) == 255 && (now_ns() - t0) / 1e9 > *budget_s) {
			snprintf(why, sizeof(why), "(filling stopped at %d slots: over %.0f s)",
				 i + 1, *budget_s);
			emit_na(name_fill, "ns", why);
			emit_na(name_add, "ns", why);
			emit_na(name_del, "ns", why);
			*budget_s = 0;
			kt_vm_free(vm);
			munmap(mem, (fill + 1) * 4096ull);
			return;
		}
	}
	tfill = (now_ns() - t0) / fill;
	*budget_s -= (now_ns() - t0) / 1e9;
	emit(name_fill, "ns", &tfill, 1, "mean cost of each add while filling");
	/*
	 * Each repetition is the mean of a batch, so that work an implementation
	 * does every so many updates (freeing what readers no longer see) is
	 * spread over the updates that caused it.
	 */
	for (r = 0; r < n; r++) {
		add[r] = del[r] = 0;
		for (i = 0; i < batch; i++) {
			t0 = now_ns();
			KT_ASSERT_OK(kt_vm_set_region(vm, fill, 0, extra_gpa, 4096,
						      mem + fill * 4096ull));
			add[r] += (now_ns() - t0) / batch;
			t0 = now_ns();
			KT_ASSERT_OK(kt_vm_set_region(vm, fill, 0, extra_gpa, 0, NULL));
			del[r] += (now_ns() - t0) / batch;
		}
	}
	snprintf(why, sizeof(why), "one 4 KiB slot, %d present, mean of %d", fill, batch);
	emit(name_add, "ns", add, n, why);
	emit(name_del, "ns", del, n, why);
	kt_vm_free(vm);
	munmap(mem, (fill + 1) * 4096ull);
}

static void bench_memslots(void)
{
	/* Seconds of filling allowed in all (virtual seconds under icount). */
	double budget = quick ? 5 : 20;

	bench_memslots_n(1000, &budget);
	bench_memslots_n(10000, &budget);
}

/* --- Kernel memory per VM and per vCPU --------------------------------------------- */

/*
 * Pages the kernel holds, counted exactly: every page allocation and free is
 * counted in /proc/vmstat (per-CPU page lists included, which MemFree misses),
 * so allocated minus freed between two readings is what was taken meanwhile.
 */
struct kmem {
	long pages;	/* pgalloc_* - pgfree */
	long slab_kb;	/* Slab in /proc/meminfo */
	long kstack_kb;	/* KernelStack */
	long ptables_kb; /* PageTables */
};

static void read_kmem(struct kmem *m)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char line[128], name[64];
	long v;

	KT_ASSERT(f, "/proc/vmstat");
	memset(m, 0, sizeof(*m));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %ld", name, &v) != 2)
			continue;
		if (!strncmp(name, "pgalloc_", 8))
			m->pages += v;
		else if (!strcmp(name, "pgfree"))
			m->pages -= v;
	}
	fclose(f);
	f = fopen("/proc/meminfo", "r");
	KT_ASSERT(f, "/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %ld", &v) == 1)
			m->slab_kb = v;
		else if (sscanf(line, "KernelStack: %ld", &v) == 1)
			m->kstack_kb = v;
		else if (sscanf(line, "PageTables: %ld", &v) == 1)
			m->ptables_kb = v;
	fclose(f);
}

#define MAX_CACHES 512

struct slabs {
	int n;
	char name[MAX_CACHES][40];
	long bytes[MAX_CACHES];
};

static void read_slabs(struct slabs *s)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	char line[512], name[40];
	long active, num, size;

	s->n = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && s->n < MAX_CACHES) {
		if (sscanf(line, "%39s %ld %ld %ld", name, &active, &num, &size) != 4)
			continue;
		strcpy(s->name[s->n], name);
		s->bytes[s->n++] = num * size;
	}
	fclose(f);
}

/* Commentary: the slab caches that grew most, per object created. */
static void show_slab_growth(const char *what, const struct slabs *a, const struct slabs *b,
			     int count)
{
	long best[5] = { 0 };
	int who[5] = { -1, -1, -1, -1, -1 };
	int i, j, k;

	for (i = 0; i < b->n; i++) {
		long d = b->bytes[i];

		for (j = 0; j < a->n; j++)
			if (!strcmp(a->name[j], b->name[i]))
				d -= a->bytes[j];
		for (k = 0; k < 5; k++) {
			if (d > best[k]) {
				memmove(&best[k + 1], &best[k], (4 - k) * sizeof(best[0]));
				memmove(&who[k + 1], &who[k], (4 - k) * sizeof(who[0]));
				best[k] = d;
				who[k] = i;
				break;
			}
		}
	}
	for (k = 0; k < 5 && who[k] >= 0; k++)
		printf("# slab growth per %s: %s %.1f KiB\n", what, b->name[who[k]],
		       best[k] / 1024.0 / count);
}

/* Commentary: the other kernel memory counters, per object created (last repetition). */
static void show_meminfo_growth(const char *what, const struct kmem *a, const struct kmem *b,
				int count)
{
	printf("# meminfo growth per %s: Slab %.1f KiB, KernelStack %.1f KiB, PageTables %.1f KiB\n",
	       what, (double)(b->slab_kb - a->slab_kb) / count,
	       (double)(b->kstack_kb - a->kstack_kb) / count,
	       (double)(b->ptables_kb - a->ptables_kb) / count);
}

static void settle(void)
{
	/* Let deferred frees (RCU callbacks, workqueues) run. */
	usleep(200 * 1000);
}

static void bench_kmem(void)
{
	const int nvcpu = 100, nvm = 20, n = quick ? 1 : 3;
	static struct slabs sa, sb;
	double total[3], slab[3], vtotal[3], vslab[3];
	struct kmem a, b;
	int fds[101], r, i, vm;

	for (r = 0; r < n; r++) {
		vm = ioctl(kt_kvm_fd(), KVM_CREATE_VM, 0);
		KT_ASSERT(vm >= 0, "KVM_CREATE_VM");
		fds[0] = ioctl(vm, KVM_CREATE_VCPU, 0);
		KT_ASSERT(fds[0] >= 0, "KVM_CREATE_VCPU 0");
		settle();
		read_slabs(&sa);
		read_kmem(&a);
		for (i = 1; i <= nvcpu; i++) {
			fds[i] = ioctl(vm, KVM_CREATE_VCPU, i);
			KT_ASSERT(fds[i] >= 0, "KVM_CREATE_VCPU %d", i);
		}
		settle();
		read_kmem(&b);
		read_slabs(&sb);
		vtotal[r] = (double)(b.pages - a.pages) * 4 / nvcpu;
		vslab[r] = (double)(b.slab_kb - a.slab_kb) / nvcpu;
		for (i = 0; i <= nvcpu; i++)
			close(fds[i]);
		close(vm);
		settle();
	}
	emit("kmem_per_vcpu", "KiB", vtotal, n, "pages allocated per vCPU, slab included (100 in one VM)");
	emit("slab_per_vcpu", "KiB", vslab, n, "Slab growth per vCPU (100 in one VM)");
	show_slab_growth("vCPU", &sa, &sb, nvcpu);
	show_meminfo_growth("vCPU", &a, &b, nvcpu);

	for (r = 0; r < n; r++) {
		int vms[20];

		settle();
		read_slabs(&sa);
		read_kmem(&a);
		for (i = 0; i < nvm; i++) {
			vms[i] = ioctl(kt_kvm_fd(), KVM_CREATE_VM, 0);
			KT_ASSERT(vms[i] >= 0, "KVM_CREATE_VM %d", i);
		}
		settle();
		read_kmem(&b);
		read_slabs(&sb);
		total[r] = (double)(b.pages - a.pages) * 4 / nvm;
		slab[r] = (double)(b.slab_kb - a.slab_kb) / nvm;
		for (i = 0; i < nvm; i++)
			close(vms[i]);
	}
	emit("kmem_per_vm", "KiB", total, n,
	     "pages allocated per VM, slab included (20 VMs, no vCPU, no memory)");
	emit("slab_per_vm", "KiB", slab, n, "Slab growth per VM (20 VMs)");
	show_slab_growth("VM", &sa, &sb, nvm);
	show_meminfo_growth("VM", &a, &b, nvm);
}

/* --- Driver ------------------------------------------------------------------------- */

struct group {
	const char *name;
	void (*fn)(void);
	int limit_s;		/* wall seconds before the group is killed */
	const char *figures;	/* "name unit" pairs, for n/a on failure */
};

static const struct group groups[] = {
	{ "lifecycle", bench_lifecycle, 300, "vm_vcpu_create us vm_vcpu_destroy us" },
	{ "exits", bench_exits, 300, "pio_exit ns mmio_exit ns cpuid_exit ns" },
	{ "hlt", bench_hlt_wake, 300, "hlt_wake_ipi ns hlt_wake_timer ns" },
	{ "faults", bench_faults, 300, "first_touch_4k ns retouch_4k ns first_touch_thp ns" },
	{ "dirty", bench_dirty_log, 300,
	  "dirty_wp_fault ns get_dirty_log us/GiB get_dirty_log_clean us/GiB "
	  "clear_dirty_log us/GiB" },
	{ "memslots", bench_memslots, 400,
	  "memslot_fill_1000 ns memslot_add_1000 ns memslot_del_1000 ns "
	  "memslot_fill_10000 ns memslot_add_10000 ns memslot_del_10000 ns" },
	{ "kmem", bench_kmem, 300,
	  "kmem_per_vcpu KiB slab_per_vcpu KiB kmem_per_vm KiB slab_per_vm KiB" },
};

/*
 * Run one group in a child whose stdout comes through a pipe, so the figures
 * it never printed can be reported n/a with the reason.
 */
static void run_group(const struct group *g)
{
	char buf[4096], seen[8192] = " ", why[96], list[512], *name, *unit, *save;
	int p[2], status;
	size_t used = 1;
	double t0;
	ssize_t len;
	pid_t pid;
	FILE *in;

	KT_ASSERT(pipe(p) == 0, "pipe");
	fflush(stdout);
	t0 = now_ns();
	pid = fork();
	KT_ASSERT(pid >= 0, "fork");
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], 1);
		close(p[1]);
		setvbuf(stdout, NULL, _IOLBF, 0);
		alarm(g->limit_s);
		g->fn();
		fflush(stdout);
		_exit(0);
	}
	close(p[1]);
	in = fdopen(p[0], "r");
	while (fgets(buf, sizeof(buf), in)) {
		fputs(buf, stdout);
		fflush(stdout);
		if (!strncmp(buf, "BENCH ", 6)) {
			len = strcspn(buf + 6, " ");
			if (used + len + 2 < sizeof(seen)) {
				memcpy(seen + used, buf + 6, len);
				used += len;
				seen[used++] = ' ';
				seen[used] = 0;
			}
		}
	}
	fclose(in);
	waitpid(pid, &status, 0);
	printf("# group %s took %.1f s\n", g->name, (now_ns() - t0) / 1e9);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		snprintf(why, sizeof(why), "(not measured)");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == KSFT_SKIP)
		snprintf(why, sizeof(why), "(skipped)");
	else if (WIFEXITED(status))
		snprintf(why, sizeof(why), "(failed: exit status %d)", WEXITSTATUS(status));
	else if (WTERMSIG(status) == SIGALRM)
		snprintf(why, sizeof(why), "(over the %d s limit)", g->limit_s);
	else
		snprintf(why, sizeof(why), "(failed: %s)", strsignal(WTERMSIG(status)));
	snprintf(list, sizeof(list), "%s", g->figures);
	for (name = strtok_r(list, " ", &save); name; name = strtok_r(NULL, " ", &save)) {
		char key[48];

		unit = strtok_r(NULL, " ", &save);
		snprintf(key, sizeof(key), " %s ", name);
		if (!strstr(seen, key))
			emit_na(name, unit ? unit : "-", why);
	}
}

int main(int argc, char **argv)
{
	unsigned int i;
	int a, first = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "-q")) {
		quick = true;
		first = 2;
	}
	for (i = 0; i < KTEST_NCASES(groups); i++) {
		bool want = first >= argc;

		for (a = first; a < argc; a++)
			want |= !strcmp(argv[a], groups[i].name);
		if (want)
			run_group(&groups[i]);
	}
	return 0;
}
