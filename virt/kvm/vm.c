// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM object and its file descriptor.
 *
 * Lock order: vm->lock, then vcpu->mutex, then vm->slots_lock, then vm->mmu_lock.
 * vm->refs counts the VM file and every vCPU file; the last put tears down
 * the vCPUs, the architecture state and the memory slots, then frees the VM.
 */
#include <linux/module.h>
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>
#include <linux/kvm_arch.h>
#include "kvm_internal.h"
#include "io_internal.h"

void kvm_vm_get(struct kvm_vm *vm)
{
	refcount_inc(&vm->refs);
}

static void kvm_vm_destroy(struct kvm_vm *vm)
{
	struct module *owner = vm->backend_owner;
	struct kvm_vcpu *vcpu;
	unsigned long i;

	kvm_mmu_notifier_exit(vm);
	kvm_irqfd_release_all(vm);	/* nothing injects once the vCPUs go */
	kvm_arch_vm_pre_destroy(vm);
	xa_for_each(&vm->vcpus, i, vcpu)
		kvm_vcpu_destroy(vcpu);
	xa_destroy(&vm->vcpus);
	kvm_arch_vm_destroy(vm);
	kvm_ioeventfd_release_all(vm);
	kvm_coalesced_mmio_release_all(vm);
	kvm_vm_io_exit(vm);
	kvm_memslots_exit(vm);
	cleanup_srcu_struct(&vm->slots_srcu);
	mmdrop(vm->mm);
	kfree(vm);
	module_put(owner);
}

void kvm_vm_put(struct kvm_vm *vm)
{
	if (refcount_dec_and_test(&vm->refs))
		kvm_vm_destroy(vm);
}

/*
 * A broken host invariant: warn once and make every further ioctl on the VM and
 * its vCPUs fail, rather than crash the host.
 */
void kvm_vm_mark_dead(struct kvm_vm *vm, const char *why)
{
	if (!READ_ONCE(vm->dead))
		pr_warn_once("kvm: VM marked dead: %s\n", why);
	WRITE_ONCE(vm->dead, true);
	kvm_vm_request_all(vm, KVM_REQ_VM_DEAD);
}

static int kvm_vm_release(struct inode *inode, struct file *filp)
{
	kvm_vm_put(filp->private_data);
	return 0;
}

static int kvm_vm_enable_cap(struct kvm_vm *vm, void __user *argp)
{
	struct kvm_enable_cap cap;

	if (copy_from_user(&cap, argp, sizeof(cap)))
		return -EFAULT;
	switch (cap.cap) {
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		return kvm_dirty_log_enable_manual(vm, &cap);
	default:
		return kvm_arch_vm_enable_cap(vm, &cap);
	}
}

static long kvm_vm_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	struct kvm_vm *vm = filp->private_data;
	void __user *argp = (void __user *)arg;

	if (vm->mm != current->mm)
		return -EIO;
	if (READ_ONCE(vm->dead))
		return -EIO;

	switch (ioctl) {
	case KVM_CHECK_EXTENSION:
		return kvm_core_check_extension(vm, arg);
	case KVM_CREATE_VCPU:
		return kvm_vm_create_vcpu(vm, arg);
	case KVM_ENABLE_CAP:
		return kvm_vm_enable_cap(vm, argp);
	case KVM_SET_USER_MEMORY_REGION: {
		struct kvm_userspace_memory_region region;

		if (copy_from_user(&region, argp, sizeof(region)))
			return -EFAULT;
		return kvm_set_user_memory_region(vm, &region);
	}
	case KVM_GET_DIRTY_LOG: {
		struct kvm_dirty_log log;

		if (copy_from_user(&log, argp, sizeof(log)))
			return -EFAULT;
		return kvm_get_dirty_log(vm, &log);
	}
	case KVM_IOEVENTFD:
		return kvm_vm_ioctl_ioeventfd(vm, argp);
	case KVM_REGISTER_COALESCED_MMIO:
	case KVM_UNREGISTER_COALESCED_MMIO:
		return kvm_vm_ioctl_coalesced_mmio(vm, argp, ioctl == KVM_REGISTER_COALESCED_MMIO);
	case KVM_IRQFD:
		return kvm_vm_ioctl_irqfd(vm, argp);
	case KVM_SET_GSI_ROUTING:
		return kvm_vm_ioctl_set_gsi_routing(vm, argp);
	case KVM_IRQ_LINE:
	case KVM_IRQ_LINE_STATUS:
		return kvm_vm_ioctl_irq_line(vm, argp, ioctl == KVM_IRQ_LINE_STATUS);
	case KVM_SIGNAL_MSI:
		return kvm_vm_ioctl_signal_msi(vm, argp);
	case KVM_GET_STATS_FD:
		return kvm_vm_stats_fd(vm);
	case KVM_CLEAR_DIRTY_LOG: {
		struct kvm_clear_dirty_log log;

		if (copy_from_user(&log, argp, sizeof(log)))
			return -EFAULT;
		return kvm_clear_dirty_log(vm, &log);
	}
	default:
		return kvm_arch_vm_ioctl(vm, ioctl, arg);
	}
}

static const struct file_operations kvm_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= kvm_vm_release,
	.unlocked_ioctl	= kvm_vm_ioctl,
	.llseek		= noop_llseek,
};

/* KVM_CREATE_VM: returns the new VM's file descriptor or -errno. */
long kvm_dev_create_vm(unsigned long type, struct module *backend_owner)
{
	struct kvm_vm *vm;
	int r;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	refcount_set(&vm->refs, 1);
	mutex_init(&vm->lock);
	mutex_init(&vm->slots_lock);
	spin_lock_init(&vm->mmu_lock);
	xa_init_flags(&vm->vcpus, XA_FLAGS_ALLOC);
	vm->mm = current->mm;
	mmgrab(vm->mm);
	vm->creator_pid = task_pid_nr(current);

	r = -ENODEV;
	if (!try_module_get(backend_owner))
		goto err_mm;
	vm->backend_owner = backend_owner;

	r = init_srcu_struct(&vm->slots_srcu);
	if (r)
		goto err_module;
	r = kvm_memslots_init(vm);
	if (r)
		goto err_srcu;
	r = kvm_vm_io_init(vm);
	if (r)
		goto err_slots;
	r = kvm_arch_vm_init(vm, type);
	if (r)
		goto err_io;
	r = kvm_mmu_notifier_init(vm);
	if (r)
		goto err_arch;

	r = anon_inode_getfd("kvm-vm", &kvm_vm_fops, vm, O_RDWR | O_CLOEXEC);
	if (r < 0)
		goto err_notifier;
	return r;

err_notifier:
	kvm_mmu_notifier_exit(vm);
err_arch:
	kvm_arch_vm_destroy(vm);
err_io:
	kvm_vm_io_exit(vm);
err_slots:
	kvm_memslots_exit(vm);
err_srcu:
	cleanup_srcu_struct(&vm->slots_srcu);
err_module:
	module_put(backend_owner);
err_mm:
	mmdrop(vm->mm);
	kfree(vm);
	return r;
}
