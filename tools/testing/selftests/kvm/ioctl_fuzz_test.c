// SPDX-License-Identifier: GPL-2.0-only
/*
 * ioctl fuzzing: generations of VMs and vCPUs, each generation in a child
 * process of its own, with several threads throwing every ioctl number of
 * <linux/kvm.h> (system, VM, vCPU and device numbers alike) at every fd the
 * generation holds (/dev/kvm, VMs, vCPUs, devices, stats fds, eventfds and
 * dup()s of them), with garbage, boundary, NULL, kernel, read-only and
 * half-mapped argument pointers.  Beside those, structured operations: random
 * memory slots, irqchip and PIT creation, GSI routing, irqfds and ioeventfds
 * with random fds, vCPU state set from random or mutated contents followed by
 * KVM_RUN on guest memory full of random bytes.  The generation's main thread
 * kicks the workers out of KVM_RUN with a signal every few milliseconds and
 * closes and dup()s fds in random order meanwhile; the generation ends with
 * every fd closed in random order, or with _exit() while vCPUs still run.
 *
 * What is asserted (only what holds on any correct KVM):
 *  - every ioctl returns -1 or a non-negative value, and every errno is one
 *    a caller can be given (no kernel-internal codes such as ERESTARTSYS or
 *    ENOTSUPP, nothing outside the sane set below);
 *  - KVM_GET_API_VERSION on /dev/kvm always answers 12;
 *  - a successful KVM_RUN leaves a defined exit reason, and an I/O exit's
 *    data lies inside the mapping of kvm_run;
 *  - no process is killed by a signal and no thread stays stuck in an ioctl
 *    (a generation that does not end in time fails the test);
 *  - after each generation, in the fuzzed vCPUs that are left, KVM_GET_REGS
 *    (and friends) succeed with a good pointer and give EFAULT with a bad
 *    one, and a fresh VM still runs a guest to its hlt.
 * The test VM harness fails the test if the kernel log shows a warning, an
 * oops or a BUG, and checks at the end that the modules unload and that the
 * memory they held is back (Documentation/virt/kvm/testing.rst).
 *
 * Seed and duration: the first argument or KVM_FUZZ_SEED (printed at the
 * start; default 0x5eed, "random" takes the time), KVM_FUZZ_SECONDS (default
 * 20).  The test VM hands TESTVM_APPEND words to the tests as environment,
 * e.g.
 *	TESTVM_APPEND="KVM_FUZZ_SEED=42 KVM_FUZZ_SECONDS=60 KTEST_TIMEOUT=120" \
 *		scripts/testvm.sh --timeout 180 --tests ioctl_fuzz_test
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kvmt.h"
#include "payload.h"
#include "x86.h"

struct ioc {
	const char *name;
	unsigned long nr;
};

#define IOC(n)	{ #n, n }
/*
 * Numbers whose argument structs only the ppc and arm64 headers declare: the
 * same numbers, written with those structs' sizes.
 */
#define IOC_N(n, nr)	{ #n, nr }

/* Every ioctl number <linux/kvm.h> defines, removed ones included. */

/*
 * Without a seed given, make check runs a fixed one, so that a red run can be
 * repeated and CI does not turn red at random; "random" picks one from the clock.
 */
static bool opt_seed_random;

static uint64_t default_seed(void)
{
	return opt_seed_random ? (uint64_t)time(NULL) : 0x5eedULL;
}

