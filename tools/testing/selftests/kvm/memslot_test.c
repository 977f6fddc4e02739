// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory slots: guest access through a slot, the argument errors Linux gives
 * (alignment, overlap, flags, slot numbers, changing a slot in place), the
 * slot count from KVM_CAP_NR_MEMSLOTS, KVM_MEM_READONLY (guest writes become
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

static void test_max_slots(void)
{
	struct kt_vm *vm = kt_vm_create_bare();
	int nslots = kt_check_cap(KVM_CAP_NR_MEMSLOTS), i;
	uint8_t *mem = map_pages(1);

	KT_ASSERT(nslots >= 32, "KVM_CAP_NR_MEMSLOTS %d", nslots);
	kt_diag("KVM_CAP_NR_MEMSLOTS = %d", nslots);
	/* Every slot id below the limit works, all at once, one page each. */
	for (i = 0; i < nslots; i++)
		KT_ASSERT(kt_vm_set_region(vm, i, 0, (uint64_t)i * 2 * KT_PAGE_SIZE, KT_PAGE_SIZE,
					   mem) == 0, "slot %d of %d", i, nslots);
	KT_ASSERT_ERRNO(kt_vm_set_region(vm, nslots, 0, (uint64_t)nslots * 2 * KT_PAGE_SIZE,
					 KT_PAGE_SIZE, mem), EINVAL);
	for (i = 0; i < nslots; i++)
		KT_ASSERT(kt_vm_set_region(vm, i, 0, 0, 0, NULL) == 0, "deleting slot %d", i);
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
	{ "argument_errors", test_argument_errors },
	{ "max_slots", test_max_slots },
	{ "readonly", test_readonly },
	{ "slots_change_while_running", test_slots_change_while_running },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
