// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_IRQFD: an eventfd that injects a GSI whenever it is signalled.
 *
 * An irqfd sits on its eventfd's wait queue.  The wake-up callback runs with
 * that queue's spinlock held (interrupts off), so it only consumes the count
 * and queues the injection work; the work calls kvm_set_irq() in process
 * context: a pulse (1 then 0) for an ordinary irqfd, level 1 for a resampling
 * one (KVM_IRQFD_FLAG_RESAMPLE).  A resampling irqfd belongs to the resampler
 * of its GSI: when the guest EOIs the pin the GSI is routed to, the irqchip
 * calls kvm_irq_notify_ack(), the resampler lowers the line (source
 * KVM_IRQ_SOURCE_RESAMPLE) and signals the resamplefd of each of its irqfds.
 *
 * Life of an irqfd:
 *   assign    (ioctl) on io->irqfds, on the eventfd's wait queue
 *   deactivate (deassign, eventfd closed: EPOLLHUP, VM destruction) off
 *             io->irqfds, shutdown work queued on kvm_irqfd_wq
 *   shutdown  (work) off the wait queue, injection work flushed, off its
 *             resampler (freed with its last irqfd, line lowered), freed
 * Deassign and VM destruction flush kvm_irqfd_wq, so when they return no work
 * of theirs runs and nothing injects into the VM any more.  An irqfd holds no
 * VM reference: VM destruction (kvm_irqfd_release_all) runs before the vCPUs
 * and the irqchip go away.
 *
 * Lock order: io->irqfd_mutex (assign, deassign, shutdown, resampler list
 * writers), then io->irqfds_lock (spinlock, irqsave: also taken in the wake-up
 * callback under the eventfd's wait-queue lock).  Resampler lists are read
 * under io->irq_srcu.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <linux/kvm_arch.h>
#include <linux/kvm_irq.h>
#include "io_internal.h"

static struct workqueue_struct *kvm_irqfd_wq;

struct kvm_irqfd_resampler {
	struct kvm_vm *vm;
	u32 gsi;
	struct list_head link;		/* io->resamplers */
	struct list_head irqfds;	/* RCU list of struct kvm_irqfd_dev.resampler_link */
};

struct kvm_irqfd_dev {
	struct kvm_vm *vm;
	u32 gsi;
	struct eventfd_ctx *eventfd;
	struct list_head link;		/* io->irqfds while active; irqfds_lock */
	wait_queue_entry_t wait;
	poll_table pt;
	struct work_struct inject;
	struct work_struct shutdown;

	struct kvm_irqfd_resampler *resampler;	/* NULL: edge (pulse) irqfd */
	struct eventfd_ctx *resamplefd;
	struct list_head resampler_link;
};

static void irqfd_inject(struct work_struct *work)
{
	struct kvm_irqfd_dev *irqfd = container_of(work, struct kvm_irqfd_dev, inject);
	struct kvm_vm *vm = irqfd->vm;

	if (irqfd->resampler) {
		kvm_set_irq(vm, KVM_IRQ_SOURCE_RESAMPLE, irqfd->gsi, 1, false);
	} else {
		kvm_set_irq(vm, KVM_IRQ_SOURCE_USER, irqfd->gsi, 1, false);
		kvm_set_irq(vm, KVM_IRQ_SOURCE_USER, irqfd->gsi, 0, false);
	}
}

/* Called with io->irqfds_lock held. */
static void irqfd_deactivate(struct kvm_irqfd_dev *irqfd)
{
	list_del_init(&irqfd->link);
	queue_work(kvm_irqfd_wq, &irqfd->shutdown);
}

/* Leave the resampler; the last irqfd frees it and lowers its line.  irqfd_mutex held. */
static void irqfd_resampler_leave(struct kvm_irqfd_dev *irqfd)
{
	struct kvm_irqfd_resampler *res = irqfd->resampler;
	struct kvm_vm_io *io = irqfd->vm->io;

	bool last;

	list_del_rcu(&irqfd->resampler_link);
	last = list_empty(&res->irqfds);
	if (last) {
		list_del_rcu(&res->link);
		kvm_set_irq(irqfd->vm, KVM_IRQ_SOURCE_RESAMPLE, res->gsi, 0, false);
	}
	synchronize_srcu(&io->irq_srcu);
	if (last)
		kfree(res);
}

static void irqfd_free(struct kvm_irqfd_dev *irqfd)
{
	if (irqfd->resamplefd)
		eventfd_ctx_put(irqfd->resamplefd);
	if (irqfd->eventfd)
		eventfd_ctx_put(irqfd->eventfd);
	kfree(irqfd);
}

static void irqfd_shutdown(struct work_struct *work)
{
	struct kvm_irqfd_dev *irqfd = container_of(work, struct kvm_irqfd_dev, shutdown);
	struct kvm_vm_io *io = irqfd->vm->io;
	u64 cnt;

	/* Waits for a wake-up callback in progress; none comes after it. */
	eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &cnt);
	flush_work(&irqfd->inject);
	if (irqfd->resampler) {
		mutex_lock(&io->irqfd_mutex);
		irqfd_resampler_leave(irqfd);
		mutex_unlock(&io->irqfd_mutex);
	}
	irqfd_free(irqfd);
}

