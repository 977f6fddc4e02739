// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vCPU object and its file descriptor: creation, the shared kvm_run
 * mapping, ioctl dispatch with the per-vCPU mutex, signal masks, and kicks.
 *
 * Lock order: vm->lock (creation only), then vcpu->mutex (every ioctl).
 *
 * Run states (vcpu->mode), written by the vCPU's own thread:
 *
 *   OUTSIDE_GUEST --(interrupts off, requests checked)--> IN_GUEST
 *   IN_GUEST --(#VMEXIT)--> OUTSIDE_GUEST
 *   IN_GUEST --(kvm_vcpu_kick() from another thread)--> EXITING
 *
 * A kicker sets a request bit first, then moves IN_GUEST to EXITING and sends
 * an IPI to the CPU the vCPU runs on; the IPI forces a #VMEXIT and the run loop
 * sees the request before it enters the guest again.  A vCPU that is about to
 * enter checks requests with interrupts off after publishing IN_GUEST, so a
 * request set before that point is never missed.
 */
#include <linux/module.h>
#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/kvm_arch.h>
#include "kvm_internal.h"
#include "io_internal.h"

static int kvm_vcpu_release(struct inode *inode, struct file *filp)
{
	struct kvm_vcpu *vcpu = filp->private_data;

	kvm_vm_put(vcpu->vm);
	return 0;
}

static vm_fault_t kvm_vcpu_fault(struct vm_fault *vmf)
{
	struct kvm_vcpu *vcpu = vmf->vma->vm_file->private_data;
	struct page *page;

	switch (vmf->pgoff) {
	case KVM_RUN_PAGE_OFFSET:
		page = vcpu->run_page;
		break;
	case KVM_PIO_PAGE_OFFSET:
		page = vcpu->pio_page;
		break;
	case KVM_COALESCED_MMIO_PAGE_OFFSET:
		page = kvm_coalesced_ring_page(vcpu->vm);
		break;
	default:
		return VM_FAULT_SIGBUS;
	}
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct kvm_vcpu_vm_ops = {
	.fault = kvm_vcpu_fault,
};

static int kvm_vcpu_mmap(struct file *filp, struct vm_area_struct *vma)
{
	vma->vm_ops = &kvm_vcpu_vm_ops;
	return 0;
}

static int kvm_vcpu_set_sigmask(struct kvm_vcpu *vcpu, void __user *argp)
{
	struct kvm_signal_mask head;
	sigset_t set;

	if (!argp) {
		vcpu->sigmask_active = false;
		return 0;
	}
	if (copy_from_user(&head, argp, sizeof(head)))
		return -EFAULT;
	if (head.len != sizeof(set))
		return -EINVAL;
	if (copy_from_user(&set, argp + sizeof(head), sizeof(set)))
		return -EFAULT;
	sigdelsetmask(&set, sigmask(SIGKILL) | sigmask(SIGSTOP));
	vcpu->sigmask = set;
	vcpu->sigmask_active = true;
	return 0;
}

static int kvm_vcpu_ioctl_run(struct kvm_vcpu *vcpu)
{
	struct pid *old, *now = task_pid(current);
	sigset_t saved;
	int r;

	old = rcu_access_pointer(vcpu->pid);
	if (old != now) {
		rcu_assign_pointer(vcpu->pid, get_pid(now));
		if (old)
			synchronize_rcu();
		put_pid(old);
	}

	if (vcpu->sigmask_active)
		sigprocmask(SIG_SETMASK, &vcpu->sigmask, &saved);
	r = kvm_arch_vcpu_run(vcpu);
	if (vcpu->sigmask_active)
		sigprocmask(SIG_SETMASK, &saved, NULL);
	return r;
}

static long kvm_vcpu_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	struct kvm_vcpu *vcpu = filp->private_data;
	long r;

	if (vcpu->vm->mm != current->mm)
		return -EIO;
	if (READ_ONCE(vcpu->vm->dead))
		return -EIO;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;

	switch (ioctl) {
	case KVM_RUN:
		r = arg ? -EINVAL : kvm_vcpu_ioctl_run(vcpu);
		break;
	case KVM_SET_SIGNAL_MASK:
		r = kvm_vcpu_set_sigmask(vcpu, (void __user *)arg);
		break;
	case KVM_GET_STATS_FD:
		r = kvm_vcpu_stats_fd(vcpu);
		break;
	default:
		r = kvm_arch_vcpu_ioctl(vcpu, ioctl, arg);
		break;
	}
	mutex_unlock(&vcpu->mutex);
	return r;
}

static const struct file_operations kvm_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= kvm_vcpu_release,
	.unlocked_ioctl	= kvm_vcpu_ioctl,
	.mmap		= kvm_vcpu_mmap,
	.llseek		= noop_llseek,
};

