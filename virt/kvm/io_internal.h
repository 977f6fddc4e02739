/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-VM state of the in-kernel I/O and interrupt paths of the generic core:
 * the I/O buses (iobus.c), ioeventfds (ioeventfd.c), coalesced MMIO zones
 * (coalesced_mmio.c), the GSI routing table (irq_routing.c) and irqfds
 * (irqfd.c).  Reached through vm->io; core files only.
 *
 * Lock order: vm->lock, then io->ioeventfd_lock or io->coalesced_lock, then
 * io->bus_lock.  io->ring_lock (spinlock) is innermost and taken from bus
 * callbacks only.  Separately: io->irqfd_mutex, then io->routing_lock, then
 * io->irqfds_lock (spinlock, also taken in eventfd wake-ups with the eventfd's
 * wait-queue lock held).
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
struct kvm_irq_routing_table;

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

	struct mutex routing_lock;	/* serialises writers of routing */
	struct srcu_struct irq_srcu;	/* readers of routing and of resampler lists */
	struct kvm_irq_routing_table __rcu *routing;

	struct mutex irqfd_mutex;	/* serialises irqfd assign, deassign, shutdown */
	spinlock_t irqfds_lock;		/* guards irqfds (the active ones) */
	struct list_head irqfds;
	struct list_head resamplers;	/* RCU list: irqfd_mutex writes, irq_srcu reads */
};

/* Signal an eventfd once (the one place that knows eventfd_signal's signature). */
static inline void kvm_eventfd_notify(struct eventfd_ctx *ctx)
{
	eventfd_signal(ctx, 1);
}

/* iobus.c */
int kvm_vm_io_init(struct kvm_vm *vm);
void kvm_vm_io_exit(struct kvm_vm *vm);

/* irq_routing.c */
int kvm_vm_ioctl_set_gsi_routing(struct kvm_vm *vm, void __user *argp);
int kvm_vm_ioctl_irq_line(struct kvm_vm *vm, void __user *argp, bool status);
int kvm_vm_ioctl_signal_msi(struct kvm_vm *vm, void __user *argp);
void kvm_irq_routing_free(struct kvm_vm *vm);

/* irqfd.c */
int kvm_irqfd_module_init(void);
void kvm_irqfd_module_exit(void);
int kvm_vm_ioctl_irqfd(struct kvm_vm *vm, void __user *argp);
void kvm_irqfd_resample(struct kvm_vm *vm, u32 gsi);
void kvm_irqfd_release_all(struct kvm_vm *vm);

/* coalesced_mmio.c */
int kvm_coalesced_mmio_init(struct kvm_vm *vm);
int kvm_vm_ioctl_coalesced_mmio(struct kvm_vm *vm, void __user *argp, bool add);
struct page *kvm_coalesced_ring_page(struct kvm_vm *vm);
void kvm_coalesced_mmio_release_all(struct kvm_vm *vm);

/* ioeventfd.c */
int kvm_vm_ioctl_ioeventfd(struct kvm_vm *vm, void __user *argp);
void kvm_ioeventfd_release_all(struct kvm_vm *vm);

#endif /* KVM_IO_INTERNAL_H */
