// SPDX-License-Identifier: GPL-2.0-only
/*
 * Coalesced MMIO and PIO (KVM_REGISTER/UNREGISTER_COALESCED_MMIO): guest
 * writes inside a registered zone are appended to a per-VM ring instead of
 * exiting to userspace; the VMM drains the ring when it next runs.
 *
 * The ring is one zeroed page per VM, mapped by every vCPU file at page
 * KVM_COALESCED_MMIO_PAGE_OFFSET.  The kernel is the only producer: it writes
 * the entry at last, then publishes last + 1 (mod KVM_COALESCED_MMIO_MAX);
 * userspace consumes from first.  One slot stays free so that first == last
 * means empty; a write that finds the ring full (or the indices corrupted by
 * userspace) is not claimed and exits to userspace as usual.  Reads are never
 * claimed.
 *
 * Each zone is a device on the MMIO or port bus for its range; it claims
 * writes that lie wholly inside the zone.
 *
 * Lock order: io->coalesced_lock (zone list, register/unregister), then the bus
 * writers' lock.  io->ring_lock (spinlock) serialises producers (vCPUs) and is
 * taken inside the bus callback only.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/kvm_core.h>
#include <linux/kvm_iobus.h>
#include "io_internal.h"

struct kvm_coalesced_zone {
	struct list_head link;		/* io->zones; coalesced_lock */
	struct kvm_io_device dev;
	struct kvm_vm *vm;
	struct kvm_coalesced_mmio_zone zone;
};

static struct kvm_coalesced_zone *to_zone(struct kvm_io_device *dev)
{
	return container_of(dev, struct kvm_coalesced_zone, dev);
}

/* [addr, addr + len) lies inside the zone (a size 0 zone holds nothing). */
static bool zone_contains(const struct kvm_coalesced_mmio_zone *z, u64 addr, u64 len)
{
	return addr >= z->addr && addr + len >= addr && addr + len <= z->addr + z->size;
}

static int zone_write(struct kvm_vcpu *vcpu, struct kvm_io_device *dev, u64 addr, int len,
		      const void *val)
{
	struct kvm_coalesced_zone *z = to_zone(dev);
	struct kvm_vm_io *io = z->vm->io;
	struct kvm_coalesced_mmio_ring *ring = page_address(io->ring_page);
	struct kvm_coalesced_mmio *e;
	u32 last;

	if (len > (int)sizeof(e->data) || !zone_contains(&z->zone, addr, len))
		return -EOPNOTSUPP;

	spin_lock(&io->ring_lock);
	last = READ_ONCE(ring->last);
	if (last >= KVM_COALESCED_MMIO_MAX ||
	    (last + 1) % KVM_COALESCED_MMIO_MAX == READ_ONCE(ring->first)) {
		spin_unlock(&io->ring_lock);
		return -EOPNOTSUPP;
	}
	e = &ring->coalesced_mmio[last];
	e->phys_addr = addr;
	e->len = len;
	e->pio = z->zone.pio;
	memset(e->data, 0, sizeof(e->data));
	memcpy(e->data, val, len);
	/* The entry is complete before userspace can see last move past it. */
	smp_wmb();
	WRITE_ONCE(ring->last, (last + 1) % KVM_COALESCED_MMIO_MAX);
	spin_unlock(&io->ring_lock);
	return 0;
}

static const struct kvm_io_device_ops zone_ops = {
	.write = zone_write,
};

static enum kvm_io_bus_id zone_bus(const struct kvm_coalesced_mmio_zone *z)
{
	return z->pio ? KVM_PIO_BUS : KVM_MMIO_BUS;
}

static int zone_register(struct kvm_vm *vm, const struct kvm_coalesced_mmio_zone *zone)
{
	struct kvm_vm_io *io = vm->io;
	struct kvm_coalesced_zone *z;
	int r;

	z = kzalloc(sizeof(*z), GFP_KERNEL_ACCOUNT);
	if (!z)
		return -ENOMEM;
	z->vm = vm;
	z->zone = *zone;
	z->dev.ops = &zone_ops;

	mutex_lock(&io->coalesced_lock);
	r = kvm_io_bus_register(vm, zone_bus(zone), zone->addr, zone->size, &z->dev);
	if (!r)
		list_add_tail(&z->link, &io->zones);
	mutex_unlock(&io->coalesced_lock);
	if (r)
		kfree(z);
	return r;
}

/* Removes every zone of the same kind that contains the given range (as Linux). */
static void zone_unregister(struct kvm_vm *vm, const struct kvm_coalesced_mmio_zone *zone)
{
	struct kvm_vm_io *io = vm->io;
	struct kvm_coalesced_zone *z, *n;

	mutex_lock(&io->coalesced_lock);
	list_for_each_entry_safe(z, n, &io->zones, link) {
		if (z->zone.pio != zone->pio)
			continue;
		if (!zone_contains(&z->zone, zone->addr, zone->size))
			continue;
		list_del(&z->link);
		kvm_io_bus_unregister(vm, zone_bus(&z->zone), &z->dev);
		kfree(z);
	}
	mutex_unlock(&io->coalesced_lock);
}

/* KVM_REGISTER_COALESCED_MMIO and KVM_UNREGISTER_COALESCED_MMIO. */
int kvm_vm_ioctl_coalesced_mmio(struct kvm_vm *vm, void __user *argp, bool add)
{
	struct kvm_coalesced_mmio_zone zone;

	if (copy_from_user(&zone, argp, sizeof(zone)))
		return -EFAULT;
	if (zone.pio != 0 && zone.pio != 1)
		return -EINVAL;
	if (add)
		return zone_register(vm, &zone);
	zone_unregister(vm, &zone);
	return 0;
}

/* The page a vCPU mapping shows at KVM_COALESCED_MMIO_PAGE_OFFSET. */
struct page *kvm_coalesced_ring_page(struct kvm_vm *vm)
{
	return vm->io->ring_page;
}

int kvm_coalesced_mmio_init(struct kvm_vm *vm)
{
	vm->io->ring_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	return vm->io->ring_page ? 0 : -ENOMEM;
}

/* VM destruction: no vCPU is left to write; the ring page goes with the last mapping. */
void kvm_coalesced_mmio_release_all(struct kvm_vm *vm)
{
	struct kvm_vm_io *io = vm->io;
	struct kvm_coalesced_zone *z, *n;

	mutex_lock(&io->coalesced_lock);
	list_for_each_entry_safe(z, n, &io->zones, link) {
		list_del(&z->link);
		kvm_io_bus_unregister(vm, zone_bus(&z->zone), &z->dev);
		kfree(z);
	}
	mutex_unlock(&io->coalesced_lock);
}
