// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stress: generations of several VMs, each with several vCPU threads running
 * a guest that keeps writing into memory slots, while the main thread
 * creates, moves and deletes those slots, turns dirty logging on and off and
 * fetches the log, drops the backing memory (MADV_DONTNEED), reads the stats
 * fds; then every fd of the generation (VM, vCPUs, stats, and dup()s of them)
 * is closed in random order while the vCPU threads are still running.
 *
 * Checks: every ioctl that should succeed does, KVM_RUN only ever ends in the
 * exits the guest asks for (its port I/O calls, MMIO where a slot is missing)
 * or in EBADF once its fd is closed, and nothing hangs.  Leaks are checked by
 * the test VM harness: after the modules unload, the kmalloc slabs and the free
 * memory must be back where they were before they loaded (testing.rst).
 *
 * Duration: KVM_STRESS_SECONDS in the environment (default 20 s, the make-check
 * run).  The test VM hands the kernel command-line words in TESTVM_APPEND to
 * its /init as environment, so
 *	TESTVM_APPEND="KVM_STRESS_SECONDS=70 KTEST_TIMEOUT=200" \
 *		scripts/testvm.sh --timeout 240 --tests stress_test
 * runs it for 70 s.  KVM_STRESS_SEED repeats a run's random choices.
 */
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kvmt.h"
#include "x86.h"

#define NR_VMS		3
#define NR_VCPUS	2
#define NR_SLOTS	5		/* test slots per VM; the last is 2 MiB, THP-backed */
#define SLOT_BASE	0x80000000ull
#define SLOT_STRIDE	(8ull << 20)	/* each slot has two places of its own */
#define PLACE_STRIDE	(4ull << 20)
#define SMALL_SIZE	(64ull << 10)
#define BIG_SIZE	(2ull << 20)
#define MAX_FDS		(NR_VMS * (2 * NR_VCPUS + 4))

static uint64_t slot_gpa(int k, int place)
{
	return SLOT_BASE + k * SLOT_STRIDE + place * PLACE_STRIDE;
}

/* Touch both places of every slot (memory or MMIO), then report. */
static void guest_stress(uint64_t id)
{
	uint64_t round, k, place;

	for (round = 0;; round++) {
		for (k = 0; k < NR_SLOTS; k++)
			for (place = 0; place < 2; place++) {
				volatile uint64_t *p = (volatile uint64_t *)slot_gpa(k, place);

				p[id] = p[id] + 1;
				p[512 + id] = round;	/* second page */
			}
		GUEST_SYNC(round);
	}
}

struct runner {
	struct kt_vcpu *vcpu;
	pthread_t thread;
	volatile int *stop;
	unsigned long exits;
	int error;			/* 0, or an errno / -exit reason */
};

struct slot_state {
	uint8_t *mem;			/* backing, 2 MiB aligned for the big slot */
	void *map;
	size_t map_size, size;
	int place;			/* -1: not in the VM */
	uint32_t flags;
};

struct vm_state {
	struct kt_vm *vm;
	struct runner run[NR_VCPUS];
	struct slot_state slot[NR_SLOTS];
	int stats_fd;
	volatile int stop;
};

static void *vcpu_thread(void *arg)
{
	struct runner *rn = arg;
	struct kt_vcpu *v = rn->vcpu;
	struct kt_ucall uc;

	while (!*rn->stop) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EBADF)
				rn->error = errno;
			break;
		}
		rn->exits++;
		switch (v->run->exit_reason) {
		case KVM_EXIT_MMIO:
			if (!v->run->mmio.is_write)
				memset(v->run->mmio.data, 0, sizeof(v->run->mmio.data));
			continue;
		case KVM_EXIT_IO:
			if (kt_get_ucall(v, &uc) == UCALL_SYNC)
				continue;
			/* fall through */
		default:
			kt_dump_exit(v);
			rn->error = -(int)v->run->exit_reason - 1;
			return NULL;
		}
	}
	return NULL;
}

