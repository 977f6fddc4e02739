// SPDX-License-Identifier: GPL-2.0-only
/*
 * Coalesced MMIO and PIO: guest writes inside a registered zone land in the
 * ring (vCPU mmap page KVM_COALESCED_MMIO_PAGE_OFFSET) in order, with address,
 * length, data and the pio flag, and do not exit; writes not wholly inside a
 * zone and all reads exit as usual; a full ring makes the next write exit;
 * unregister removes every zone containing the given range; pio other than
 * 0/1 is EINVAL.
 */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvmt.h"

#define MMIO_BASE	0xc0000000ull	/* identity-mapped, no slot behind it */
#define ZONE_ADDR	(MMIO_BASE + 0x1000)
#define ZONE_SIZE	0x100
#define PIO_ZONE	0x2000
#define PIO_ZONE_SIZE	8

static long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

static struct kvm_coalesced_mmio_ring *ring_of(struct kt_vcpu *v)
{
	KT_ASSERT(v->run_size >= (size_t)(KVM_COALESCED_MMIO_PAGE_OFFSET + 1) * page_size(),
		  "vCPU mapping of %zu bytes has no ring page", v->run_size);
	return (void *)((uint8_t *)v->run + KVM_COALESCED_MMIO_PAGE_OFFSET * page_size());
}

static uint32_t ring_max(void)
{
	return (page_size() - sizeof(struct kvm_coalesced_mmio_ring)) /
	       sizeof(struct kvm_coalesced_mmio);
}

static int zone_ioctl(struct kt_vm *vm, unsigned long ioctl_nr, uint64_t addr, uint32_t size,
		      uint32_t pio)
{
	struct kvm_coalesced_mmio_zone z = { .addr = addr, .size = size, .pio = pio };

	return ioctl(vm->fd, ioctl_nr, &z);
}

/* Take the next ring entry and check it. */
static void expect_entry(struct kvm_coalesced_mmio_ring *ring, uint64_t addr, uint32_t len,
			 uint64_t value, bool pio)
{
	uint32_t max = ring_max();
	struct kvm_coalesced_mmio *e;
	uint64_t got = 0;

	KT_ASSERT(ring->first != ring->last, "ring empty, expected a write to 0x%lx", addr);
	e = &ring->coalesced_mmio[ring->first];
	memcpy(&got, e->data, len);
	KT_ASSERT(e->phys_addr == addr && e->len == len && got == value && !!e->pio == pio,
		  "ring[%u]: addr 0x%llx len %u data 0x%lx pio %u; want 0x%lx %u 0x%lx %u",
		  ring->first, (unsigned long long)e->phys_addr, e->len, got, e->pio, addr, len,
		  value, pio);
	ring->first = (ring->first + 1) % max;
}

static void guest_writes(void)
{
	volatile uint8_t *z = (volatile uint8_t *)ZONE_ADDR;

	*(volatile uint8_t *)(z + 0x00) = 0x11;
	*(volatile uint16_t *)(z + 0x10) = 0x2222;
	*(volatile uint32_t *)(z + 0x20) = 0x33333333;
	*(volatile uint64_t *)(z + 0x30) = 0x4444444444444444ull;
	guest_outb(PIO_ZONE, 0x55);
	guest_outw(PIO_ZONE + 2, 0x6666);
	guest_outl(PIO_ZONE + 4, 0x77777777);
	*(volatile uint8_t *)(z + 0xff) = 0x88;
	GUEST_SYNC(1);
	/* Not wholly inside a zone, or a read: these exit. */
	*(volatile uint32_t *)(z + 0xfe) = 0x99999999;
	*(volatile uint8_t *)(z + 0x100) = 0xaa;
	guest_outl(PIO_ZONE + 6, 0xbbbbbbbb);
	(void)*(volatile uint32_t *)(z + 0x20);
	GUEST_SYNC(2);
}

static void test_caps_and_size(void)
{
	int sz = ioctl(kt_kvm_fd(), KVM_GET_VCPU_MMAP_SIZE, 0);

	KT_ASSERT(kt_check_cap(KVM_CAP_COALESCED_MMIO) == KVM_COALESCED_MMIO_PAGE_OFFSET,
		  "KVM_CAP_COALESCED_MMIO %d", kt_check_cap(KVM_CAP_COALESCED_MMIO));
	KT_ASSERT(kt_check_cap(KVM_CAP_COALESCED_PIO) > 0, "KVM_CAP_COALESCED_PIO");
	KT_ASSERT(sz >= (KVM_COALESCED_MMIO_PAGE_OFFSET + 1) * page_size(),
		  "KVM_GET_VCPU_MMAP_SIZE %d leaves out the ring page", sz);
}

