// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/kvm: the misc device, the system ioctls, and the registration of the
 * backend that makes the device appear.
 *
 * The device exists only while a backend (kvm-amd or kvm-intel) is registered.
 * Every open /dev/kvm file and every VM holds a reference on the backend module,
 * so a backend with users cannot be unloaded; its unregistration removes the
 * device first, so no new user can appear while it goes.
 *
 * Lock order: kvm_backend_lock is the outermost lock of the whole module.
 */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/kvm_arch.h>
#include <linux/kvm_irq.h>
#include "io_internal.h"

static DEFINE_MUTEX(kvm_backend_lock);
static struct module *kvm_backend_owner;	/* kvm_backend_lock */
static bool kvm_dev_registered;			/* kvm_backend_lock */

/* The architecture offers an in-kernel irqchip for GSI routing to drive. */
static bool kvm_irq_caps_ready(struct kvm_vm *vm)
{
	return kvm_arch_check_extension(vm, KVM_CAP_IRQCHIP) > 0;
}

/* Capabilities whose answer does not depend on the architecture. */
int kvm_core_check_extension(struct kvm_vm *vm, long cap)
{
	switch (cap) {
	case KVM_CAP_CHECK_EXTENSION_VM:
	case KVM_CAP_ENABLE_CAP_VM:
		return 1;
	case KVM_CAP_IOEVENTFD:
	case KVM_CAP_IOEVENTFD_ANY_LENGTH:
	case KVM_CAP_IOEVENTFD_NO_LENGTH:
	case KVM_CAP_COALESCED_PIO:
		return 1;
	case KVM_CAP_COALESCED_MMIO:
		return KVM_COALESCED_MMIO_PAGE_OFFSET;
	/* Interrupt paths: real only once the architecture has an in-kernel irqchip. */
	case KVM_CAP_IRQ_ROUTING:
		return kvm_irq_caps_ready(vm) ? KVM_MAX_IRQ_ROUTES : 0;
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_IRQ_INJECT_STATUS:
	case KVM_CAP_IRQFD:
	case KVM_CAP_IRQFD_RESAMPLE:
		return kvm_irq_caps_ready(vm);
	case KVM_CAP_BINARY_STATS_FD:
		return 1;
	default:
		return kvm_arch_check_extension(vm, cap);
	}
}

static int kvm_dev_open(struct inode *inode, struct file *filp)
{
	int r = -ENODEV;

	mutex_lock(&kvm_backend_lock);
	if (kvm_backend_owner && try_module_get(kvm_backend_owner)) {
		filp->private_data = kvm_backend_owner;
		r = 0;
	}
	mutex_unlock(&kvm_backend_lock);
	return r;
}

static int kvm_dev_release(struct inode *inode, struct file *filp)
{
	module_put(filp->private_data);
	return 0;
}

static long kvm_dev_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_API_VERSION:
		if (arg)
			return -EINVAL;
		return KVM_API_VERSION;
	case KVM_CREATE_VM:
		return kvm_dev_create_vm(arg, filp->private_data);
	case KVM_CHECK_EXTENSION:
		return kvm_core_check_extension(NULL, arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		if (arg)
			return -EINVAL;
		return KVM_VCPU_MMAP_PAGES * PAGE_SIZE;
	case KVM_TRACE_ENABLE:
	case KVM_TRACE_PAUSE:
	case KVM_TRACE_DISABLE:
		return -EOPNOTSUPP;
	default:
		return kvm_arch_dev_ioctl(ioctl, arg);
	}
}

static const struct file_operations kvm_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= kvm_dev_open,
	.release	= kvm_dev_release,
	.unlocked_ioctl	= kvm_dev_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice kvm_dev = {
	.minor	= KVM_MINOR,
	.name	= "kvm",
	.fops	= &kvm_dev_fops,
	.mode	= 0600,
};

/*
 * Called by the architecture's backend registration once the backend has turned
 * virtualization on: from now on /dev/kvm exists and VMs hold @owner.
 */
int kvm_core_enable(struct module *owner)
{
	int r;

	mutex_lock(&kvm_backend_lock);
	if (kvm_backend_owner) {
		r = -EBUSY;
		goto out;
	}
	kvm_backend_owner = owner;
	r = misc_register(&kvm_dev);
	if (r) {
		pr_err("kvm: cannot register /dev/kvm (minor %d): %d\n", KVM_MINOR, r);
		kvm_backend_owner = NULL;
		goto out;
	}
	kvm_dev_registered = true;
out:
	mutex_unlock(&kvm_backend_lock);
	return r;
}

/*
 * Called from the backend's module exit.  The backend has no users left (each
 * one holds a module reference), so after the device is gone nobody can reach it.
 */
void kvm_core_disable(struct module *owner)
{
	mutex_lock(&kvm_backend_lock);
	if (kvm_backend_owner == owner) {
		if (kvm_dev_registered)
			misc_deregister(&kvm_dev);
		kvm_dev_registered = false;
		kvm_backend_owner = NULL;
	}
	mutex_unlock(&kvm_backend_lock);
}

static int __init kvm_core_init(void)
{
	int r;

	r = kvm_irqfd_module_init();
	if (r)
		return r;
	r = kvm_arch_init();
	if (r)
		kvm_irqfd_module_exit();
	return r;
}

static void __exit kvm_core_exit(void)
{
	kvm_arch_exit();
	kvm_irqfd_module_exit();
}

module_init(kvm_core_init);
module_exit(kvm_core_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Kernel-based virtual machine: generic core and x86 common code");