static const struct ioc iocs[] = {
	IOC(KVM_GET_API_VERSION),
	IOC(KVM_CREATE_VM),
	IOC(KVM_GET_MSR_INDEX_LIST),
	IOC(KVM_CHECK_EXTENSION),
	IOC(KVM_GET_VCPU_MMAP_SIZE),
	IOC(KVM_GET_SUPPORTED_CPUID),
	IOC(KVM_S390_ENABLE_SIE),
	IOC(KVM_TRACE_ENABLE),
	IOC(KVM_TRACE_PAUSE),
	IOC(KVM_TRACE_DISABLE),
	IOC(KVM_GET_EMULATED_CPUID),
	IOC(KVM_GET_MSR_FEATURE_INDEX_LIST),
	IOC(KVM_SET_MEMORY_REGION),
	IOC(KVM_CREATE_VCPU),
	IOC(KVM_GET_DIRTY_LOG),
	IOC(KVM_SET_MEMORY_ALIAS),
	IOC(KVM_SET_NR_MMU_PAGES),
	IOC(KVM_GET_NR_MMU_PAGES),
	IOC(KVM_SET_USER_MEMORY_REGION),
	IOC(KVM_SET_TSS_ADDR),
	IOC(KVM_SET_IDENTITY_MAP_ADDR),
	IOC(KVM_S390_UCAS_MAP),
	IOC(KVM_S390_UCAS_UNMAP),
	IOC(KVM_S390_VCPU_FAULT),
	IOC(KVM_CREATE_IRQCHIP),
	IOC(KVM_IRQ_LINE),
	IOC(KVM_GET_IRQCHIP),
	IOC(KVM_SET_IRQCHIP),
	IOC(KVM_CREATE_PIT),
	IOC(KVM_GET_PIT),
	IOC(KVM_SET_PIT),
	IOC(KVM_IRQ_LINE_STATUS),
	IOC(KVM_REGISTER_COALESCED_MMIO),
	IOC(KVM_UNREGISTER_COALESCED_MMIO),
	IOC(KVM_ASSIGN_PCI_DEVICE),
	IOC(KVM_SET_GSI_ROUTING),
	IOC(KVM_ASSIGN_IRQ),
	IOC(KVM_ASSIGN_DEV_IRQ),
	IOC(KVM_REINJECT_CONTROL),
	IOC(KVM_DEASSIGN_PCI_DEVICE),
	IOC(KVM_ASSIGN_SET_MSIX_NR),
	IOC(KVM_ASSIGN_SET_MSIX_ENTRY),
	IOC(KVM_DEASSIGN_DEV_IRQ),
	IOC(KVM_IRQFD),
	IOC(KVM_CREATE_PIT2),
	IOC(KVM_SET_BOOT_CPU_ID),
	IOC(KVM_IOEVENTFD),
	IOC(KVM_XEN_HVM_CONFIG),
	IOC(KVM_SET_CLOCK),
	IOC(KVM_GET_CLOCK),
	IOC(KVM_GET_PIT2),
	IOC(KVM_SET_PIT2),
	IOC(KVM_PPC_GET_PVINFO),
	IOC(KVM_SET_TSC_KHZ),
	IOC(KVM_GET_TSC_KHZ),
	IOC(KVM_ASSIGN_SET_INTX_MASK),
	IOC(KVM_SIGNAL_MSI),
	IOC(KVM_PPC_GET_SMMU_INFO),
	IOC(KVM_PPC_ALLOCATE_HTAB),
	IOC_N(KVM_CREATE_SPAPR_TCE, _IOC(_IOC_WRITE, KVMIO, 0xa8, 16)),
	IOC_N(KVM_CREATE_SPAPR_TCE_64, _IOC(_IOC_WRITE, KVMIO, 0xa8, 32)),
	IOC_N(KVM_ALLOCATE_RMA, _IOC(_IOC_READ, KVMIO, 0xa9, 8)),
	IOC_N(KVM_PPC_GET_HTAB_FD, _IOC(_IOC_WRITE, KVMIO, 0xaa, 32)),
	IOC(KVM_ARM_SET_DEVICE_ADDR),
	IOC_N(KVM_PPC_RTAS_DEFINE_TOKEN, _IOC(_IOC_WRITE, KVMIO, 0xac, 128)),
	IOC(KVM_PPC_RESIZE_HPT_PREPARE),
	IOC(KVM_PPC_RESIZE_HPT_COMMIT),
	IOC_N(KVM_PPC_CONFIGURE_V3_MMU, _IOC(_IOC_WRITE, KVMIO, 0xaf, 16)),
	IOC_N(KVM_PPC_GET_RMMU_INFO, _IOC(_IOC_WRITE, KVMIO, 0xb0, 96)),
	IOC_N(KVM_PPC_GET_CPU_CHAR, _IOC(_IOC_READ, KVMIO, 0xb1, 32)),
	IOC(KVM_SET_PMU_EVENT_FILTER),
	IOC(KVM_PPC_SVM_OFF),
	IOC_N(KVM_ARM_MTE_COPY_TAGS, _IOC(_IOC_READ, KVMIO, 0xb4, 48)),
	IOC(KVM_MEMORY_ENCRYPT_OP),
	IOC(KVM_MEMORY_ENCRYPT_REG_REGION),
	IOC(KVM_MEMORY_ENCRYPT_UNREG_REGION),
	IOC(KVM_HYPERV_EVENTFD),
	IOC(KVM_CLEAR_DIRTY_LOG),
	IOC(KVM_S390_PV_COMMAND),
	IOC(KVM_X86_SET_MSR_FILTER),
	IOC(KVM_RESET_DIRTY_RINGS),
	IOC(KVM_XEN_HVM_GET_ATTR),
	IOC(KVM_XEN_HVM_SET_ATTR),
	IOC(KVM_GET_STATS_FD),
	IOC(KVM_XEN_HVM_EVTCHN_SEND),
	IOC(KVM_S390_ZPCI_OP),
	IOC(KVM_CREATE_DEVICE),
	IOC(KVM_RUN),
	IOC(KVM_GET_REGS),
	IOC(KVM_SET_REGS),
	IOC(KVM_GET_SREGS),
	IOC(KVM_SET_SREGS),
	IOC(KVM_TRANSLATE),
	IOC(KVM_INTERRUPT),
	IOC(KVM_DEBUG_GUEST),
	IOC(KVM_GET_MSRS),
	IOC(KVM_SET_MSRS),
	IOC(KVM_SET_CPUID),
	IOC(KVM_SET_SIGNAL_MASK),
	IOC(KVM_GET_FPU),
	IOC(KVM_SET_FPU),
	IOC(KVM_GET_LAPIC),
	IOC(KVM_SET_LAPIC),
	IOC(KVM_SET_CPUID2),
	IOC(KVM_GET_CPUID2),
	IOC(KVM_TPR_ACCESS_REPORTING),
	IOC(KVM_SET_VAPIC_ADDR),
	IOC(KVM_S390_INTERRUPT),
	IOC(KVM_S390_STORE_STATUS),
	IOC(KVM_S390_SET_INITIAL_PSW),
	IOC(KVM_S390_INITIAL_RESET),
	IOC(KVM_GET_MP_STATE),
	IOC(KVM_SET_MP_STATE),
	IOC(KVM_NMI),
	IOC(KVM_SET_GUEST_DEBUG),
	IOC(KVM_X86_SETUP_MCE),
	IOC(KVM_X86_GET_MCE_CAP_SUPPORTED),
	IOC(KVM_X86_SET_MCE),
	IOC(KVM_GET_VCPU_EVENTS),
	IOC(KVM_SET_VCPU_EVENTS),
	IOC(KVM_GET_DEBUGREGS),
	IOC(KVM_SET_DEBUGREGS),
	IOC(KVM_ENABLE_CAP),
	IOC(KVM_GET_XSAVE),
	IOC(KVM_SET_XSAVE),
	IOC(KVM_GET_XCRS),
	IOC(KVM_SET_XCRS),
	IOC(KVM_DIRTY_TLB),
	IOC(KVM_GET_ONE_REG),
	IOC(KVM_SET_ONE_REG),
	IOC(KVM_KVMCLOCK_CTRL),
	IOC_N(KVM_ARM_VCPU_INIT, _IOC(_IOC_WRITE, KVMIO, 0xae, 32)),
	IOC_N(KVM_ARM_PREFERRED_TARGET, _IOC(_IOC_READ, KVMIO, 0xaf, 32)),
	IOC(KVM_GET_REG_LIST),
	IOC(KVM_S390_MEM_OP),
	IOC(KVM_S390_GET_SKEYS),
	IOC(KVM_S390_SET_SKEYS),
	IOC(KVM_S390_IRQ),
	IOC(KVM_S390_SET_IRQ_STATE),
	IOC(KVM_S390_GET_IRQ_STATE),
	IOC(KVM_SMI),
	IOC(KVM_S390_GET_CMMA_BITS),
	IOC(KVM_S390_SET_CMMA_BITS),
	IOC(KVM_GET_NESTED_STATE),
	IOC(KVM_SET_NESTED_STATE),
	IOC(KVM_GET_SUPPORTED_HV_CPUID),
	IOC(KVM_ARM_VCPU_FINALIZE),
	IOC(KVM_S390_NORMAL_RESET),
	IOC(KVM_S390_CLEAR_RESET),
	IOC(KVM_XEN_VCPU_GET_ATTR),
	IOC(KVM_XEN_VCPU_SET_ATTR),
	IOC(KVM_GET_SREGS2),
	IOC(KVM_SET_SREGS2),
	IOC(KVM_GET_XSAVE2),
	IOC(KVM_S390_PV_CPU_COMMAND),
	IOC(KVM_SET_DEVICE_ATTR),
	IOC(KVM_GET_DEVICE_ATTR),
	IOC(KVM_HAS_DEVICE_ATTR),
};

#define NR_IOCS		(sizeof(iocs) / sizeof(iocs[0]))

#define NR_VMS		2
#define NR_VCPUS	2
#define NR_THREADS	4
#define POOL_MAX	96
#define FD_BUDGET	40		/* fds a generation's fuzzing may add */
#define SCRATCH_SIZE	(64ul << 10)
#define SIDE_SIZE	(1ul << 20)
#define GUEST_AREA	(4ul << 20)
#define LOW_SLOT	(1ul << 20)
/*
 * Every buffer the kernel may write to, or that a memory slot may point into,
 * is followed by this much reserved, inaccessible address space: no size a
 * fuzzed ioctl or slot can name reaches past it into this program's memory.
 */
#define HOLE_SIZE	(8ul << 30)
#define GEN_MS		1500
#define GEN_LIMIT_S	30		/* a generation that runs longer hangs */
#define MAX_REPORTS	10

/* ---- random numbers (splitmix64; each thread has its own state) ---- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

static bool one_in(struct rng *r, uint64_t n)
{
	return below(r, n) == 0;
}

static void fill_rnd(struct rng *r, void *p, size_t n)
{
	uint8_t *b = p;
	uint64_t v;

	for (; n >= 8; n -= 8, b += 8) {
		v = rnd(r);
		memcpy(b, &v, 8);
	}
	while (n--)
		*b++ = rnd(r);
}

static const uint64_t boundary[] = {
	0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 255, 256, 257, 1023, 1024, 4095, 4096,
	4097, 65535, 65536, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x100000000ull,
	0x7fffffffffffffffull, 0x8000000000000000ull, ~1ull, ~0ull,
};

static uint64_t some_value(struct rng *r)
{
	switch (below(r, 4)) {
	case 0:
		return rnd(r);
	case 1:
		return below(r, 64);
	default:
		return boundary[below(r, sizeof(boundary) / sizeof(boundary[0]))];
	}
}

/* ---- results shared by all generations (a MAP_SHARED page) ---- */

#define MAX_ERRNO	134

struct fuzz_stats {
	_Atomic uint64_t ioctls;
	_Atomic uint64_t runs;
	_Atomic uint64_t exits[64];
	_Atomic uint64_t errnos[MAX_ERRNO + 1];
};

static struct fuzz_stats *stats;

/* ---- one generation (lives in its own child process) ---- */

enum fd_kind { FD_KVM, FD_VM, FD_VCPU, FD_OTHER };