static void test_ring(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_writes, 0, 0);
	struct kt_vcpu *v1 = kt_vcpu_add_bare(vm, 1);
	struct kvm_coalesced_mmio_ring *ring = ring_of(v);
	uint32_t got = 0;

	KT_ASSERT(ring->first == 0 && ring->last == 0, "fresh ring %u..%u", ring->first,
		  ring->last);
	KT_ASSERT_OK(zone_ioctl(vm, KVM_REGISTER_COALESCED_MMIO, ZONE_ADDR, ZONE_SIZE, 0));
	KT_ASSERT_OK(zone_ioctl(vm, KVM_REGISTER_COALESCED_MMIO, PIO_ZONE, PIO_ZONE_SIZE, 1));

	KT_RUN_SYNC(v, 1);
	KT_ASSERT(ring->last == 8, "ring last %u after 8 writes", ring->last);
	/* Every vCPU maps the VM's one ring. */
	KT_ASSERT(ring_of(v1)->last == 8 && !memcmp(ring_of(v1), ring, 64), "vCPU 1's ring");
	expect_entry(ring, ZONE_ADDR + 0x00, 1, 0x11, false);
	expect_entry(ring, ZONE_ADDR + 0x10, 2, 0x2222, false);
	expect_entry(ring, ZONE_ADDR + 0x20, 4, 0x33333333, false);
	expect_entry(ring, ZONE_ADDR + 0x30, 8, 0x4444444444444444ull, false);
	expect_entry(ring, PIO_ZONE, 1, 0x55, true);
	expect_entry(ring, PIO_ZONE + 2, 2, 0x6666, true);
	expect_entry(ring, PIO_ZONE + 4, 4, 0x77777777, true);
	expect_entry(ring, ZONE_ADDR + 0xff, 1, 0x88, false);

	kt_vcpu_run_ok(v);
	KT_ASSERT_EXIT(v, KVM_EXIT_MMIO);
	KT_ASSERT(v->run->mmio.phys_addr == ZONE_ADDR + 0xfe && v->run->mmio.is_write,
		  "straddling write: mmio at 0x%llx", (unsigned long long)v->run->mmio.phys_addr);
	kt_vcpu_run_ok(v);
	KT_ASSERT_EXIT(v, KVM_EXIT_MMIO);
	KT_ASSERT(v->run->mmio.phys_addr == ZONE_ADDR + 0x100, "write past the zone: 0x%llx",
		  (unsigned long long)v->run->mmio.phys_addr);
	kt_vcpu_run_ok(v);
	KT_ASSERT_IO(v, KVM_EXIT_IO_OUT, PIO_ZONE + 6, 4);
	memcpy(&got, kt_io_data(v), 4);
	KT_ASSERT(got == 0xbbbbbbbb, "out data 0x%x", got);
	kt_vcpu_run_ok(v);
	KT_ASSERT_EXIT(v, KVM_EXIT_MMIO);
	KT_ASSERT(v->run->mmio.phys_addr == ZONE_ADDR + 0x20 && !v->run->mmio.is_write,
		  "read in the zone: 0x%llx write %u", (unsigned long long)v->run->mmio.phys_addr,
		  v->run->mmio.is_write);
	memset(v->run->mmio.data, 0, 8);
	KT_RUN_SYNC(v, 2);
	KT_ASSERT(ring->first == ring->last, "the exiting writes reached the ring");
	KT_RUN_DONE(v);
	kt_vm_free(vm);
}

static void guest_fill(uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		*(volatile uint32_t *)(ZONE_ADDR + 4 * (i % (ZONE_SIZE / 4))) = i;
	GUEST_SYNC(n);
}

/* Drain the ring, checking that it holds writes *next, *next + 1, ... in order. */
static uint32_t drain_fill(struct kvm_coalesced_mmio_ring *ring, uint32_t *next)
{
	uint32_t n = 0;

	while (ring->first != ring->last) {
		expect_entry(ring, ZONE_ADDR + 4 * (*next % (ZONE_SIZE / 4)), 4, *next, false);
		(*next)++;
		n++;
	}
	return n;
}