/* Wake-up from the eventfd: interrupts off, the eventfd's wait-queue lock held. */
static int irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync, void *key)
{
	struct kvm_irqfd_dev *irqfd = container_of(wait, struct kvm_irqfd_dev, wait);
	__poll_t flags = key_to_poll(key);
	struct kvm_vm_io *io = irqfd->vm->io;
	unsigned long iflags;
	u64 cnt;

	if (flags & EPOLLIN) {
		eventfd_ctx_do_read(irqfd->eventfd, &cnt);
		schedule_work(&irqfd->inject);
	}
	if (flags & EPOLLHUP) {
		/* The eventfd is being released: detach from the VM. */
		spin_lock_irqsave(&io->irqfds_lock, iflags);
		if (!list_empty(&irqfd->link))
			irqfd_deactivate(irqfd);
		spin_unlock_irqrestore(&io->irqfds_lock, iflags);
	}
	return 0;
}

static void irqfd_queue_proc(struct file *file, wait_queue_head_t *wqh, poll_table *pt)
{
	struct kvm_irqfd_dev *irqfd = container_of(pt, struct kvm_irqfd_dev, pt);

	add_wait_queue(wqh, &irqfd->wait);
}

/* Join (or create) the resampler of irqfd->gsi.  irqfd_mutex held. */
static int irqfd_resampler_join(struct kvm_irqfd_dev *irqfd)
{
	struct kvm_vm_io *io = irqfd->vm->io;
	struct kvm_irqfd_resampler *res;

	list_for_each_entry(res, &io->resamplers, link) {
		if (res->gsi == irqfd->gsi)
			goto found;
	}
	res = kzalloc(sizeof(*res), GFP_KERNEL_ACCOUNT);
	if (!res)
		return -ENOMEM;
	res->vm = irqfd->vm;
	res->gsi = irqfd->gsi;
	INIT_LIST_HEAD(&res->irqfds);
	list_add_rcu(&res->link, &io->resamplers);
found:
	irqfd->resampler = res;
	list_add_rcu(&irqfd->resampler_link, &res->irqfds);
	return 0;
}

static int irqfd_assign(struct kvm_vm *vm, const struct kvm_irqfd *args)
{
	bool resample = args->flags & KVM_IRQFD_FLAG_RESAMPLE;
	struct kvm_vm_io *io = vm->io;
	struct kvm_irqfd_dev *irqfd, *tmp;
	struct eventfd_ctx *ctx;
	struct fd f;
	__poll_t events;
	int r;

	/* Resampling needs the in-kernel IOAPIC/PIC to see the EOI (as Linux). */
	if (resample ? !kvm_arch_irqchip_in_kernel(vm) : !kvm_arch_lapic_in_kernel(vm))
		return -EINVAL;

	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT);
	if (!irqfd)
		return -ENOMEM;
	irqfd->vm = vm;
	irqfd->gsi = args->gsi;
	INIT_LIST_HEAD(&irqfd->link);
	INIT_LIST_HEAD(&irqfd->resampler_link);
	INIT_WORK(&irqfd->inject, irqfd_inject);
	INIT_WORK(&irqfd->shutdown, irqfd_shutdown);
	init_waitqueue_func_entry(&irqfd->wait, irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, irqfd_queue_proc);

	f = fdget(args->fd);
	r = -EBADF;
	if (!f.file)
		goto err_free;
	ctx = eventfd_ctx_fileget(f.file);
	if (IS_ERR(ctx)) {
		r = PTR_ERR(ctx);
		goto err_fdput;
	}
	irqfd->eventfd = ctx;
	if (resample) {
		ctx = eventfd_ctx_fdget(args->resamplefd);
		if (IS_ERR(ctx)) {
			r = PTR_ERR(ctx);
			goto err_fdput;
		}
		irqfd->resamplefd = ctx;
	}

	mutex_lock(&io->irqfd_mutex);
	if (resample) {
		r = irqfd_resampler_join(irqfd);
		if (r)
			goto err_unlock;
	}
	spin_lock_irq(&io->irqfds_lock);
	list_for_each_entry(tmp, &io->irqfds, link) {
		if (tmp->eventfd == irqfd->eventfd) {
			/* One eventfd drives one irqfd of a VM. */
			spin_unlock_irq(&io->irqfds_lock);
			r = -EBUSY;
			goto err_resampler;
		}
	}
	list_add_tail(&irqfd->link, &io->irqfds);
	spin_unlock_irq(&io->irqfds_lock);

	/* Join the wait queue; a signal that came before counts as one now. */
	events = vfs_poll(f.file, &irqfd->pt);
	if (events & EPOLLIN)
		schedule_work(&irqfd->inject);
	mutex_unlock(&io->irqfd_mutex);
	fdput(f);
	return 0;

