// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dirty page logging: KVM_GET_DIRTY_LOG reports exactly the pages the guest
 * wrote since the last call (reads do not count), errors for slots without
 * logging, and with KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 the bits stay set until
 * KVM_CLEAR_DIRTY_LOG clears them (with its alignment rules), plus the
 * "initially all set" mode.
 */
#include <sys/ioctl.h>

#include "kvmt.h"
#include "x86.h"

#define LOG_GPA		0x10000000ull
#define LOG_SLOT	KT_SLOT_FREE
#define LOG_PAGES	128

/* The host fills these in the guest's copy before each round. */
static uint64_t write_pages[LOG_PAGES];
static uint64_t nr_write;
static uint64_t read_pages[LOG_PAGES];
static uint64_t nr_read;

static void guest_dirty(void)
{
	uint64_t round, i, sum = 0;

	for (round = 1;; round++) {
		for (i = 0; i < nr_write; i++)
			*(volatile uint64_t *)(LOG_GPA + write_pages[i] * KT_PAGE_SIZE + 8) = round;
		for (i = 0; i < nr_read; i++)
			sum += *(volatile uint64_t *)(LOG_GPA + read_pages[i] * KT_PAGE_SIZE);
		GUEST_SYNC(round, sum);
	}
}

struct dirty_vm {
	struct kt_vm *vm;
	struct kt_vcpu *vcpu;
	uint64_t *mem;
	uint64_t round;
};

static void dirty_vm_create(struct dirty_vm *d, uint64_t manual_flags)
{
	d->vm = kt_vm_create();
	if (manual_flags) {
		struct kvm_enable_cap cap = {
			.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
			.args = { manual_flags },
		};

		KT_ASSERT_OK(ioctl(d->vm->fd, KVM_ENABLE_CAP, &cap));
	}
	d->mem = kt_vm_add_slot(d->vm, LOG_SLOT, LOG_GPA, LOG_PAGES * KT_PAGE_SIZE,
				KVM_MEM_LOG_DIRTY_PAGES, 0);
	d->vcpu = kt_vcpu_add(d->vm, 0, guest_dirty, 0, 0);
	d->round = 0;
}

/* One guest round writing and reading the given pages. */
static void dirty_round(struct dirty_vm *d, const uint64_t *w, uint64_t nw, const uint64_t *r,
			uint64_t nr)
{
	memcpy(write_pages, w, nw * sizeof(*w));
	nr_write = nw;
	memcpy(read_pages, r, nr * sizeof(*r));
	nr_read = nr;
	kt_sync_to_guest(d->vm, write_pages);
	kt_sync_to_guest(d->vm, nr_write);
	kt_sync_to_guest(d->vm, read_pages);
	kt_sync_to_guest(d->vm, nr_read);
	KT_RUN_SYNC(d->vcpu, ++d->round);
}

static void get_log(struct dirty_vm *d, uint64_t bitmap[LOG_PAGES / 64])
{
	struct kvm_dirty_log log = { .slot = LOG_SLOT, .dirty_bitmap = bitmap };

	memset(bitmap, 0xa5, LOG_PAGES / 8);
	KT_ASSERT_OK(ioctl(d->vm->fd, KVM_GET_DIRTY_LOG, &log));
}

static void expect_bits(const uint64_t bitmap[LOG_PAGES / 64], const uint64_t *pages,
			uint64_t n, const char *what)
{
	uint64_t want[LOG_PAGES / 64] = { 0 }, i;

	for (i = 0; i < n; i++)
		want[pages[i] / 64] |= 1ull << (pages[i] % 64);
	for (i = 0; i < LOG_PAGES / 64; i++)
		KT_ASSERT(bitmap[i] == want[i], "%s: bitmap word %lu is 0x%016lx, want 0x%016lx",
			  what, i, bitmap[i], want[i]);
}

static void test_get_dirty_log(void)
{
	static const uint64_t w1[] = { 0, 3, 64, 127 }, r1[] = { 1, 2, 65 };
	static const uint64_t w2[] = { 5, 100 }, r2[] = { 0, 3, 64, 127 };
	uint64_t bitmap[LOG_PAGES / 64];
	struct dirty_vm d;

	dirty_vm_create(&d, 0);
	/* Nothing written yet. */
	get_log(&d, bitmap);
	expect_bits(bitmap, NULL, 0, "before the guest ran");

	dirty_round(&d, w1, 4, r1, 3);
	get_log(&d, bitmap);
	expect_bits(bitmap, w1, 4, "round 1");
	/* Fetching cleared the log. */
	get_log(&d, bitmap);
	expect_bits(bitmap, NULL, 0, "round 1, second fetch");

	/* Re-dirtying after the fetch is caught again; reading old pages is not. */
	dirty_round(&d, w2, 2, r2, 4);
	get_log(&d, bitmap);
	expect_bits(bitmap, w2, 2, "round 2");
	dirty_round(&d, w1, 4, NULL, 0);
	get_log(&d, bitmap);
	expect_bits(bitmap, w1, 4, "round 3");
	KT_ASSERT(d.mem[3 * 512 + 1] == 3, "guest data 0x%lx", d.mem[3 * 512 + 1]);
	kt_vm_free(d.vm);
}