struct pool_ent {
	_Atomic int fd;
	int kind;
	_Atomic bool *closed;	/* a primary object's "closed" flag, or NULL */
};

struct gvcpu {
	int fd;
	struct kvm_run *run;
	_Atomic bool closed;
};

struct gvm {
	int fd;
	_Atomic bool closed;
	uint8_t *mem;		/* GUEST_AREA bytes, then HOLE_SIZE reserved */
	struct gvcpu vcpus[NR_VCPUS];
};

struct worker {
	int id;
	struct rng r;
	uint8_t *scratch;	/* ioctl arguments: SCRATCH_SIZE, then the hole */
	uint8_t *side;		/* buffers named inside arguments: SIDE_SIZE, then the hole */
	pthread_t th;
	_Atomic bool done;
	const char *_Atomic doing;
};

static struct gen {
	int kvm;
	_Atomic bool kvm_closed;
	size_t run_size;
	struct gvm vms[NR_VMS];
	struct pool_ent pool[POOL_MAX];
	_Atomic int npool;
	pthread_mutex_t pool_lock;
	_Atomic int fd_budget;
	_Atomic bool stop;
	_Atomic int failures;
	uint8_t *ro;		/* one read-only page of random bytes, then the hole */
	uint8_t *hole;		/* inaccessible */
	struct kvm_cpuid2 *cpuid;
	struct worker workers[NR_THREADS];
	pthread_mutex_t print_lock;
} g;