static unsigned int seed;
static bool have_stats;

static unsigned int rnd(unsigned int n)
{
	return rand_r(&seed) % n;
}

static void set_slot(struct vm_state *s, int k, int place, uint32_t flags)
{
	struct slot_state *sl = &s->slot[k];

	KT_ASSERT_OK(kt_vm_set_region(s->vm, KT_SLOT_FREE + k, flags,
				      place < 0 ? 0 : slot_gpa(k, place),
				      place < 0 ? 0 : sl->size, sl->mem));
	sl->place = place;
	sl->flags = flags;
}

/* One random change to one slot of one VM. */
static void churn(struct vm_state *s, unsigned long *ops)
{
	int k = rnd(NR_SLOTS);
	struct slot_state *sl = &s->slot[k];
	uint64_t bitmap[BIG_SIZE / KT_PAGE_SIZE / 64];
	struct kvm_dirty_log log = { .slot = KT_SLOT_FREE + k, .dirty_bitmap = bitmap };
	uint8_t buf[256];

	ops[0]++;
	if (sl->place < 0) {
		set_slot(s, k, rnd(2), rnd(3) ? 0 : KVM_MEM_LOG_DIRTY_PAGES);
		return;
	}
	switch (rnd(6)) {
	case 0:
		set_slot(s, k, -1, 0);
		break;
	case 1:
		set_slot(s, k, !sl->place, sl->flags);
		break;
	case 2:
		set_slot(s, k, sl->place, sl->flags ^ KVM_MEM_LOG_DIRTY_PAGES);
		break;
	case 3:
		if (sl->flags & KVM_MEM_LOG_DIRTY_PAGES)
			KT_ASSERT_OK(ioctl(s->vm->fd, KVM_GET_DIRTY_LOG, &log));
		break;
	case 4:
		KT_ASSERT_OK(madvise(sl->mem, sl->size, MADV_DONTNEED));
		break;
	default:
		if (have_stats)
			KT_ASSERT(pread(s->stats_fd, buf, sizeof(buf), rnd(1024)) >= 0,
				  "stats pread");
		break;
	}
}