static void test_dirty_log_errors(void)
{
	struct kt_vm *vm = kt_vm_create();
	uint64_t bitmap[8];
	struct kvm_dirty_log log = { .slot = KT_SLOT_IMAGE, .dirty_bitmap = bitmap };

	/* A slot without logging, a slot that does not exist, an id past the limit. */
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log), ENOENT);
	log.slot = 40;
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log), ENOENT);
	log.slot = 0xffff;
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log), EINVAL);
	/* KVM_CLEAR_DIRTY_LOG on a slot without logging: no bitmap, ENOENT. */
	{
		struct kvm_clear_dirty_log c = { .slot = KT_SLOT_IMAGE, .num_pages = 64,
						 .dirty_bitmap = bitmap };

		KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_CLEAR_DIRTY_LOG, &c), ENOENT);
	}
	kt_vm_free(vm);
}

static void clear_log(struct dirty_vm *d, uint64_t first, uint32_t num, uint64_t *bits)
{
	struct kvm_clear_dirty_log c = {
		.slot = LOG_SLOT, .first_page = first, .num_pages = num, .dirty_bitmap = bits,
	};

	KT_ASSERT_OK(ioctl(d->vm->fd, KVM_CLEAR_DIRTY_LOG, &c));
}

static void test_manual_protect(void)
{
	static const uint64_t w1[] = { 1, 2, 70, 71 }, w2[] = { 1, 80 };
	static const uint64_t after_clear[] = { 2, 71 }, both[] = { 1, 2, 71, 80 };
	uint64_t bitmap[LOG_PAGES / 64], bits;
	struct dirty_vm d;
	int caps = kt_check_cap(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2);

	if (!(caps & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE))
		KT_SKIP("KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 not supported");
	dirty_vm_create(&d, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE);
	/* KVM_ENABLE_CAP refuses nonzero flags and unknown capability bits. */
	{
		struct kvm_enable_cap cap = {
			.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
			.flags = 1,
			.args = { KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE },
		};

		KT_ASSERT_ERRNO(ioctl(d.vm->fd, KVM_ENABLE_CAP, &cap), EINVAL);
		cap.flags = 0;
		cap.args[0] = 1ull << 40;
		KT_ASSERT_ERRNO(ioctl(d.vm->fd, KVM_ENABLE_CAP, &cap), EINVAL);
	}
	dirty_round(&d, w1, 4, NULL, 0);
	get_log(&d, bitmap);
	expect_bits(bitmap, w1, 4, "manual round 1");
	/* GET does not clear in manual mode. */
	get_log(&d, bitmap);
	expect_bits(bitmap, w1, 4, "manual round 1, second fetch");

	/* Clear pages 1 and 70 only (bitmap bit i is page first_page + i). */
	bits = 1ull << 1;
	clear_log(&d, 0, 64, &bits);
	bits = 1ull << (70 - 64);
	clear_log(&d, 64, 64, &bits);
	get_log(&d, bitmap);
	expect_bits(bitmap, after_clear, 2, "after clearing 1 and 70");

	/* The cleared page 1 is write-protected again: writing it re-dirties it. */
	dirty_round(&d, w2, 2, NULL, 0);
	get_log(&d, bitmap);
	expect_bits(bitmap, both, 4, "manual round 2");

	/* Alignment rules: first_page a multiple of 64; num_pages too unless it ends the slot. */
	{
		struct kvm_clear_dirty_log c = { .slot = LOG_SLOT, .dirty_bitmap = &bits };

		c.first_page = 1;
		c.num_pages = 64;
		KT_ASSERT_ERRNO(ioctl(d.vm->fd, KVM_CLEAR_DIRTY_LOG, &c), EINVAL);
		c.first_page = 0;
		c.num_pages = 3;
		KT_ASSERT_ERRNO(ioctl(d.vm->fd, KVM_CLEAR_DIRTY_LOG, &c), EINVAL);
		c.first_page = 64;
		c.num_pages = 128;
		KT_ASSERT_ERRNO(ioctl(d.vm->fd, KVM_CLEAR_DIRTY_LOG, &c), EINVAL);
		/* Zero pages is a no-op. */
		c.first_page = 0;
		c.num_pages = 0;
		KT_ASSERT_OK(ioctl(d.vm->fd, KVM_CLEAR_DIRTY_LOG, &c));
	}
	get_log(&d, bitmap);
	expect_bits(bitmap, both, 4, "after refused clears");
	kt_vm_free(d.vm);
}

static void test_initially_set(void)
{
	uint64_t flags = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET;
	uint64_t bitmap[LOG_PAGES / 64], all[LOG_PAGES], i, ones[2] = { ~0ull, ~0ull };
	static const uint64_t w[] = { 9 };
	struct dirty_vm d;

	if ((uint64_t)kt_check_cap(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2) != flags)
		KT_SKIP("KVM_DIRTY_LOG_INITIALLY_SET not supported");
	for (i = 0; i < LOG_PAGES; i++)
		all[i] = i;
	dirty_vm_create(&d, flags);
	get_log(&d, bitmap);
	expect_bits(bitmap, all, LOG_PAGES, "initially set");
	clear_log(&d, 0, LOG_PAGES, ones);
	get_log(&d, bitmap);
	expect_bits(bitmap, NULL, 0, "after clearing everything");
	dirty_round(&d, w, 1, NULL, 0);
	get_log(&d, bitmap);
	expect_bits(bitmap, w, 1, "after one write");
	kt_vm_free(d.vm);
}

static const struct ktest_case cases[] = {
	{ "get_dirty_log", test_get_dirty_log },
	{ "dirty_log_errors", test_dirty_log_errors },
	{ "manual_protect_clear", test_manual_protect },
	{ "initially_set", test_initially_set },
};

int main(void)
{
	return ktest_main(cases, KTEST_NCASES(cases));
}