static void gen_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void gen_report(const char *fmt, ...)
{
	va_list ap;

	if (atomic_fetch_add(&g.failures, 1) >= MAX_REPORTS)
		return;
	pthread_mutex_lock(&g.print_lock);
	fputs("# FUZZ FAILURE: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	pthread_mutex_unlock(&g.print_lock);
}

/* Map rw bytes with prot, followed by HOLE_SIZE of reserved, inaccessible space. */
static uint8_t *reserve(size_t rw, int prot)
{
	uint8_t *p = mmap(NULL, rw + HOLE_SIZE, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (rw && mprotect(p, rw, PROT_READ | PROT_WRITE)) {
		munmap(p, rw + HOLE_SIZE);
		return NULL;
	}
	if (rw && prot != (PROT_READ | PROT_WRITE)) {
		memset(p, 0xa5, rw);
		mprotect(p, rw, prot);
	}
	return p;
}

/* Errnos an ioctl may hand its caller; anything else is a leak of some kind. */
static bool errno_sane(int e)
{
	switch (e) {
	case EPERM: case ENOENT: case EINTR: case EIO: case ENXIO: case E2BIG: case EBADF:
	case EAGAIN: case ENOMEM: case EACCES: case EFAULT: case EBUSY: case EEXIST:
	case ENODEV: case EINVAL: case ENFILE: case EMFILE: case ENOTTY: case ENOSPC:
	case ERANGE: case EOPNOTSUPP:
		return true;
	default:
		return false;
	}
}

static long fuzz_ioctl(struct worker *w, int fd, unsigned long nr, unsigned long arg,
		       const char *name)
{
	long r;
	int e;

	if (w)
		w->doing = name;
	errno = 0;
	r = ioctl(fd, nr, arg);
	e = errno;
	if (w)
		w->doing = NULL;
	atomic_fetch_add(&stats->ioctls, 1);
	/*
	 * ioctl() returns an int: the value-returning ioctls without an argument
	 * struct (KVM_GET_TSC_KHZ, KVM_GET_NR_MMU_PAGES, ...) may come out negative.
	 */
	if (r < -1 && _IOC_SIZE(nr))
		gen_report("%s (nr 0x%lx) on fd %d returned %ld", name, nr, fd, r);
	if (r == -1) {
		atomic_fetch_add(&stats->errnos[e <= MAX_ERRNO ? e : 0], 1);
		if (!errno_sane(e))
			gen_report("%s (nr 0x%lx) on fd %d failed with errno %d (%s)", name, nr,
				   fd, e, strerror(e));
	}
	/* (a non-zero argument gets EINVAL) */
	if (nr == KVM_GET_API_VERSION && !arg && fd == g.kvm && !atomic_load(&g.kvm_closed) &&
	    r != 12 && !(r == -1 && e == EBADF))
		gen_report("KVM_GET_API_VERSION returned %ld (errno %d)", r, e);
	errno = e;
	return r;
}

#define FUZZ_IOCTL(w, fd, nr, arg)	fuzz_ioctl(w, fd, nr, (unsigned long)(arg), #nr)

static void pool_add(int fd, int kind, _Atomic bool *closed)
{
	int n;

	pthread_mutex_lock(&g.pool_lock);
	n = atomic_load(&g.npool);
	if (n < POOL_MAX) {
		g.pool[n].fd = fd;
		g.pool[n].kind = kind;
		g.pool[n].closed = closed;
		atomic_store(&g.npool, n + 1);
	}
	pthread_mutex_unlock(&g.pool_lock);
}

/* A new fd a fuzzed ioctl returned: keep it for fuzzing while the budget lasts. */
static bool is_primary(int fd)
{
	int i, j;

	if (fd == g.kvm && !g.kvm_closed)
		return true;
	for (i = 0; i < NR_VMS; i++) {
		if (fd == g.vms[i].fd && !g.vms[i].closed)
			return true;
		for (j = 0; j < NR_VCPUS; j++)
			if (fd == g.vms[i].vcpus[j].fd && !g.vms[i].vcpus[j].closed)
				return true;
	}
	return false;
}

/*
 * A new fd a fuzzed ioctl returned: keep it for fuzzing while the budget
 * lasts.  It cannot be one of the primary fds, which stay open until marked.
 */
static void adopt_fd(int fd, int kind, const char *from)
{
	if (is_primary(fd)) {
		gen_report("%s returned fd %d, which was already open", from, fd);
		return;
	}
	if (fd <= 2)
		return;
	if (atomic_fetch_sub(&g.fd_budget, 1) > 0 && atomic_load(&g.npool) < POOL_MAX)
		pool_add(fd, kind, NULL);
	else
		close(fd);
}

static struct pool_ent *pick_ent(struct rng *r)
{
	return &g.pool[below(r, atomic_load(&g.npool))];
}

static int pick_fd(struct rng *r)
{
	if (one_in(r, 50))
		return (int)some_value(r);
	return atomic_load(&pick_ent(r)->fd);
}

static int pick_vm_fd(struct rng *r)
{
	int i;

	if (one_in(r, 8))
		return pick_fd(r);
	i = below(r, NR_VMS);
	return g.vms[i].fd;
}

static struct gvcpu *pick_vcpu(struct rng *r)
{
	return &g.vms[below(r, NR_VMS)].vcpus[below(r, NR_VCPUS)];
}

static void close_ent(struct pool_ent *e)
{
	if (e->closed)
		atomic_store(e->closed, true);
	close(atomic_load(&e->fd));
}

/* ---- argument construction ---- */

/* A host address for a memory slot: guest memory, read-only, unmapped, or junk. */
static uint64_t slot_hva(struct rng *r)
{
	switch (below(r, 20)) {
	case 0:
		return (uint64_t)(uintptr_t)g.ro;
	case 1:
		return (uint64_t)(uintptr_t)g.hole + below(r, 256) * 4096;
	case 2:
		return 0xffffffff80000000ull + below(r, 256) * 4096;
	case 3:
		return (uint64_t)(uintptr_t)g.vms[below(r, NR_VMS)].mem + below(r, 4096);
	default:
		return (uint64_t)(uintptr_t)g.vms[below(r, NR_VMS)].mem +
		       below(r, GUEST_AREA / 4096) * 4096;
	}
}

/*
 * The test VM's QEMU 7.2 loses the host's CR0 on a #VMEXIT from a guest with
 * EFER.LME set, CR0.PG clear and CR4.PAE clear (it restores CR0 before EFER
 * and CR4 and, seeing "long mode without PAE", leaves CR0 as the guest's):
 * the test VM's own kernel then runs with paging off and the VM hangs, on
 * Debian's KVM as on ours.  That guest state is legal, so keep the fuzzed
 * state away from it: EFER written through KVM_SET_MSRS loses LME, and
 * KVM_SET_SREGS(2) keeps LME only together with paging and PAE.
 */
static void avoid_qemu_efer_hang(unsigned long nr, uint8_t *b)
{
	if (nr == KVM_SET_MSRS) {
		struct kvm_msrs *m = (void *)b;
		uint32_t i;

		for (i = 0; i < m->nmsrs && i < (SCRATCH_SIZE - sizeof(*m)) / sizeof(m->entries[0]);
		     i++)
			if (m->entries[i].index == MSR_EFER)
				m->entries[i].data &= ~EFER_LME;
	} else if (nr == KVM_SET_SREGS || nr == KVM_SET_SREGS2) {
		/* kvm_sregs2 has the same layout up to apic_base */
		struct kvm_sregs *s = (void *)b;

		if (!((s->cr0 & X86_CR0_PG) && (s->cr4 & X86_CR4_PAE)))
			s->efer &= ~EFER_LME;
	}
}

/* Keep what the kernel does with an argument inside what this program owns. */
static void sanitize(struct worker *w, unsigned long nr, uint8_t *b)
{
	struct rng *r = &w->r;

	avoid_qemu_efer_hang(nr, b);
	switch (nr) {
	case KVM_SET_SIGNAL_MASK: {
		/* the kick signal must stay deliverable in KVM_RUN */
		struct kvm_signal_mask *m = (void *)b;

		m->sigset[(SIGUSR1 - 1) / 8] &= ~(1u << ((SIGUSR1 - 1) % 8));
		break;
	}
	case KVM_SET_USER_MEMORY_REGION:
		((struct kvm_userspace_memory_region *)b)->userspace_addr = slot_hva(r);
		break;
	case KVM_GET_DIRTY_LOG:
	case KVM_CLEAR_DIRTY_LOG:
		/* dirty_bitmap sits at offset 8 in both */
		if (!one_in(r, 8)) {
			uint64_t p = (uint64_t)(uintptr_t)w->side;

			memcpy(b + 8, &p, 8);
		}
		break;
	case KVM_GET_ONE_REG:
	case KVM_SET_ONE_REG:
		((struct kvm_one_reg *)b)->addr = (uint64_t)(uintptr_t)w->side;
		break;
	case KVM_ENABLE_CAP:
		if (one_in(r, 2))
			((struct kvm_enable_cap *)b)->cap = below(r, 240);
		break;
	case KVM_IRQFD:
		if (one_in(r, 2))
			((struct kvm_irqfd *)b)->fd = pick_fd(r);
		if (one_in(r, 2))
			((struct kvm_irqfd *)b)->resamplefd = pick_fd(r);
		break;
	case KVM_IOEVENTFD:
		if (one_in(r, 2))
			((struct kvm_ioeventfd *)b)->fd = pick_fd(r);
		break;
	default:
		break;
	}
}

static void fill_args(struct worker *w, uint8_t *b, unsigned long nr)
{
	struct rng *r = &w->r;
	size_t size = _IOC_SIZE(nr), n = size + 4096, i;
	uint32_t v;

	if (n > SCRATCH_SIZE)
		n = SCRATCH_SIZE;
	switch (below(r, 5)) {
	case 0:
		memset(b, 0, n);
		break;
	case 1:
		memset(b, 0xff, n);
		break;
	case 2:
		for (i = 0; i < n; i++)
			b[i] = below(r, 4);
		break;
	default:
		fill_rnd(r, b, n);
		break;
	}
	/* Counts (nent, nmsrs, nr, len, ...) lead most variable-sized arguments. */
	if (one_in(r, 2)) {
		v = some_value(r);
		memcpy(b, &v, 4);
	}
	if (size >= 8 && one_in(r, 4)) {
		v = some_value(r);
		memcpy(b + 4 * below(r, size / 4), &v, 4);
	}
	sanitize(w, nr, b);
}

/*
 * The argument of a fuzzed ioctl: a plain value, or a pointer that is NULL, in
 * the kernel half, non-canonical, unmapped, read-only, straddling the end of
 * the scratch buffer, or (most often) the scratch buffer with fuzzed contents.
 */
static unsigned long make_arg(struct worker *w, unsigned long nr, uint8_t **bufp)
{
	struct rng *r = &w->r;
	size_t size = _IOC_SIZE(nr);
	uint8_t *b;

	*bufp = NULL;
	if (_IOC_DIR(nr) == _IOC_NONE && !one_in(r, 5))
		return some_value(r);
	switch (below(r, 20)) {
	case 0:
		return 0;
	case 1:
		return 0xffffffff81000000ul + below(r, 1ul << 24);
	case 2:
		return 0x0000800000000000ul + below(r, 1ul << 20);
	case 3:
		return (unsigned long)g.hole + below(r, 4096);
	case 4:
		b = w->scratch + SCRATCH_SIZE - below(r, (size ? size : 64) + 1);
		fill_rnd(r, b, w->scratch + SCRATCH_SIZE - b);
		return (unsigned long)b;
	case 5:
		return (unsigned long)g.ro + below(r, 64);
	default:
		break;
	}
	b = w->scratch;
	fill_args(w, b, nr);
	*bufp = b;
	return (unsigned long)b;
}

/* ---- KVM_RUN ---- */

static void check_run(struct gvcpu *v, const char *what)
{
	struct kvm_run *run = v->run;
	uint32_t reason = run->exit_reason;

	atomic_fetch_add(&stats->exits[reason < 64 ? reason : 63], 1);
	if (reason > KVM_EXIT_NOTIFY) {
		gen_report("%s: exit reason %u is not defined", what, reason);
		return;
	}
	if (reason == KVM_EXIT_IO) {
		uint64_t end = run->io.data_offset + (uint64_t)run->io.size * run->io.count;

		if ((run->io.size != 1 && run->io.size != 2 && run->io.size != 4) ||
		    run->io.data_offset < sizeof(*run) || end > g.run_size)
			gen_report("%s: I/O exit size %u count %u data_offset 0x%llx outside the "
				   "%zu-byte run mapping", what, run->io.size, run->io.count,
				   (unsigned long long)run->io.data_offset, g.run_size);
	}
	if (reason == KVM_EXIT_MMIO && run->mmio.len > 8)
		gen_report("%s: MMIO exit of %u bytes", what, run->mmio.len);
}

/* Answer a read exit with random bytes (once checked to lie inside the mapping). */
static void answer_exit(struct rng *r, struct gvcpu *v)
{
	struct kvm_run *run = v->run;
	uint64_t end;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		end = run->io.data_offset + (uint64_t)run->io.size * run->io.count;
		if (run->io.direction == KVM_EXIT_IO_IN && run->io.data_offset >= sizeof(*run) &&
		    end <= g.run_size)
			fill_rnd(r, (uint8_t *)run + run->io.data_offset, end - run->io.data_offset);
		break;
	case KVM_EXIT_MMIO:
		if (!run->mmio.is_write)
			fill_rnd(r, run->mmio.data, sizeof(run->mmio.data));
		break;
	default:
		break;
	}
}

static void run_vcpu(struct worker *w, struct gvcpu *v, int times)
{
	struct rng *r = &w->r;
	long ret;

	while (times-- > 0 && !atomic_load(&g.stop)) {
		if (one_in(r, 16))
			v->run->immediate_exit = 1;
		if (one_in(r, 8))
			v->run->request_interrupt_window = below(r, 2);
		ret = FUZZ_IOCTL(w, v->fd, KVM_RUN, 0);
		v->run->immediate_exit = 0;
		atomic_fetch_add(&stats->runs, 1);
		if (ret == 0) {
			check_run(v, "KVM_RUN");
			answer_exit(r, v);
		}
	}
}

/* ---- structured operations ---- */

static void op_random_ioctl(struct worker *w)
{
	const struct ioc *c = &iocs[below(&w->r, NR_IOCS)];
	struct pool_ent *e = pick_ent(&w->r);
	int fd = atomic_load(&e->fd);
	unsigned long arg;
	uint8_t *b;
	long ret;

	arg = make_arg(w, c->nr, &b);
	ret = fuzz_ioctl(w, fd, c->nr, arg, c->name);
	if (ret < 0)
		return;
	switch (c->nr) {
	case KVM_CREATE_VM:
		adopt_fd(ret, FD_VM, c->name);
		break;
	case KVM_CREATE_VCPU:
		adopt_fd(ret, FD_VCPU, c->name);
		break;
	case KVM_GET_STATS_FD:
		adopt_fd(ret, FD_OTHER, c->name);
		break;
	case KVM_CREATE_DEVICE:
		if (b && !(((struct kvm_create_device *)b)->flags & KVM_CREATE_DEVICE_TEST))
			adopt_fd(((struct kvm_create_device *)b)->fd, FD_OTHER, c->name);
		break;
	case KVM_RUN:
		atomic_fetch_add(&stats->runs, 1);
		break;
	default:
		break;
	}
}

static void op_memslot(struct worker *w)
{
	struct rng *r = &w->r;
	struct kvm_userspace_memory_region m = { 0 };
	struct kvm_dirty_log log = { 0 };
	int fd = pick_vm_fd(r);

	if (one_in(r, 4)) {
		log.slot = one_in(r, 8) ? some_value(r) : below(r, 8);
		log.dirty_bitmap = one_in(r, 16) ? NULL : w->side;
		FUZZ_IOCTL(w, fd, KVM_GET_DIRTY_LOG, &log);
		return;
	}
	m.slot = one_in(r, 10) ? (uint32_t)some_value(r) : below(r, 8);
	if (one_in(r, 10))
		m.slot |= 1u << 16;
	m.flags = one_in(r, 2) ? 0 : one_in(r, 10) ? (uint32_t)rnd(r) : below(r, 4);
	m.guest_phys_addr = one_in(r, 10) ? some_value(r) : below(r, 1ul << 20) * 4096;
	if (one_in(r, 20))
		m.guest_phys_addr |= below(r, 4096);
	switch (below(r, 10)) {
	case 0:
		m.memory_size = 0;
		break;
	case 1:
		m.memory_size = some_value(r);
		break;
	case 2:
		m.memory_size = (below(r, 16384) + 1) * 4096;
		break;
	default:
		m.memory_size = (below(r, 1024) + 1) * 4096;
		break;
	}
	m.userspace_addr = slot_hva(r);
	FUZZ_IOCTL(w, fd, KVM_SET_USER_MEMORY_REGION, &m);
}

static void op_irq(struct worker *w)
{
	struct rng *r = &w->r;
	uint8_t *b = w->scratch;
	int fd = pick_vm_fd(r);

	switch (below(r, 10)) {
	case 0:
		FUZZ_IOCTL(w, fd, KVM_CREATE_IRQCHIP, 0);
		break;
	case 1: {
		struct kvm_pit_config pc = { .flags = below(r, 4) };

		FUZZ_IOCTL(w, fd, KVM_CREATE_PIT2, &pc);
		break;
	}
	case 2: {
		struct kvm_irq_routing *rt = (void *)b;
		uint32_t i, n;

		n = one_in(r, 8) ? (uint32_t)some_value(r) : below(r, 24);
		rt->nr = n;
		rt->flags = one_in(r, 16) ? rnd(r) : 0;
		if (n > 64)
			n = 64;
		for (i = 0; i < n; i++) {
			struct kvm_irq_routing_entry *e = &rt->entries[i];

			fill_rnd(r, e, sizeof(*e));
			e->gsi = one_in(r, 8) ? (uint32_t)some_value(r) : below(r, 32);
			e->type = below(r, 7);
			e->flags = one_in(r, 4) ? below(r, 4) : 0;
			if (!one_in(r, 4))
				e->pad = 0;
			if (e->type == KVM_IRQ_ROUTING_IRQCHIP && !one_in(r, 4)) {
				e->u.irqchip.irqchip = below(r, 4);
				e->u.irqchip.pin = below(r, 32);
			}
			if (e->type == KVM_IRQ_ROUTING_MSI && !one_in(r, 4)) {
				e->u.msi.address_lo = 0xfee00000u | (below(r, 256) << 12);
				e->u.msi.address_hi = 0;
			}
		}
		FUZZ_IOCTL(w, fd, KVM_SET_GSI_ROUTING, rt);
		break;
	}
	case 3: {
		struct kvm_irqfd f = { 0 };

		f.fd = pick_fd(r);
		f.gsi = one_in(r, 8) ? (uint32_t)some_value(r) : below(r, 32);
		f.flags = one_in(r, 8) ? (uint32_t)rnd(r) : below(r, 4);
		f.resamplefd = pick_fd(r);
		FUZZ_IOCTL(w, fd, KVM_IRQFD, &f);
		break;
	}
	case 4: {
		struct kvm_irq_level l = { 0 };

		l.irq = one_in(r, 8) ? (uint32_t)some_value(r) : below(r, 32);
		l.level = one_in(r, 8) ? (uint32_t)rnd(r) : below(r, 2);
		if (one_in(r, 2))
			FUZZ_IOCTL(w, fd, KVM_IRQ_LINE, &l);
		else
			FUZZ_IOCTL(w, fd, KVM_IRQ_LINE_STATUS, &l);
		break;
	}
	case 5: {
		struct kvm_msi m = { 0 };

		m.address_lo = one_in(r, 4) ? (uint32_t)rnd(r) : 0xfee00000u | below(r, 1u << 20);
		m.address_hi = one_in(r, 4) ? (uint32_t)rnd(r) : 0;
		m.data = rnd(r);
		m.flags = one_in(r, 4) ? (uint32_t)rnd(r) : 0;
		FUZZ_IOCTL(w, fd, KVM_SIGNAL_MSI, &m);
		break;
	}
	case 6: {
		static const uint32_t lens[] = { 0, 1, 2, 3, 4, 8, 16 };
		struct kvm_ioeventfd io = { 0 };

		io.flags = one_in(r, 8) ? (uint32_t)rnd(r) : below(r, 8);
		io.addr = (io.flags & KVM_IOEVENTFD_FLAG_PIO) ? below(r, 0x10000) :
			  one_in(r, 2) ? below(r, 1ul << 32) : some_value(r);
		io.len = lens[below(r, sizeof(lens) / sizeof(lens[0]))];
		io.datamatch = some_value(r);
		io.fd = pick_fd(r);
		FUZZ_IOCTL(w, fd, KVM_IOEVENTFD, &io);
		break;
	}
	case 7: {
		struct kvm_coalesced_mmio_zone z = { 0 };

		z.addr = one_in(r, 2) ? below(r, 0x10000) : some_value(r);
		z.size = one_in(r, 2) ? below(r, 0x2000) : (uint32_t)some_value(r);
		z.pio = below(r, 3);
		if (one_in(r, 2))
			FUZZ_IOCTL(w, fd, KVM_REGISTER_COALESCED_MMIO, &z);
		else
			FUZZ_IOCTL(w, fd, KVM_UNREGISTER_COALESCED_MMIO, &z);
		break;
	}
	case 8: {
		struct kvm_interrupt irq = { .irq = one_in(r, 4) ? (uint32_t)rnd(r) : below(r, 256) };

		FUZZ_IOCTL(w, pick_vcpu(r)->fd, KVM_INTERRUPT, &irq);
		break;
	}
	default:
		FUZZ_IOCTL(w, pick_vcpu(r)->fd, one_in(r, 2) ? KVM_NMI : KVM_SMI, 0);
		break;
	}
}

/* A state setter and the getter whose output it takes. */
struct state_pair {
	unsigned long get, set;
	const char *set_name;
};

#define PAIR(g_, s_)	{ g_, s_, #s_ }

static const struct state_pair pairs[] = {
	PAIR(KVM_GET_REGS, KVM_SET_REGS),
	PAIR(KVM_GET_SREGS, KVM_SET_SREGS),
	PAIR(KVM_GET_SREGS2, KVM_SET_SREGS2),
	PAIR(KVM_GET_FPU, KVM_SET_FPU),
	PAIR(KVM_GET_XSAVE, KVM_SET_XSAVE),
	PAIR(KVM_GET_XCRS, KVM_SET_XCRS),
	PAIR(KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS),
	PAIR(KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS),
	PAIR(KVM_GET_MP_STATE, KVM_SET_MP_STATE),
	PAIR(KVM_GET_LAPIC, KVM_SET_LAPIC),
	PAIR(KVM_GET_NESTED_STATE, KVM_SET_NESTED_STATE),
	PAIR(0, KVM_SET_GUEST_DEBUG),
	PAIR(0, KVM_X86_SET_MCE),
	PAIR(0, KVM_SET_MSRS),
	PAIR(0, KVM_SET_CPUID2),
};

static const uint32_t msr_list[] = {
	0x10, 0x1b, 0x3a, 0x48, 0x8b, 0xfe, 0x174, 0x175, 0x176, 0x179, 0x17a, 0x17b, 0x1a0,
	0x1d9, 0x200, 0x201, 0x250, 0x277, 0x2ff, 0x400, 0x401, 0x402, 0x403, 0x6e0, 0x800,
	0x802, 0x808, 0x80b, 0x830, 0x832, 0x838, 0x83f, 0x4b564d00, 0x4b564d01, 0x4b564d02,
	0x4b564d03, 0x4b564d04, 0x4b564d05, 0x4b564d06, 0x4b564d07, 0x11, 0x12, 0xc0000080,
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000100, 0xc0000101, 0xc0000102,
	0xc0000103, 0xc0010114, 0xc0010115, 0xc0010117, 0xc0010140, 0xc0010141,
};

static void mutate(struct rng *r, uint8_t *b, size_t size)
{
	int n = 1 + below(r, 8);

	while (n--) {
		size_t at = below(r, size);

		if (one_in(r, 2))
			b[at] ^= 1u << below(r, 8);
		else
			b[at] = rnd(r);
	}
}

static void op_state_run(struct worker *w)
{
	struct rng *r = &w->r;
	const struct state_pair *p = &pairs[below(r, sizeof(pairs) / sizeof(pairs[0]))];
	struct gvcpu *v = pick_vcpu(r);
	uint8_t *b = w->scratch;
	size_t size = _IOC_SIZE(p->set);

	if (p->set == KVM_SET_MSRS) {
		struct kvm_msrs *m = (void *)b;
		uint32_t i;

		m->nmsrs = one_in(r, 16) ? (uint32_t)some_value(r) : below(r, 8);
		m->pad = 0;
		for (i = 0; i < m->nmsrs && i < 64; i++) {
			m->entries[i].index = one_in(r, 8) ? (uint32_t)rnd(r) :
					      msr_list[below(r, sizeof(msr_list) / 4)];
			m->entries[i].reserved = 0;
			m->entries[i].data = some_value(r);
		}
	} else if (p->set == KVM_SET_CPUID2) {
		size = sizeof(*g.cpuid) + g.cpuid->nent * sizeof(g.cpuid->entries[0]);
		memcpy(b, g.cpuid, size);
		if (one_in(r, 2))
			mutate(r, b + 8, size - 8);
		if (one_in(r, 8))
			((struct kvm_cpuid2 *)b)->nent = below(r, g.cpuid->nent + 2);
	} else if (p->get && one_in(r, 4) == 0 &&
		   FUZZ_IOCTL(w, v->fd, p->get, b) == 0) {
		if (p->get == KVM_GET_NESTED_STATE)
			size = ((struct kvm_nested_state *)b)->size < SCRATCH_SIZE ?
			       ((struct kvm_nested_state *)b)->size : SCRATCH_SIZE;
		mutate(r, b, size ? size : 1);
	} else {
		fill_args(w, b, p->set);
		if (p->get == KVM_GET_NESTED_STATE && one_in(r, 2))
			((struct kvm_nested_state *)b)->size = below(r, 0x3000);
	}
	avoid_qemu_efer_hang(p->set, b);
	fuzz_ioctl(w, v->fd, p->set, (unsigned long)b, p->set_name);
	run_vcpu(w, v, 1 + below(r, 4));
}

static void op_create(struct worker *w)
{
	struct rng *r = &w->r;
	long ret;

	switch (below(r, 7)) {
	case 0:
		ret = FUZZ_IOCTL(w, pick_vm_fd(r), KVM_CREATE_VCPU,
				 one_in(r, 4) ? some_value(r) : below(r, 8));
		if (ret >= 0)
			adopt_fd(ret, FD_VCPU, "KVM_CREATE_VCPU");
		break;
	case 1:
		ret = FUZZ_IOCTL(w, pick_fd(r), KVM_GET_STATS_FD, 0);
		if (ret >= 0)
			adopt_fd(ret, FD_OTHER, "KVM_GET_STATS_FD");
		break;
	case 2: {
		struct kvm_create_device cd = { .type = below(r, 16), .flags = below(r, 2) };

		if (FUZZ_IOCTL(w, pick_vm_fd(r), KVM_CREATE_DEVICE, &cd) == 0 &&
		    !(cd.flags & KVM_CREATE_DEVICE_TEST))
			adopt_fd(cd.fd, FD_OTHER, "KVM_CREATE_DEVICE");
		break;
	}
	case 3:
		ret = dup(pick_fd(r));
		if (ret >= 0)
			adopt_fd(ret, FD_OTHER, "dup");
		break;
	case 4:
		ret = eventfd(0, EFD_CLOEXEC | (one_in(r, 2) ? EFD_NONBLOCK : 0));
		if (ret >= 0)
			adopt_fd(ret, FD_OTHER, "eventfd");
		break;
	case 5: {
		/* map (never touch) pages of any fd, then unmap */
		size_t len = (1 + below(r, 4)) * 4096;
		void *p = mmap(NULL, len, one_in(r, 4) ? PROT_READ : PROT_READ | PROT_WRITE,
			       one_in(r, 8) ? MAP_PRIVATE : MAP_SHARED, pick_fd(r),
			       below(r, 5) * 4096);

		if (p != MAP_FAILED)
			munmap(p, len);
		break;
	}
	default:
		ret = FUZZ_IOCTL(w, pick_fd(r), KVM_CREATE_VM, one_in(r, 2) ? 0 : some_value(r));
		if (ret >= 0)
			adopt_fd(ret, FD_VM, "KVM_CREATE_VM");
		break;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct rng *r = &w->r;
	unsigned int op;

	while (!atomic_load(&g.stop)) {
		op = below(r, 100);
		if (op < 45)
			op_random_ioctl(w);
		else if (op < 60)
			op_state_run(w);
		else if (op < 72)
			run_vcpu(w, pick_vcpu(r), 1 + below(r, 8));
		else if (op < 82)
			op_memslot(w);
		else if (op < 94)
			op_irq(w);
		else
			op_create(w);
	}
	atomic_store(&w->done, true);
	return NULL;
}

static void kick(int sig)
{
	(void)sig;
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000ull + t.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&t, NULL);
}

#define GEN_FAIL(...)								\
	do {									\
		gen_report(__VA_ARGS__);					\
		_exit(KSFT_FAIL);						\
	} while (0)

static void gen_setup(struct rng *r)
{
	const struct kvm_cpuid2 *sup;
	int i, j;

	pthread_mutex_init(&g.pool_lock, NULL);
	pthread_mutex_init(&g.print_lock, NULL);
	g.fd_budget = FD_BUDGET;
	g.kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (g.kvm < 0)
		GEN_FAIL("open /dev/kvm: %s", strerror(errno));
	pool_add(g.kvm, FD_KVM, &g.kvm_closed);
	g.run_size = ioctl(g.kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	g.ro = reserve(4096, PROT_READ);
	g.hole = reserve(0, PROT_NONE);
	if (!g.ro || !g.hole)
		GEN_FAIL("cannot reserve address space");

	/* KVM_GET_SUPPORTED_CPUID, as the library does it */
	sup = kt_supported_cpuid();
	g.cpuid = malloc(sizeof(*sup) + sup->nent * sizeof(sup->entries[0]));
	memcpy(g.cpuid, sup, sizeof(*sup) + sup->nent * sizeof(sup->entries[0]));

	for (i = 0; i < NR_VMS; i++) {
		struct gvm *vm = &g.vms[i];
		struct kvm_userspace_memory_region m = { 0 };

		vm->fd = ioctl(g.kvm, KVM_CREATE_VM, 0);
		if (vm->fd < 0)
			GEN_FAIL("KVM_CREATE_VM: %s", strerror(errno));
		if (one_in(r, 2) && ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0))
			GEN_FAIL("KVM_CREATE_IRQCHIP: %s", strerror(errno));
		if (one_in(r, 4)) {
			struct kvm_pit_config pc = { 0 };

			ioctl(vm->fd, KVM_CREATE_PIT2, &pc);
		}
		vm->mem = reserve(GUEST_AREA, PROT_READ | PROT_WRITE);
		if (!vm->mem)
			GEN_FAIL("cannot reserve guest memory");
		fill_rnd(r, vm->mem, GUEST_AREA);
		/* random bytes at gpa 0 and below 4 GiB, where the reset vector is */
		m.slot = 0;
		m.memory_size = LOW_SLOT;
		m.userspace_addr = (uintptr_t)vm->mem;
		if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &m))
			GEN_FAIL("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		m.slot = 1;
		m.guest_phys_addr = (1ull << 32) - LOW_SLOT;
		m.userspace_addr = (uintptr_t)vm->mem + LOW_SLOT;
		if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &m))
			GEN_FAIL("KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		pool_add(vm->fd, FD_VM, &vm->closed);
		for (j = 0; j < NR_VCPUS; j++) {
			struct gvcpu *v = &vm->vcpus[j];

			v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, j);
			if (v->fd < 0)
				GEN_FAIL("KVM_CREATE_VCPU: %s", strerror(errno));
			v->run = mmap(NULL, g.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
			if (v->run == MAP_FAILED)
				GEN_FAIL("mmap of kvm_run: %s", strerror(errno));
			if (one_in(r, 4) == 0 && ioctl(v->fd, KVM_SET_CPUID2, g.cpuid))
				GEN_FAIL("KVM_SET_CPUID2: %s", strerror(errno));
			pool_add(v->fd, FD_VCPU, &v->closed);
		}
	}
	for (i = 0; i < 2; i++)
		pool_add(eventfd(0, EFD_CLOEXEC), FD_OTHER, NULL);
}