err_resampler:
	if (irqfd->resampler)
		irqfd_resampler_leave(irqfd);
err_unlock:
	mutex_unlock(&io->irqfd_mutex);
err_fdput:
	fdput(f);
err_free:
	irqfd_free(irqfd);
	return r;
}

static int irqfd_deassign(struct kvm_vm *vm, const struct kvm_irqfd *args)
{
	struct kvm_vm_io *io = vm->io;
	struct kvm_irqfd_dev *irqfd, *tmp;
	struct eventfd_ctx *ctx;

	ctx = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	mutex_lock(&io->irqfd_mutex);
	spin_lock_irq(&io->irqfds_lock);
	list_for_each_entry_safe(irqfd, tmp, &io->irqfds, link) {
		if (irqfd->eventfd == ctx && irqfd->gsi == args->gsi)
			irqfd_deactivate(irqfd);
	}
	spin_unlock_irq(&io->irqfds_lock);
	mutex_unlock(&io->irqfd_mutex);
	eventfd_ctx_put(ctx);

	/* When deassign returns, the irqfd injects no more (as Linux; 0 if none matched). */
	flush_workqueue(kvm_irqfd_wq);
	return 0;
}

/* KVM_IRQFD on a VM fd. */
int kvm_vm_ioctl_irqfd(struct kvm_vm *vm, void __user *argp)
{
	struct kvm_irqfd args;

	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~(KVM_IRQFD_FLAG_DEASSIGN | KVM_IRQFD_FLAG_RESAMPLE))
		return -EINVAL;
	if (args.flags & KVM_IRQFD_FLAG_DEASSIGN)
		return irqfd_deassign(vm, &args);
	return irqfd_assign(vm, &args);
}

void kvm_irqfd_resample(struct kvm_vm *vm, u32 gsi)
{
	struct kvm_vm_io *io = vm->io;
	struct kvm_irqfd_resampler *res;
	struct kvm_irqfd_dev *irqfd;
	int idx;

	idx = srcu_read_lock(&io->irq_srcu);
	list_for_each_entry_srcu(res, &io->resamplers, link, srcu_read_lock_held(&io->irq_srcu)) {
		if (res->gsi != gsi)
			continue;
		kvm_set_irq(vm, KVM_IRQ_SOURCE_RESAMPLE, gsi, 0, false);
		list_for_each_entry_srcu(irqfd, &res->irqfds, resampler_link,
					 srcu_read_lock_held(&io->irq_srcu))
			kvm_eventfd_notify(irqfd->resamplefd);
	}
	srcu_read_unlock(&io->irq_srcu, idx);
}

/* VM destruction, before the vCPUs and the irqchip go: every irqfd is freed. */
void kvm_irqfd_release_all(struct kvm_vm *vm)
{
	struct kvm_vm_io *io = vm->io;
	struct kvm_irqfd_dev *irqfd, *tmp;

	mutex_lock(&io->irqfd_mutex);
	spin_lock_irq(&io->irqfds_lock);
	list_for_each_entry_safe(irqfd, tmp, &io->irqfds, link)
		irqfd_deactivate(irqfd);
	spin_unlock_irq(&io->irqfds_lock);
	mutex_unlock(&io->irqfd_mutex);
	flush_workqueue(kvm_irqfd_wq);
}

int kvm_irqfd_module_init(void)
{
	kvm_irqfd_wq = alloc_workqueue("kvm-irqfd-shutdown", 0, 0);
	return kvm_irqfd_wq ? 0 : -ENOMEM;
}

void kvm_irqfd_module_exit(void)
{
	destroy_workqueue(kvm_irqfd_wq);
}
