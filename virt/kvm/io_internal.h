/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-VM state of the in-kernel I/O paths of the generic core: the I/O buses
 * (iobus.c), ioeventfds (ioeventfd.c) and coalesced MMIO zones
 * (coalesced_mmio.c).  Reached through vm->io; core files only.
 *
 * Lock order: vm->lock, then io->ioeventfd_lock or io->coalesced_lock, then
 * io->bus_lock.  io->ring_lock (spinlock) is innermost and taken from bus
 * callbacks only.
 */
#ifndef KVM_IO_INTERNAL_H
#define KVM_IO_INTERNAL_H

#include <linux/eventfd.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/kvm_core.h>
#include <linux/kvm_iobus.h>

struct kvm_io_bus;

struct kvm_vm_io {
	struct mutex bus_lock;		/* serialises writers of bus[] */
	struct srcu_struct bus_srcu;	/* readers of bus[] */
	struct kvm_io_bus __rcu *bus[KVM_NR_IO_BUSES];

	struct mutex ioeventfd_lock;	/* guards ioeventfds */
	struct list_head ioeventfds;

	struct mutex coalesced_lock;	/* guards zones */
	struct list_head zones;
	spinlock_t ring_lock;		/* guards the ring's last index (producer side) */
	struct page *ring_page;		/* KVM_COALESCED_MMIO_PAGE_OFFSET of each vCPU mmap */
};

/* Signal an eventfd once (the one place that knows eventfd_signal's signature). */
static inline void kvm_eventfd_notify(struct eventfd_ctx *ctx)
{
	eventfd_signal(ctx, 1);
}

/* iobus.c */
int kvm_vm_io_init(struct kvm_vm *vm);
void kvm_vm_io_exit(struct kvm_vm *vm);

/* ioeventfd.c */
int kvm_vm_ioctl_ioeventfd(struct kvm_vm *vm, void __user *argp);
void kvm_ioeventfd_release_all(struct kvm_vm *vm);

#endif /* KVM_IO_INTERNAL_H */