/* What holds for the objects no one closed, whatever the fuzzing did to them. */
static void gen_probe(void)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_mp_state mp;
	struct kvm_vcpu_events ev;
	int i, j;
	long ret;

	if (!g.kvm_closed && (ret = ioctl(g.kvm, KVM_GET_API_VERSION, 0)) != 12)
		gen_report("KVM_GET_API_VERSION after fuzzing: %ld", ret);
	for (i = 0; i < NR_VMS; i++) {
		struct gvm *vm = &g.vms[i];

		if (!vm->closed && (ret = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY)) != 1)
			gen_report("KVM_CHECK_EXTENSION(KVM_CAP_USER_MEMORY) on a VM: %ld", ret);
		for (j = 0; j < NR_VCPUS; j++) {
			struct gvcpu *v = &vm->vcpus[j];

			if (v->closed)
				continue;
#define PROBE_OK(nr, p)								\
			if (ioctl(v->fd, nr, p))				\
				gen_report(#nr " on a fuzzed vCPU: %s", strerror(errno))
#define PROBE_FAULT(nr, p)							\
			if (ioctl(v->fd, nr, p) != -1 || errno != EFAULT)		\
				gen_report(#nr " with pointer %p: not EFAULT (%s)", (void *)(p), \
					   strerror(errno))
			PROBE_OK(KVM_GET_REGS, &regs);
			PROBE_OK(KVM_GET_SREGS, &sregs);
			PROBE_OK(KVM_GET_MP_STATE, &mp);
			PROBE_OK(KVM_GET_VCPU_EVENTS, &ev);
			PROBE_FAULT(KVM_GET_REGS, NULL);
			PROBE_FAULT(KVM_GET_REGS, g.hole);
			PROBE_FAULT(KVM_GET_SREGS, g.ro);
			PROBE_FAULT(KVM_GET_VCPU_EVENTS, (void *)0xffffffff81000000ul);
			PROBE_FAULT(KVM_SET_REGS, g.hole);
#undef PROBE_OK
#undef PROBE_FAULT
		}
	}
}

