// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_IOEVENTFD: a guest write to a port or an MMIO address signals an eventfd
 * and completes in the kernel, without an exit to userspace.
 *
 * Each assigned ioeventfd is a device on the port or MMIO bus for exactly its
 * address and length (length 0: any write that starts at the address).  A write
 * hits when its address is exact, its length equals the ioeventfd's (unless that
 * is 0) and, with KVM_IOEVENTFD_FLAG_DATAMATCH, its value zero-extended to 64
 * bits equals datamatch.  Reads are never claimed.
 *
 * Lock order: vm->io->ioeventfd_lock (guards the list and the collision check),
 * then the bus writers' lock inside kvm_io_bus_register/unregister.  The bus
 * callback takes no lock: it only reads the immutable ioeventfd and signals it.
 */
#include <linux/eventfd.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/kvm_core.h>
#include <linux/kvm_iobus.h>
#include "io_internal.h"

/* Where a flag set puts the ioeventfd.  VIRTIO_CCW_NOTIFY belongs to no x86 bus. */
#define IOEVENTFD_NO_BUS	KVM_NR_IO_BUSES

struct kvm_ioeventfd_dev {
	struct list_head link;		/* io->ioeventfds; ioeventfd_lock */
	struct kvm_io_device dev;
	struct eventfd_ctx *eventfd;
	u64 addr;
	u64 datamatch;
	u32 len;
	int bus;			/* enum kvm_io_bus_id or IOEVENTFD_NO_BUS */
	bool any_value;			/* no DATAMATCH */
};

static struct kvm_ioeventfd_dev *to_ioeventfd(struct kvm_io_device *dev)
{
	return container_of(dev, struct kvm_ioeventfd_dev, dev);
}

static bool ioeventfd_hit(const struct kvm_ioeventfd_dev *p, u64 addr, int len, const void *val)
{
	u64 v;

	if (addr != p->addr)
		return false;
	if (!p->len)
		return true;
	if (len != p->len)
		return false;
	if (p->any_value)
		return true;
	/* The value zero-extended (x86 is little-endian); datamatch compares all 64 bits. */
	v = 0;
	memcpy(&v, val, len);
	return v == p->datamatch;
}

static int ioeventfd_write(struct kvm_vcpu *vcpu, struct kvm_io_device *dev, u64 addr, int len,
			   const void *val)
{
	struct kvm_ioeventfd_dev *p = to_ioeventfd(dev);

	if (!ioeventfd_hit(p, addr, len, val))
		return -EOPNOTSUPP;
	kvm_eventfd_notify(p->eventfd);
	return 0;
}

static const struct kvm_io_device_ops ioeventfd_ops = {
	.write = ioeventfd_write,
};

static int ioeventfd_bus(u32 flags)
{
	if (flags & KVM_IOEVENTFD_FLAG_PIO)
		return KVM_PIO_BUS;
	if (flags & KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY)
		return IOEVENTFD_NO_BUS;
	return KVM_MMIO_BUS;
}

/*
 * Two ioeventfds on one bus and address collide unless both have the same
 * non-zero length and both match data, with different values.
 */
static bool ioeventfd_collides(struct kvm_vm_io *io, const struct kvm_ioeventfd_dev *p)
{
	struct kvm_ioeventfd_dev *q;

	list_for_each_entry(q, &io->ioeventfds, link) {
		if (q->bus != p->bus || q->addr != p->addr)
			continue;
		if (!q->len || !p->len)
			return true;
		if (q->len == p->len &&
		    (q->any_value || p->any_value || q->datamatch == p->datamatch))
			return true;
	}
	return false;
}

static void ioeventfd_free(struct kvm_ioeventfd_dev *p)
{
	eventfd_ctx_put(p->eventfd);
	kfree(p);
}

