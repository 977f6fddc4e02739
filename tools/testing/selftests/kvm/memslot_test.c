// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory slots: guest access through a slot, the argument errors Linux gives
 * (alignment, overlap, flags, slot numbers, changing a slot in place), the
 * slot count from KVM_CAP_NR_MEMSLOTS (all of them at once, with overlap checks
 * and deletion in scrambled order), a guest reading through 2000 slots before
 * and after each moves and after the host drops some of their pages,
 * KVM_MEM_READONLY (guest writes become
 * KVM_EXIT_MMIO), and creating, moving and deleting slots while a vCPU runs.
 */
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kvmt.h"
#include "x86.h"

#define TEST_GPA	0x10000000ull
#define OTHER_GPA	0x20000000ull
#define SLOT_A		10
#define SLOT_B		11
#define SLOT_C		12

static void guest_rw(uint64_t gpa)
{
	volatile uint64_t *p = (volatile uint64_t *)gpa;

	GUEST_SYNC(p[0]);
	p[1] = p[0] + 1;
	p[512] = 0xabcdef;	/* second page */
	GUEST_DONE();
}

static void test_guest_access(void)
{
	struct kt_vm *vm = kt_vm_create();
	uint64_t *mem = kt_vm_add_slot(vm, KT_SLOT_FREE, TEST_GPA, 2 * PAGE_SIZE_2M, 0, KT_MEM_THP);
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_rw, TEST_GPA, 0);

	mem[0] = 41;
	KT_RUN_SYNC(v, 41);
	KT_RUN_DONE(v);
	KT_ASSERT(mem[1] == 42 && mem[512] == 0xabcdef, "host sees 0x%lx 0x%lx", mem[1],
		  mem[512]);
	KT_ASSERT(kt_gpa2hva(vm, TEST_GPA + 8) == &mem[1], "gpa2hva");
	kt_vm_free(vm);
}

static void *map_pages(size_t n)
{
	void *p = mmap(NULL, n * KT_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	KT_ASSERT(p != MAP_FAILED, "mmap");
	return p;
}

static void test_argument_errors(void)
{
	struct kt_vm *vm = kt_vm_create_bare();
	uint8_t *mem = map_pages(4);
	int nslots = kt_check_cap(KVM_CAP_NR_MEMSLOTS);
	const uint64_t P = KT_PAGE_SIZE;

	/* Misaligned gpa, size and host address. */
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, 0, 0, 0x100000 + 0x800, P, mem), EINVAL);
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, 0, 0, 0x100000, P + 1, mem), EINVAL);
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, 0, 0, 0x100000, P, mem + 8), EINVAL);
	/* Unknown flag bits. */
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, 0, 1u << 7, 0x100000, P, mem), EINVAL);
	/* Slot ids at and past the limit (low 16 bits; address space 0). */
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, nslots, 0, 0x100000, P, mem), EINVAL);
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, 0xffff, 0, 0x100000, P, mem), EINVAL);
	/* A gpa range that wraps around. */
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, 0, 0, 0xfffffffffffff000ull, 2 * P, mem), EINVAL);
	/* A host range outside user space. */
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, 0, 0, 0x100000, P, (void *)0xffff800000000000ull),
			EINVAL);
	/* Deleting a slot that was never created. */
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, 5, 0, 0, 0, NULL), EINVAL);

	KT_ASSERT_OK(kt_vm_set_region(vm, 0, 0, 0x100000, 2 * P, mem));
	/* Overlaps with slot 0: same range, partial at either end, containing it. */
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, 1, 0, 0x100000, 2 * P, mem), EEXIST);
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, 1, 0, 0x100000 - P, 2 * P, mem), EEXIST);
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, 1, 0, 0x100000 + P, 2 * P, mem), EEXIST);
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, 1, 0, 0x100000 - P, 4 * P, mem), EEXIST);
	/* Adjacent is fine, and the same host memory may back two slots. */
	KT_ASSERT_OK(kt_vm_set_region(vm, 1, 0, 0x100000 + 2 * P, 2 * P, mem));
	/* Moving slot 1 onto slot 0 overlaps. */
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, 1, 0, 0x100000 + P, 2 * P, mem), EEXIST);
	/* An existing slot cannot change size or its host address... */
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, 0, 0, 0x100000, P, mem), EINVAL);
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, 0, 0, 0x100000, 2 * P, mem + 2 * P), EINVAL);
	if (kt_check_cap(KVM_CAP_READONLY_MEM))
		/* ...nor become read-only. */
		KT_ASSERT_ERRNO(kt_vm_set_region(vm, 0, KVM_MEM_READONLY, 0x100000, 2 * P, mem),
				EINVAL);
	/* Re-setting it unchanged, toggling dirty logging and moving it are allowed. */
	KT_ASSERT_OK(kt_vm_set_region(vm, 0, 0, 0x100000, 2 * P, mem));
	KT_ASSERT_OK(kt_vm_set_region(vm, 0, KVM_MEM_LOG_DIRTY_PAGES, 0x100000, 2 * P, mem));
	KT_ASSERT_OK(kt_vm_set_region(vm, 0, 0, 0x100000, 2 * P, mem));
	KT_ASSERT_OK(kt_vm_set_region(vm, 0, 0, 0x400000, 2 * P, mem));
	/* Delete (size 0, other fields ignored) and delete again. */
	KT_ASSERT_OK(kt_vm_set_region(vm, 0, 0, 0x1234000, 0, NULL));
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, 0, 0, 0, 0, NULL), EINVAL);
	/* The range is free again for another slot. */
	KT_ASSERT_OK(kt_vm_set_region(vm, 2, 0, 0x400000, 2 * P, mem));
	kt_vm_free(vm);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Slot i of the many-slots cases sits at page SLOT_STRIDE * i (plus a shift). */