static void run_generation(uint64_t seed, int gen_ms)
{
	struct rng r = { seed };
	struct sigaction sa;
	uint64_t start, last;
	int i, n;
	bool quick_exit;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick;
	sigaction(SIGUSR1, &sa, NULL);
	gen_setup(&r);
	for (i = 0; i < NR_THREADS; i++) {
		struct worker *w = &g.workers[i];

		w->id = i;
		w->r.s = rnd(&r);
		w->scratch = reserve(SCRATCH_SIZE, PROT_READ | PROT_WRITE);
		w->side = reserve(SIDE_SIZE, PROT_READ | PROT_WRITE);
		if (!w->scratch || !w->side)
			GEN_FAIL("cannot reserve buffers");
		if (pthread_create(&w->th, NULL, worker_main, w))
			GEN_FAIL("pthread_create failed");
	}

	/* Kick the workers out of KVM_RUN; close and duplicate fds meanwhile. */
	quick_exit = one_in(&r, 3);
	start = now_ms();
	while (now_ms() - start < (uint64_t)gen_ms) {
		sleep_ms(3);
		for (i = 0; i < NR_THREADS; i++)
			pthread_kill(g.workers[i].th, SIGUSR1);
		if (one_in(&r, 12))
			close_ent(pick_ent(&r));
		if (one_in(&r, 12)) {
			int fd = dup(atomic_load(&pick_ent(&r)->fd));

			if (fd >= 0)
				adopt_fd(fd, FD_OTHER, "dup");
		}
	}
	if (quick_exit)
		_exit(g.failures ? KSFT_FAIL : KSFT_PASS);	/* vCPUs still running */

	atomic_store(&g.stop, true);
	last = now_ms();
	for (;;) {
		for (i = 0, n = 0; i < NR_THREADS; i++) {
			if (g.workers[i].done)
				n++;
			else
				pthread_kill(g.workers[i].th, SIGUSR1);
		}
		if (n == NR_THREADS)
			break;
		if (now_ms() - last > 10000) {
			for (i = 0; i < NR_THREADS; i++)
				if (!g.workers[i].done)
					gen_report("worker %d stuck in %s for 10 s", i,
						   g.workers[i].doing ? g.workers[i].doing : "?");
			_exit(KSFT_FAIL);
		}
		sleep_ms(2);
	}
	for (i = 0; i < NR_THREADS; i++)
		pthread_join(g.workers[i].th, NULL);
	gen_probe();

	/* Close everything in random order (twice-closed numbers just fail). */
	n = atomic_load(&g.npool);
	for (i = n - 1; i > 0; i--) {
		int j = below(&r, i + 1);
		struct pool_ent t = g.pool[i];

		g.pool[i] = g.pool[j];
		g.pool[j] = t;
	}
	for (i = 0; i < n; i++)
		close_ent(&g.pool[i]);
	_exit(g.failures ? KSFT_FAIL : KSFT_PASS);
}