static void generation_start(struct vm_state *s)
{
	int i, k;

	memset(s, 0, sizeof(*s));
	s->vm = kt_vm_create();
	for (k = 0; k < NR_SLOTS; k++) {
		struct slot_state *sl = &s->slot[k];
		bool big = k == NR_SLOTS - 1;

		sl->size = big ? BIG_SIZE : SMALL_SIZE;
		sl->map_size = sl->size + (big ? BIG_SIZE : 0);
		sl->map = mmap(NULL, sl->map_size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		KT_ASSERT(sl->map != MAP_FAILED, "mmap");
		sl->mem = sl->map;
		if (big) {
			sl->mem = (uint8_t *)(((uintptr_t)sl->map + BIG_SIZE - 1) &
					      ~(BIG_SIZE - 1));
			madvise(sl->mem, sl->size, MADV_HUGEPAGE);
		}
		sl->place = -1;
		if (rnd(2))
			set_slot(s, k, rnd(2), 0);
	}
	s->stats_fd = have_stats ? ioctl(s->vm->fd, KVM_GET_STATS_FD, 0) : -1;
	for (i = 0; i < NR_VCPUS; i++) {
		struct runner *rn = &s->run[i];

		rn->vcpu = kt_vcpu_add(s->vm, i, guest_stress, i, 0);
		rn->stop = &s->stop;
		KT_ASSERT(pthread_create(&rn->thread, NULL, vcpu_thread, rn) == 0,
			  "pthread_create");
	}
}

struct fd_ref {
	int *where;		/* the library's field to clear, or NULL */
	int fd;
};

/* Every fd of the generation, plus dup()s and vCPU stats fds, closed in random order. */
static void generation_end(struct vm_state *states, int n, unsigned long *exits)
{
	struct fd_ref fds[MAX_FDS];
	int nfds = 0, i, j, k;

	for (i = 0; i < n; i++) {
		struct vm_state *s = &states[i];

		fds[nfds++] = (struct fd_ref){ &s->vm->fd, s->vm->fd };
		fds[nfds++] = (struct fd_ref){ NULL, dup(s->vm->fd) };
		if (have_stats)
			fds[nfds++] = (struct fd_ref){ NULL, s->stats_fd };
		for (j = 0; j < NR_VCPUS; j++) {
			struct kt_vcpu *v = s->run[j].vcpu;

			fds[nfds++] = (struct fd_ref){ &v->fd, v->fd };
			if (have_stats)
				fds[nfds++] = (struct fd_ref){ NULL,
							       ioctl(v->fd, KVM_GET_STATS_FD, 0) };
		}
		/* Half the time the vCPUs are told to stop first, else only the closes do. */
		if (rnd(2))
			s->stop = 1;
	}
	for (i = nfds - 1; i > 0; i--) {
		struct fd_ref t;

		j = rnd(i + 1);
		t = fds[i];
		fds[i] = fds[j];
		fds[j] = t;
	}
	for (i = 0; i < nfds; i++) {
		KT_ASSERT(fds[i].fd >= 0, "an fd of the generation could not be made");
		if (fds[i].where)
			*fds[i].where = -1;
		KT_ASSERT_OK(close(fds[i].fd));
	}
	for (i = 0; i < n; i++) {
		struct vm_state *s = &states[i];

		for (j = 0; j < NR_VCPUS; j++) {
			struct runner *rn = &s->run[j];

			pthread_join(rn->thread, NULL);
			KT_ASSERT(!rn->error, "VM %d vCPU %d ended with %d", i, j, rn->error);
			*exits += rn->exits;
		}
		for (k = 0; k < NR_SLOTS; k++)
			munmap(s->slot[k].map, s->slot[k].map_size);
		kt_vm_free(s->vm);	/* unmaps and frees; its fds are closed already */
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_stress(void)
{
	const char *env = getenv("KVM_STRESS_SECONDS");
	double seconds = env ? atof(env) : 20, t0 = now_s(), gen_end;
	unsigned long generations = 0, exits = 0, ops = 0;
	struct vm_state *states = calloc(NR_VMS, sizeof(*states));
	int i;

	KT_ASSERT(states && seconds > 0, "KVM_STRESS_SECONDS=%s", env ? env : "");
	env = getenv("KVM_STRESS_SEED");
	seed = env ? strtoul(env, NULL, 0) : (unsigned int)time(NULL);
	kt_diag("%.0f s, seed %u (KVM_STRESS_SEED), %d VMs x %d vCPUs per generation", seconds,
		seed, NR_VMS, NR_VCPUS);
	have_stats = kt_check_cap(KVM_CAP_BINARY_STATS_FD) > 0;
	if (!have_stats)
		kt_diag("no KVM_CAP_BINARY_STATS_FD: stats fds left out");

	while (now_s() - t0 < seconds) {
		for (i = 0; i < NR_VMS; i++)
			generation_start(&states[i]);
		/* Each generation lives 0.5 to 2 s, changing slots all the while. */
		gen_end = now_s() + 0.5 + rnd(1500) / 1000.0;
		while (now_s() < gen_end) {
			churn(&states[rnd(NR_VMS)], &ops);
			if (!rnd(8))
				usleep(1000);
		}
		generation_end(states, NR_VMS, &exits);
		generations++;
	}
	kt_diag("%lu generations, %lu VMs, %lu slot operations, %lu vCPU exits to userspace",
		generations, generations * NR_VMS, ops, exits);
	KT_ASSERT(generations >= 2 && exits > 0, "the run did too little");
	free(states);
}

static const struct ktest_case cases[] = {
	{ "stress", test_stress },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