/* Frees a vCPU that no file and no other thread can reach any more. */
void kvm_vcpu_destroy(struct kvm_vcpu *vcpu)
{
	kvm_arch_vcpu_destroy(vcpu);
	put_pid(rcu_dereference_protected(vcpu->pid, 1));
	__free_page(vcpu->pio_page);
	__free_page(vcpu->run_page);
	kfree(vcpu);
}

static bool kvm_vcpu_id_taken(struct kvm_vm *vm, u32 id)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;

	xa_for_each(&vm->vcpus, i, vcpu)
		if (vcpu->vcpu_id == id)
			return true;
	return false;
}

/* KVM_CREATE_VCPU: returns the vCPU's file descriptor or -errno. */
int kvm_vm_create_vcpu(struct kvm_vm *vm, unsigned long id)
{
	struct kvm_vcpu *vcpu;
	char name[24];
	int r, fd;

	if (id >= KVM_CORE_MAX_VCPU_IDS)
		return -EINVAL;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->vcpu_id = id;
	vcpu->creator_pid = task_pid_nr(current);
	vcpu->cpu = -1;
	mutex_init(&vcpu->mutex);
	init_waitqueue_head(&vcpu->wq);

	r = -ENOMEM;
	vcpu->run_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!vcpu->run_page)
		goto err_free;
	vcpu->pio_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!vcpu->pio_page)
		goto err_run;
	vcpu->run = page_address(vcpu->run_page);

	mutex_lock(&vm->lock);
	r = -EINVAL;
	if (vm->nr_vcpus >= KVM_CORE_MAX_VCPUS)
		goto err_unlock;
	r = -EEXIST;
	if (kvm_vcpu_id_taken(vm, id))
		goto err_unlock;
	vcpu->index = vm->nr_vcpus;

	r = kvm_arch_vcpu_create(vcpu);
	if (r)
		goto err_unlock;

	r = xa_insert(&vm->vcpus, vcpu->index, vcpu, GFP_KERNEL_ACCOUNT);
	if (r)
		goto err_arch;

	/* The file holds a VM reference; the vCPU itself lives until the VM dies. */
	kvm_vm_get(vm);
	snprintf(name, sizeof(name), "kvm-vcpu:%u", vcpu->vcpu_id);
	fd = anon_inode_getfd(name, &kvm_vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		r = fd;
		goto err_xa;
	}
	smp_wmb();
	WRITE_ONCE(vm->nr_vcpus, vm->nr_vcpus + 1);
	mutex_unlock(&vm->lock);
	return fd;

err_xa:
	refcount_dec(&vm->refs);	/* the caller still holds the VM file's reference */
	xa_erase(&vm->vcpus, vcpu->index);
err_arch:
	kvm_arch_vcpu_destroy(vcpu);
err_unlock:
	mutex_unlock(&vm->lock);
	__free_page(vcpu->pio_page);
err_run:
	__free_page(vcpu->run_page);
err_free:
	kfree(vcpu);
	return r;
}

/*
 * Make a vCPU notice a request soon: wake it if it sleeps, force a #VMEXIT if
 * it runs guest code on another CPU.  Any context; the request bit must be set
 * before the call.
 */
void kvm_vcpu_kick(struct kvm_vcpu *vcpu)
{
	int cpu, me;

	wake_up_interruptible(&vcpu->wq);
	me = get_cpu();
	cpu = READ_ONCE(vcpu->cpu);
	if (cmpxchg(&vcpu->mode, KVM_VCPU_IN_GUEST, KVM_VCPU_EXITING) == KVM_VCPU_IN_GUEST &&
	    cpu != me && cpu >= 0 && cpu_online(cpu))
		smp_send_reschedule(cpu);
	put_cpu();
}

void kvm_vm_request_all(struct kvm_vm *vm, unsigned int req)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;

	xa_for_each(&vm->vcpus, i, vcpu) {
		kvm_vcpu_request(vcpu, req);
		kvm_vcpu_kick(vcpu);
	}
}