#define SLOT_STRIDE	2
/* A permutation of [0, n) for n not divisible by 7919 (a prime). */
#define SCRAMBLE(i, n)	((unsigned int)(((uint64_t)(i) * 7919) % (n)))

static void test_max_slots(void)
{
	struct kt_vm *vm = kt_vm_create_bare();
	int nslots = kt_check_cap(KVM_CAP_NR_MEMSLOTS), i;
	uint8_t *mem = map_pages(1);
	const uint64_t P = KT_PAGE_SIZE;
	double t0, t1, t2;

	KT_ASSERT(nslots >= 32, "KVM_CAP_NR_MEMSLOTS %d", nslots);
	KT_ASSERT(nslots % 7919, "slot count %d is a multiple of the scrambling prime", nslots);
	kt_diag("KVM_CAP_NR_MEMSLOTS = %d", nslots);
	/* Every slot id below the limit works, all at once, one page each. */
	t0 = now_ms();
	for (i = 0; i < nslots; i++)
		KT_ASSERT(kt_vm_set_region(vm, i, 0, (uint64_t)i * SLOT_STRIDE * P, P, mem) == 0,
			  "slot %d of %d", i, nslots);
	t1 = now_ms();
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, nslots, 0, (uint64_t)nslots * SLOT_STRIDE * P, P,
					 mem), EINVAL);
	/* With every slot in place, overlap checks still see each neighbour. */
	i = nslots / 2;
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, i, 0, (uint64_t)(i + 1) * SLOT_STRIDE * P, P, mem),
			EEXIST);
	KT_ASSERT_OK(kt_vm_set_region(vm, i, 0, ((uint64_t)i * SLOT_STRIDE + 1) * P, P, mem));
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, i + 1, 0, ((uint64_t)i * SLOT_STRIDE + 1) * P, P,
					 mem), EEXIST);
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, i - 1, 0, ((uint64_t)i * SLOT_STRIDE + 1) * P, P,
					 mem), EEXIST);
	KT_ASSERT_OK(kt_vm_set_region(vm, i, 0, (uint64_t)i * SLOT_STRIDE * P, P, mem));
	/* Delete them in scrambled order; each id is gone exactly once. */
	t2 = now_ms();
	for (i = 0; i < nslots; i++)
		KT_ASSERT(kt_vm_set_region(vm, SCRAMBLE(i, nslots), 0, 0, 0, NULL) == 0,
			  "deleting slot %u", SCRAMBLE(i, nslots));
	kt_diag("created %d slots in %.0f ms, deleted them in %.0f ms", nslots, t1 - t0,
		now_ms() - t2);
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, 0, 0, 0, 0, NULL), EINVAL);
	kt_vm_free(vm);
}

/* ---- a guest reading through many slots ---- */

#define MANY_SLOTS	2000
#define MANY_GPA	0x40000000ull

/* Sum the first word of page SLOT_STRIDE * i + shift for every slot i, shift 0, 1, 1. */
static void guest_sum_slots(uint64_t n)
{
	uint64_t pass, shift, i, sum;

	for (pass = 0; pass < 3; pass++) {
		shift = pass ? 1 : 0;
		sum = 0;
		for (i = 0; i < n; i++)
			sum += *(volatile uint64_t *)(MANY_GPA +
						     (SLOT_STRIDE * i + shift) * KT_PAGE_SIZE);
		GUEST_SYNC(sum);
	}
}