/* ---- the test case ---- */

static uint64_t opt_seed;
static bool opt_seed_set;
static int opt_seconds = 20;

static const char *const errno_names[MAX_ERRNO + 1] = {
	[EPERM] = "EPERM", [ENOENT] = "ENOENT", [EINTR] = "EINTR", [EIO] = "EIO",
	[ENXIO] = "ENXIO", [E2BIG] = "E2BIG", [EBADF] = "EBADF", [EAGAIN] = "EAGAIN",
	[ENOMEM] = "ENOMEM", [EACCES] = "EACCES", [EFAULT] = "EFAULT", [EBUSY] = "EBUSY",
	[EEXIST] = "EEXIST", [ENODEV] = "ENODEV", [EINVAL] = "EINVAL", [ENFILE] = "ENFILE",
	[EMFILE] = "EMFILE", [ENOTTY] = "ENOTTY", [ENOSPC] = "ENOSPC", [ERANGE] = "ERANGE",
	[EOPNOTSUPP] = "EOPNOTSUPP",
};

/* A fresh VM runs a one-byte hlt guest: the host still works after a generation. */
static void health_check(void)
{
	static const uint8_t hlt = 0xf4;
	struct kt_raw_vm raw;

	KT_ASSERT(ioctl(kt_kvm_fd(), KVM_GET_API_VERSION, 0) == 12, "API version");
	kt_raw_create(&raw, KT_MODE_REAL, &hlt, 1);
	kt_vcpu_run_ok(raw.vcpu);
	KT_ASSERT_EXIT(raw.vcpu, KVM_EXIT_HLT);
	kt_raw_free(&raw);
}

