// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-kernel I/O buses (port I/O and MMIO): which device claims a guest
 * access before it goes to userspace.  Semantics in <linux/kvm_iobus.h>.
 *
 * Each bus is an immutable array of ranges sorted by (addr, len), published
 * through an RCU pointer.  Readers (vCPU threads) look it up inside an SRCU
 * read section of io->bus_srcu and take no lock.  Writers, serialised by
 * io->bus_lock, build a new array, publish it, wait for the readers of the old
 * one and free it; so after kvm_io_bus_unregister() returns no reader can be
 * inside the removed device.
 *
 * The table layout, its lookup window and the matching rule are the pure
 * component iorange.c (host unit tests in tests/unit/iorange).
 *
 * Lock order: vm->lock, then the callers' locks, then io->bus_lock.
 */
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/kvm_core.h>
#include <linux/kvm_iobus.h>
#include "io_internal.h"
#include "iorange.h"

struct kvm_io_bus {
	u32 nr;
	struct io_range range[];	/* dev: struct kvm_io_device *, NULL if hidden */
};

static struct kvm_io_bus *bus_alloc(u32 nr)
{
	struct kvm_io_bus *b;

	b = kvzalloc(struct_size(b, range, nr), GFP_KERNEL_ACCOUNT);
	if (b)
		b->nr = nr;
	return b;
}

static struct kvm_io_bus *bus_deref(struct kvm_vm_io *io, enum kvm_io_bus_id id)
{
	return rcu_dereference_protected(io->bus[id], lockdep_is_held(&io->bus_lock));
}

/* Publish next in place of the current array of bus id and free the old one. */
static void bus_replace(struct kvm_vm_io *io, enum kvm_io_bus_id id, struct kvm_io_bus *next)
{
	struct kvm_io_bus *old = bus_deref(io, id);

	rcu_assign_pointer(io->bus[id], next);
	synchronize_srcu_expedited(&io->bus_srcu);
	kvfree(old);
}

int kvm_io_bus_register(struct kvm_vm *vm, enum kvm_io_bus_id id, u64 addr, u32 len,
			struct kvm_io_device *dev)
{
	struct kvm_vm_io *io = vm->io;
	struct kvm_io_bus *old, *next;
	u32 nr, pos, i;
	int r;

	if (id >= KVM_NR_IO_BUSES || !dev || !io_range_valid(addr, len))
		return -EINVAL;

	mutex_lock(&io->bus_lock);
	old = bus_deref(io, id);
	nr = old ? old->nr : 0;
	r = -ENOSPC;
	if (nr >= KVM_IO_BUS_MAX_DEVICES)
		goto out;
	r = -ENOMEM;
	next = bus_alloc(nr + 1);
	if (!next)
		goto out;

	pos = old ? io_range_insert_pos(old->range, nr, addr, len) : 0;
	for (i = 0; i < pos; i++)
		next->range[i] = old->range[i];
	next->range[pos] = (struct io_range){ .addr = addr, .len = len, .dev = dev };
	for (i = pos; i < nr; i++)
		next->range[i + 1] = old->range[i];
	io_range_fix_reach(next->range, nr + 1);
	bus_replace(io, id, next);
	r = 0;
out:
	mutex_unlock(&io->bus_lock);
	return r;
}
EXPORT_SYMBOL_GPL(kvm_io_bus_register);

void kvm_io_bus_unregister(struct kvm_vm *vm, enum kvm_io_bus_id id, struct kvm_io_device *dev)
{
	struct kvm_vm_io *io = vm->io;
	struct kvm_io_bus *old, *next;
	u32 i, n, keep = 0;

	if (id >= KVM_NR_IO_BUSES)
		return;
	mutex_lock(&io->bus_lock);
	old = bus_deref(io, id);
	if (!old)
		goto out;
	for (i = 0; i < old->nr; i++)
		if (old->range[i].dev && old->range[i].dev != dev)
			keep++;
	if (keep == old->nr)
		goto out;

	if (!keep) {
		bus_replace(io, id, NULL);
		goto out;
	}
	next = bus_alloc(keep);
	if (!next) {
		/*
		 * No memory for a smaller copy: hide the device in the live array
		 * instead (readers skip NULL devices) and wait for them all the same.
		 */
		for (i = 0; i < old->nr; i++)
			if (old->range[i].dev == dev)
				WRITE_ONCE(old->range[i].dev, NULL);
		synchronize_srcu_expedited(&io->bus_srcu);
		goto out;
	}
	for (i = 0, n = 0; i < old->nr; i++)
		if (old->range[i].dev && old->range[i].dev != dev)
			next->range[n++] = old->range[i];
	io_range_fix_reach(next->range, keep);
	bus_replace(io, id, next);
out:
	mutex_unlock(&io->bus_lock);
}
EXPORT_SYMBOL_GPL(kvm_io_bus_unregister);