static int ioeventfd_assign(struct kvm_vm *vm, const struct kvm_ioeventfd *args)
{
	struct kvm_vm_io *io = vm->io;
	struct kvm_ioeventfd_dev *p;
	struct eventfd_ctx *ctx;
	int r;

	ctx = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p) {
		eventfd_ctx_put(ctx);
		return -ENOMEM;
	}
	p->eventfd = ctx;
	p->addr = args->addr;
	p->len = args->len;
	p->bus = ioeventfd_bus(args->flags);
	p->any_value = !(args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	p->datamatch = p->any_value ? 0 : args->datamatch;
	p->dev.ops = &ioeventfd_ops;

	mutex_lock(&io->ioeventfd_lock);
	r = -EEXIST;
	if (ioeventfd_collides(io, p))
		goto err_unlock;
	if (p->bus != IOEVENTFD_NO_BUS) {
		r = kvm_io_bus_register(vm, p->bus, p->addr, p->len, &p->dev);
		if (r)
			goto err_unlock;
	}
	list_add_tail(&p->link, &io->ioeventfds);
	mutex_unlock(&io->ioeventfd_lock);
	return 0;

err_unlock:
	mutex_unlock(&io->ioeventfd_lock);
	ioeventfd_free(p);
	return r;
}

static int ioeventfd_deassign(struct kvm_vm *vm, const struct kvm_ioeventfd *args)
{
	struct kvm_vm_io *io = vm->io;
	bool any_value = !(args->flags & KVM_IOEVENTFD_FLAG_DATAMATCH);
	int bus = ioeventfd_bus(args->flags);
	struct kvm_ioeventfd_dev *p, *found = NULL;
	struct eventfd_ctx *ctx;

	ctx = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	mutex_lock(&io->ioeventfd_lock);
	list_for_each_entry(p, &io->ioeventfds, link) {
		if (p->bus != bus || p->eventfd != ctx || p->addr != args->addr ||
		    p->len != args->len || p->any_value != any_value)
			continue;
		if (!any_value && p->datamatch != args->datamatch)
			continue;
		found = p;
		break;
	}
	if (found) {
		list_del(&found->link);
		if (found->bus != IOEVENTFD_NO_BUS)
			kvm_io_bus_unregister(vm, found->bus, &found->dev);
	}
	mutex_unlock(&io->ioeventfd_lock);

	eventfd_ctx_put(ctx);
	if (!found)
		return -ENOENT;
	ioeventfd_free(found);
	return 0;
}

/* KVM_IOEVENTFD on a VM fd. */
int kvm_vm_ioctl_ioeventfd(struct kvm_vm *vm, void __user *argp)
{
	struct kvm_ioeventfd args;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	/* As Linux: a deassign is only looked up, its arguments are not validated. */
	if (args.flags & KVM_IOEVENTFD_FLAG_DEASSIGN)
		return ioeventfd_deassign(vm, &args);
	if (args.flags & ~KVM_IOEVENTFD_VALID_FLAG_MASK)
		return -EINVAL;
	switch (args.len) {
	case 0:
	case 1:
	case 2:
	case 4:
	case 8:
		break;
	default:
		return -EINVAL;
	}
	if (args.addr + args.len < args.addr)
		return -EINVAL;
	/* Matching the value needs a length to read it with. */
	if (!args.len && (args.flags & KVM_IOEVENTFD_FLAG_DATAMATCH))
		return -EINVAL;
	return ioeventfd_assign(vm, &args);
}

/* VM destruction: no vCPU is left, so no bus reader; drop every ioeventfd. */
void kvm_ioeventfd_release_all(struct kvm_vm *vm)
{
	struct kvm_vm_io *io = vm->io;
	struct kvm_ioeventfd_dev *p, *n;

	mutex_lock(&io->ioeventfd_lock);
	list_for_each_entry_safe(p, n, &io->ioeventfds, link) {
		list_del(&p->link);
		if (p->bus != IOEVENTFD_NO_BUS)
			kvm_io_bus_unregister(vm, p->bus, &p->dev);
		ioeventfd_free(p);
	}
	mutex_unlock(&io->ioeventfd_lock);
}