static void test_many_slots_guest(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_sum_slots, MANY_SLOTS, 0);
	uint64_t *mem = (uint64_t *)map_pages(MANY_SLOTS), want = 0;
	const uint64_t P = KT_PAGE_SIZE;
	unsigned int i, k;

	for (i = 0; i < MANY_SLOTS; i++) {
		mem[i * P / 8] = 3ull * i + 1;
		want += 3ull * i + 1;
		KT_ASSERT_OK(kt_vm_set_region(vm, KT_SLOT_FREE + i, 0,
					      MANY_GPA + SLOT_STRIDE * i * P, P,
					      (uint8_t *)mem + i * P));
	}
	KT_RUN_SYNC(v, want);
	/* Every slot moves one page up, in scrambled order; the guest follows. */
	for (i = 0; i < MANY_SLOTS; i++) {
		k = SCRAMBLE(i, MANY_SLOTS);
		KT_ASSERT_OK(kt_vm_set_region(vm, KT_SLOT_FREE + k, 0,
					      MANY_GPA + (SLOT_STRIDE * k + 1) * P, P,
					      (uint8_t *)mem + k * P));
	}
	KT_RUN_SYNC(v, want);
	/*
	 * The host drops a few slots' pages: the MMU notifier must find exactly
	 * those slots among the 2000 by host address, and the guest reads zeroes.
	 */
	for (i = 0; i < MANY_SLOTS; i += 333) {
		KT_ASSERT_OK(madvise((uint8_t *)mem + i * P, P, MADV_DONTNEED));
		want -= 3ull * i + 1;
	}
	KT_RUN_SYNC(v, want);
	KT_RUN_DONE(v);
	kt_vm_free(vm);
}

static void guest_readonly(uint64_t gpa)
{
	volatile uint64_t *p = (volatile uint64_t *)gpa;

	GUEST_SYNC(p[0]);
	p[0] = 0x1111222233334444ull;
	GUEST_SYNC(p[0]);
}

static void test_readonly(void)
{
	struct kt_vm *vm;
	struct kt_vcpu *v;
	uint64_t *mem, data = 0;

	if (!kt_check_cap(KVM_CAP_READONLY_MEM))
		KT_SKIP("KVM_CAP_READONLY_MEM not supported");
	vm = kt_vm_create();
	mem = kt_vm_add_slot(vm, KT_SLOT_FREE, TEST_GPA, 16 * KT_PAGE_SIZE, KVM_MEM_READONLY, 0);
	v = kt_vcpu_add(vm, 0, guest_readonly, TEST_GPA, 0);
	mem[0] = 0x77;
	KT_RUN_SYNC(v, 0x77);
	/* The write leaves as MMIO with its address, size and data. */
	kt_vcpu_run_ok(v);
	KT_ASSERT_EXIT(v, KVM_EXIT_MMIO);
	KT_ASSERT(v->run->mmio.is_write && v->run->mmio.phys_addr == TEST_GPA &&
		  v->run->mmio.len == 8, "mmio write %u gpa 0x%llx len %u", v->run->mmio.is_write,
		  (unsigned long long)v->run->mmio.phys_addr, v->run->mmio.len);
	memcpy(&data, v->run->mmio.data, 8);
	KT_ASSERT(data == 0x1111222233334444ull, "mmio data 0x%lx", data);
	/* The memory is unchanged and the guest reads it back. */
	KT_RUN_SYNC(v, 0x77);
	KT_ASSERT(mem[0] == 0x77, "read-only memory changed to 0x%lx", mem[0]);
	kt_vm_free(vm);
}

/* ---- MMIO, then memory at the same address, then MMIO again ---- */

static void guest_read_loop(uint64_t gpa)
{
	volatile uint64_t *p = (volatile uint64_t *)gpa;

	for (;;)
		GUEST_SYNC(p[0]);
}

/* The next exit is the guest's 8-byte read of TEST_GPA as MMIO: answer val. */
static void mmio_read_answer(struct kt_vcpu *v, uint64_t val)
{
	kt_vcpu_run_ok(v);
	KT_ASSERT_EXIT(v, KVM_EXIT_MMIO);
	KT_ASSERT(!v->run->mmio.is_write && v->run->mmio.phys_addr == TEST_GPA &&
		  v->run->mmio.len == 8, "mmio write %u gpa 0x%llx len %u", v->run->mmio.is_write,
		  (unsigned long long)v->run->mmio.phys_addr, v->run->mmio.len);
	memcpy(v->run->mmio.data, &val, 8);
}

/*
 * Repeated MMIO reads of one address (ours remembers the last gfn without a
 * slot), then a slot created there: the very next read is memory; deleted:
 * MMIO again at once.
 */
static void test_mmio_then_slot(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_read_loop, TEST_GPA, 0);
	uint64_t *mem;

	mmio_read_answer(v, 5);
	KT_RUN_SYNC(v, 5);
	mmio_read_answer(v, 6);
	KT_RUN_SYNC(v, 6);
	mem = kt_vm_add_slot(vm, SLOT_A, TEST_GPA, 16 * KT_PAGE_SIZE, 0, 0);
	mem[0] = 9;
	KT_RUN_SYNC(v, 9);
	KT_RUN_SYNC(v, 9);
	kt_vm_delete_slot(vm, SLOT_A);
	mmio_read_answer(v, 7);
	KT_RUN_SYNC(v, 7);
	kt_vm_free(vm);
}