static void print_stats(int gens)
{
	char line[512];
	int i, len;

	kt_diag("%d generations, %lu ioctls, %lu KVM_RUNs", gens, (unsigned long)stats->ioctls,
		(unsigned long)stats->runs);
	len = 0;
	line[0] = 0;
	for (i = 0; i < 64; i++)
		if (stats->exits[i] && len < 400)
			len += snprintf(line + len, sizeof(line) - len, " %s:%lu",
					kt_exit_name(i), (unsigned long)stats->exits[i]);
	kt_diag("exits:%s", line);
	len = 0;
	line[0] = 0;
	for (i = 0; i <= MAX_ERRNO; i++)
		if (stats->errnos[i] && len < 400)
			len += snprintf(line + len, sizeof(line) - len, " %s:%lu",
					errno_names[i] ? errno_names[i] : "other",
					(unsigned long)stats->errnos[i]);
	kt_diag("errnos:%s", line);
}

static void test_ioctl_fuzz(void)
{
	uint64_t seed = opt_seed_set ? opt_seed : default_seed();
	uint64_t start = now_ms(), limit = opt_seconds * 1000ull;
	int gen, status;

	kt_kvm_fd();
	kt_supported_cpuid();
	stats = mmap(NULL, sizeof(*stats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		     -1, 0);
	KT_ASSERT(stats != MAP_FAILED, "mmap");
	kt_diag("seed %lu, %d s (rerun: KVM_FUZZ_SEED=%lu KVM_FUZZ_SECONDS=%d)",
		(unsigned long)seed, opt_seconds, (unsigned long)seed, opt_seconds);
	for (gen = 0; gen == 0 || now_ms() - start < limit; gen++) {
		uint64_t gseed = seed * 0x100000001b3ull + gen, t0;
		pid_t pid, w;

		fflush(stdout);
		pid = fork();
		KT_ASSERT(pid >= 0, "fork");
		if (pid == 0)
			run_generation(gseed, GEN_MS);
		t0 = now_ms();
		while ((w = waitpid(pid, &status, WNOHANG)) == 0) {
			if (now_ms() - t0 > GEN_LIMIT_S * 1000ull) {
				kill(pid, SIGKILL);
				KT_CHECK(0, "generation %d (seed %lu) still running after %d s",
					 gen, (unsigned long)gseed, GEN_LIMIT_S);
				t0 = now_ms();
				while ((w = waitpid(pid, &status, WNOHANG)) == 0) {
					KT_ASSERT(now_ms() - t0 < 10000,
						  "generation %d stuck after SIGKILL", gen);
					sleep_ms(10);
				}
				break;
			}
			sleep_ms(5);
		}
		KT_ASSERT(w == pid, "waitpid");
		if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
			KT_CHECK(0, "generation %d (seed %lu) killed by signal %d (%s)", gen,
				 (unsigned long)gseed, WTERMSIG(status), strsignal(WTERMSIG(status)));
		else if (WIFEXITED(status) && WEXITSTATUS(status) != KSFT_PASS)
			KT_CHECK(0, "generation %d (seed %lu) failed", gen, (unsigned long)gseed);
		health_check();
	}
	print_stats(gen);
}

/*
 * EFER.LMA belongs to the processor: a host write of EFER keeps the current
 * LMA (as in Linux; ours took it from KVM_SET_MSRS, so the fuzzer could give a
 * vCPU LMA with paging off), and KVM_SET_SREGS refuses LMA or a 64-bit CS
 * outside long mode.  The vCPU then still runs its real-mode hlt.
 */
static void test_efer_lma(void)
{
	static const uint8_t hlt = 0xf4;
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m;
	struct kvm_sregs s, bad;
	struct kt_raw_vm raw;

	kt_raw_create(&raw, KT_MODE_REAL, &hlt, 1);
	memset(&m, 0, sizeof(m));
	m.h.nmsrs = 1;
	m.e.index = MSR_EFER;
	/* (not LME: see avoid_qemu_efer_hang) */
	m.e.data = EFER_SCE | EFER_LMA;
	KT_ASSERT(ioctl(raw.vcpu->fd, KVM_SET_MSRS, &m) == 1, "KVM_SET_MSRS of EFER");
	m.e.data = 0;
	KT_ASSERT(ioctl(raw.vcpu->fd, KVM_GET_MSRS, &m) == 1, "KVM_GET_MSRS of EFER");
	KT_ASSERT(m.e.data == EFER_SCE, "EFER 0x%llx after the host wrote SCE|LMA with paging "
		  "off, want SCE alone", (unsigned long long)m.e.data);

	kt_get_sregs(raw.vcpu, &s);
	bad = s;
	bad.efer |= EFER_LMA;
	KT_ASSERT_ERRNO(ioctl(raw.vcpu->fd, KVM_SET_SREGS, &bad), EINVAL);
	bad = s;
	bad.cs.l = 1;
	KT_ASSERT_ERRNO(ioctl(raw.vcpu->fd, KVM_SET_SREGS, &bad), EINVAL);

	kt_vcpu_run_ok(raw.vcpu);
	KT_ASSERT_EXIT(raw.vcpu, KVM_EXIT_HLT);
	kt_raw_free(&raw);
}

static const struct ktest_case cases[] = {
	{ "ioctl_fuzz", test_ioctl_fuzz },
	{ "efer_lma", test_efer_lma },
};

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : getenv("KVM_FUZZ_SEED");

	if (s && !strcmp(s, "random")) {
		opt_seed_random = true;
	} else if (s && *s) {
		opt_seed = strtoull(s, NULL, 0);
		opt_seed_set = true;
	}
	s = getenv("KVM_FUZZ_SECONDS");
	if (s && atoi(s) > 0)
		opt_seconds = atoi(s);
	return ktest_main(cases, KTEST_NCASES(cases));
}