static void test_ring_full(void)
{
	uint32_t max = ring_max(), total = max + 2, next = 0, exits = 0, first_exit = 0;
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_fill, total, 0);
	struct kvm_coalesced_mmio_ring *ring = ring_of(v);
	struct kt_ucall uc;
	uint32_t got;

	KT_ASSERT_OK(zone_ioctl(vm, KVM_REGISTER_COALESCED_MMIO, ZONE_ADDR, ZONE_SIZE, 0));
	/*
	 * More writes than the ring holds: once it is full a write exits.  Where it
	 * counts as full differs: at most max - 1 entries (one slot stays free);
	 * Linux 6.1 computes the free space with unsigned wrap-around and reports
	 * full after (2^32 mod max) - 1 entries (85 with 4 KiB pages, observed on
	 * Debian), so the test accepts any point up to max - 1.
	 */
	for (;;) {
		kt_vcpu_run_ok(v);
		if (kt_get_ucall(v, &uc) == UCALL_SYNC)
			break;
		KT_ASSERT_EXIT(v, KVM_EXIT_MMIO);
		KT_ASSERT(v->run->mmio.is_write && v->run->mmio.len == 4, "not a 4-byte write");
		got = 0;
		memcpy(&got, v->run->mmio.data, 4);
		if (!exits++) {
			first_exit = got;
			KT_ASSERT((ring->last + 1) % max != ring->first || got == max - 1,
				  "ring %u..%u", ring->first, ring->last);
		}
		KT_ASSERT(drain_fill(ring, &next) >= 1, "write %u exited with the ring empty", got);
		KT_ASSERT(got == next, "exit on write %u, ring ended at write %u", got, next);
		next++;
	}
	KT_ASSERT(uc.args[0] == total, "SYNC %lu", uc.args[0]);
	drain_fill(ring, &next);
	KT_ASSERT(next == total, "%u writes seen, %u made", next, total);
	KT_ASSERT(exits >= 1 && first_exit >= 1 && first_exit <= max - 1,
		  "%u exits, the first at write %u (ring of %u)", exits, first_exit, max);
	kt_diag("ring of %u entries: the first exit came at write %u, %u exits", max,
		first_exit, exits);
	KT_RUN_DONE(v);
	kt_vm_free(vm);
}

static void guest_one_write(void)
{
	*(volatile uint32_t *)(ZONE_ADDR + 0x40) = 0x1234;
	GUEST_SYNC(1);
	*(volatile uint32_t *)(ZONE_ADDR + 0x40) = 0x5678;
	GUEST_SYNC(2);
}

static void test_unregister(void)
{
	struct kt_vm *vm = kt_vm_create();
	struct kt_vcpu *v = kt_vcpu_add(vm, 0, guest_one_write, 0, 0);
	struct kvm_coalesced_mmio_ring *ring = ring_of(v);

	KT_ASSERT_ERRNO(zone_ioctl(vm, KVM_REGISTER_COALESCED_MMIO, ZONE_ADDR, ZONE_SIZE, 2),
			EINVAL);
	KT_ASSERT_ERRNO(zone_ioctl(vm, KVM_UNREGISTER_COALESCED_MMIO, ZONE_ADDR, ZONE_SIZE, 2),
			EINVAL);
	KT_ASSERT_OK(zone_ioctl(vm, KVM_REGISTER_COALESCED_MMIO, ZONE_ADDR, ZONE_SIZE, 0));
	/* Ranges no zone contains, or the other kind: nothing removed, no error. */
	KT_ASSERT_OK(zone_ioctl(vm, KVM_UNREGISTER_COALESCED_MMIO, ZONE_ADDR - 8, 16, 0));
	KT_ASSERT_OK(zone_ioctl(vm, KVM_UNREGISTER_COALESCED_MMIO, ZONE_ADDR, ZONE_SIZE, 1));
	KT_RUN_SYNC(v, 1);
	expect_entry(ring, ZONE_ADDR + 0x40, 4, 0x1234, false);

	/* A range inside the zone removes the whole zone. */
	KT_ASSERT_OK(zone_ioctl(vm, KVM_UNREGISTER_COALESCED_MMIO, ZONE_ADDR + 0x10, 4, 0));
	kt_vcpu_run_ok(v);
	KT_ASSERT_EXIT(v, KVM_EXIT_MMIO);
	KT_ASSERT(v->run->mmio.phys_addr == ZONE_ADDR + 0x40, "mmio at 0x%llx",
		  (unsigned long long)v->run->mmio.phys_addr);
	KT_RUN_SYNC(v, 2);
	KT_ASSERT(ring->first == ring->last, "write after unregister reached the ring");

	/* Zones left registered go with the VM. */
	KT_ASSERT_OK(zone_ioctl(vm, KVM_REGISTER_COALESCED_MMIO, ZONE_ADDR, ZONE_SIZE, 0));
	KT_ASSERT_OK(zone_ioctl(vm, KVM_REGISTER_COALESCED_MMIO, PIO_ZONE, PIO_ZONE_SIZE, 1));
	kt_vm_free(vm);
}

int main(void)
{
	static const struct ktest_case cases[] = {
		{ "caps_and_mmap_size", test_caps_and_size },
		{ "ring_in_order", test_ring },
		{ "ring_full", test_ring_full },
		{ "unregister", test_unregister },
	};

	return ktest_main(cases, KTEST_NCASES(cases));
}