static int bus_access(struct kvm_vcpu *vcpu, enum kvm_io_bus_id id, u64 addr, int len,
		      void *rval, const void *wval)
{
	struct kvm_vm_io *io = vcpu->vm->io;
	const struct kvm_io_bus *b;
	int idx, r = -EOPNOTSUPP;
	u32 i, lo, hi;

	if (id >= KVM_NR_IO_BUSES || len <= 0 || addr + len < addr)
		return -EOPNOTSUPP;

	idx = srcu_read_lock(&io->bus_srcu);
	b = srcu_dereference(io->bus[id], &io->bus_srcu);
	if (!b)
		goto out;
	io_range_window(b->range, b->nr, addr, &lo, &hi);
	for (i = lo; i < hi && r; i++) {
		const struct io_range *e = &b->range[i];
		struct kvm_io_device *dev = READ_ONCE(e->dev);

		if (!dev || !io_range_matches(e, addr, len))
			continue;
		if (wval && dev->ops->write)
			r = dev->ops->write(vcpu, dev, addr, len, wval);
		else if (!wval && dev->ops->read)
			r = dev->ops->read(vcpu, dev, addr, len, rval);
	}
out:
	srcu_read_unlock(&io->bus_srcu, idx);
	return r ? -EOPNOTSUPP : 0;
}

int kvm_io_bus_read(struct kvm_vcpu *vcpu, enum kvm_io_bus_id id, u64 addr, int len, void *val)
{
	return bus_access(vcpu, id, addr, len, val, NULL);
}
EXPORT_SYMBOL_GPL(kvm_io_bus_read);

int kvm_io_bus_write(struct kvm_vcpu *vcpu, enum kvm_io_bus_id id, u64 addr, int len,
		     const void *val)
{
	return bus_access(vcpu, id, addr, len, NULL, val);
}
EXPORT_SYMBOL_GPL(kvm_io_bus_write);

/* VM creation, before anything can register a device or a route. */
int kvm_vm_io_init(struct kvm_vm *vm)
{
	struct kvm_vm_io *io;
	int r;

	io = kzalloc(sizeof(*io), GFP_KERNEL_ACCOUNT);
	if (!io)
		return -ENOMEM;
	r = init_srcu_struct(&io->bus_srcu);
	if (r)
		goto err_free;
	r = init_srcu_struct(&io->irq_srcu);
	if (r)
		goto err_bus_srcu;
	mutex_init(&io->bus_lock);
	mutex_init(&io->ioeventfd_lock);
	INIT_LIST_HEAD(&io->ioeventfds);
	mutex_init(&io->coalesced_lock);
	INIT_LIST_HEAD(&io->zones);
	spin_lock_init(&io->ring_lock);
	mutex_init(&io->routing_lock);
	mutex_init(&io->irqfd_mutex);
	spin_lock_init(&io->irqfds_lock);
	INIT_LIST_HEAD(&io->irqfds);
	INIT_LIST_HEAD(&io->resamplers);
	vm->io = io;
	r = kvm_coalesced_mmio_init(vm);
	if (r)
		goto err_irq_srcu;
	return 0;

err_irq_srcu:
	vm->io = NULL;
	cleanup_srcu_struct(&io->irq_srcu);

err_bus_srcu:
	cleanup_srcu_struct(&io->bus_srcu);
err_free:
	kfree(io);
	return r;
}

/*
 * VM destruction, after every device owner has unregistered (vCPUs and the
 * architecture state are gone).  Frees the bus arrays and the routing table
 * only: a device still listed belongs to code that forgot it, and is not
 * touched.
 */
void kvm_vm_io_exit(struct kvm_vm *vm)
{
	struct kvm_vm_io *io = vm->io;
	int i;

	if (!io)
		return;
	for (i = 0; i < KVM_NR_IO_BUSES; i++) {
		struct kvm_io_bus *b = rcu_dereference_protected(io->bus[i], 1);

		WARN_ONCE(b && b->nr, "kvm: %u device(s) left on I/O bus %d\n", b->nr, i);
		kvfree(b);
	}
	kvm_irq_routing_free(vm);
	__free_page(io->ring_page);	/* vCPU mappings hold their own references */
	cleanup_srcu_struct(&io->irq_srcu);
	cleanup_srcu_struct(&io->bus_srcu);
	kfree(io);
	vm->io = NULL;
}