/* ---- slots changing under a running vCPU ---- */

#define MMIO_SENTINEL	0xdeadull
#define STOP_VALUE	0xffull

static void guest_watch(uint64_t gpa)
{
	volatile uint64_t *p = (volatile uint64_t *)gpa;
	uint64_t last = ~0ull, v;

	for (;;) {
		v = *p;
		if (v == last)
			continue;
		last = v;
		GUEST_SYNC(v);
		if (v == STOP_VALUE)
			return;
	}
}

struct runner {
	struct kt_vcpu *vcpu;
	volatile uint64_t seen;
	volatile int done;
	volatile int error;
};

static void *vcpu_thread(void *arg)
{
	struct runner *rn = arg;
	struct kt_vcpu *v = rn->vcpu;
	struct kt_ucall uc;

	for (;;) {
		if (kt_vcpu_run(v)) {
			rn->error = errno;
			break;
		}
		if (v->run->exit_reason == KVM_EXIT_MMIO && !v->run->mmio.is_write) {
			uint64_t s = MMIO_SENTINEL;

			memcpy(v->run->mmio.data, &s, v->run->mmio.len);
			continue;
		}
		switch (kt_get_ucall(v, &uc)) {
		case UCALL_SYNC:
			__atomic_store_n(&rn->seen, uc.args[0], __ATOMIC_SEQ_CST);
			continue;
		case UCALL_DONE:
			rn->done = 1;
			return NULL;
		default:
			kt_dump_exit(v);
			rn->error = -1;
			return NULL;
		}
	}
	return NULL;
}

static void wait_seen(struct runner *rn, uint64_t want, const char *what)
{
	struct timespec ts = { 0, 1000000 };
	int i;

	for (i = 0; i < 30000; i++) {
		if (__atomic_load_n(&rn->seen, __ATOMIC_SEQ_CST) == want)
			return;
		KT_ASSERT(!rn->error, "vCPU thread failed (%d) while waiting for %s", rn->error,
			  what);
		nanosleep(&ts, NULL);
	}
	KT_ASSERT(0, "guest never saw %s (0x%lx), last 0x%lx", what, want, rn->seen);
}

static void test_slots_change_while_running(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct runner rn = { 0 };
	uint64_t *a, *c;
	pthread_t t;

	a = kt_vm_add_slot(vm, SLOT_A, TEST_GPA, PAGE_SIZE_2M, 0, 0);
	a[0] = 1;
	rn.vcpu = kt_vcpu_add(vm, 0, guest_watch, TEST_GPA, 0);
	rn.seen = ~0ull;
	KT_ASSERT(pthread_create(&t, NULL, vcpu_thread, &rn) == 0, "pthread_create");
	wait_seen(&rn, 1, "the first value");

	/* A new slot elsewhere does not disturb it; the host's writes show through. */
	kt_vm_add_slot(vm, SLOT_B, OTHER_GPA, PAGE_SIZE_2M, 0, 0);
	a[0] = 2;
	wait_seen(&rn, 2, "a host write");

	/* Moved away: the address has no memory and reads exit as MMIO. */
	kt_vm_move_slot(vm, SLOT_A, OTHER_GPA + PAGE_SIZE_2M);
	wait_seen(&rn, MMIO_SENTINEL, "MMIO after the move");

	/* A new slot at the old address, with other contents. */
	kt_vm_delete_slot(vm, SLOT_B);
	c = kt_vm_add_slot(vm, SLOT_C, TEST_GPA, PAGE_SIZE_2M, 0, 0);
	c[0] = 3;
	wait_seen(&rn, 3, "the new slot");

	/* Deleted: MMIO again.  Then the moved slot comes back with the stop value. */
	kt_vm_delete_slot(vm, SLOT_C);
	wait_seen(&rn, MMIO_SENTINEL, "MMIO after the delete");
	a[0] = STOP_VALUE;
	kt_vm_move_slot(vm, SLOT_A, TEST_GPA);
	pthread_join(t, NULL);
	KT_ASSERT(rn.done && !rn.error, "vCPU thread ended: done %d error %d", rn.done,
		  rn.error);
	kt_vm_free(vm);
}

static const struct ktest_case cases[] = {
	{ "guest_access", test_guest_access },
	{ "mmio_then_slot", test_mmio_then_slot },
	{ "argument_errors", test_argument_errors },
	{ "max_slots", test_max_slots },
	{ "many_slots_guest", test_many_slots_guest },
	{ "readonly", test_readonly },
	{ "slots_change_while_running", test_slots_change_while_running },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
