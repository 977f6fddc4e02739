// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86 common code, VM side: backend registration, capabilities, the system and
 * VM ioctls specific to x86.
 *
 * Lock order: kvm_backend_lock (dev.c) is taken by registration; nothing here
 * takes a lock of its own except vm->lock for VM-wide settings.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <asm/cpufeature.h>
#include <linux/uaccess.h>
#include <linux/kvm_arch.h>
#include "x86.h"
#include "tdp.h"

/* Set once by kvmx86_register_backend() before /dev/kvm exists. */
const struct kvm_x86_backend_ops *kvm_x86_ops;

int kvmx86_register_backend(const struct kvm_x86_backend_ops *ops)
{
	int r;

	if (kvm_x86_ops)
		return -EBUSY;
	WRITE_ONCE(kvm_x86_ops, ops);
	r = kvm_core_enable(ops->owner);
	if (r)
		WRITE_ONCE(kvm_x86_ops, NULL);
	else
		pr_info("kvm: %s backend registered, /dev/kvm ready\n", ops->name);
	return r;
}
EXPORT_SYMBOL_GPL(kvmx86_register_backend);

void kvmx86_unregister_backend(const struct kvm_x86_backend_ops *ops)
{
	if (kvm_x86_ops != ops)
		return;
	kvm_core_disable(ops->owner);
	WRITE_ONCE(kvm_x86_ops, NULL);
}
EXPORT_SYMBOL_GPL(kvmx86_unregister_backend);

int kvm_arch_init(void)
{
	return kvmx86_clock_init();
}

void kvm_arch_exit(void)
{
	kvmx86_clock_exit();
}

int kvm_arch_check_extension(struct kvm_vm *vm, long cap)
{
	switch (cap) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_DESTROY_MEMORY_REGION_WORKS:
	case KVM_CAP_JOIN_MEMORY_REGIONS_WORKS:
	case KVM_CAP_INTERNAL_ERROR_DATA:
	case KVM_CAP_IMMEDIATE_EXIT:
	case KVM_CAP_READONLY_MEM:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_SET_IDENTITY_MAP_ADDR:
	case KVM_CAP_MP_STATE:
	case KVM_CAP_SYNC_MMU:
	case KVM_CAP_VCPU_EVENTS:
	case KVM_CAP_EXCEPTION_PAYLOAD:
	case KVM_CAP_DEBUGREGS:
	case KVM_CAP_SREGS2:
	case KVM_CAP_SET_GUEST_DEBUG:
	case KVM_CAP_USER_NMI:
	case KVM_CAP_IRQCHIP:
	case KVM_CAP_SPLIT_IRQCHIP:
	case KVM_CAP_TSC_DEADLINE_TIMER:
	case KVM_CAP_SYS_ATTRIBUTES:
		return 1;
	case KVM_CAP_XSAVE2:
		/* Bytes of KVM_GET_XSAVE2: every component we offer fits in 4 KiB. */
		return sizeof(struct kvm_xsave);
	case KVM_CAP_XSAVE:
	case KVM_CAP_XCRS:
		return boot_cpu_has(X86_FEATURE_XSAVE);
	case KVM_CAP_MCE:
		return KVM_X86_MAX_MCE_BANKS;
	case KVM_CAP_GET_MSR_FEATURES:
	case KVM_CAP_X86_USER_SPACE_MSR:
	case KVM_CAP_X86_MSR_FILTER:
		return 1;
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		return KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET;
	case KVM_CAP_NR_VCPUS:
		return min_t(int, num_online_cpus(), KVM_CORE_MAX_VCPUS);
	case KVM_CAP_MAX_VCPUS:
		return KVM_CORE_MAX_VCPUS;
	case KVM_CAP_MAX_VCPU_ID:
		return KVM_CORE_MAX_VCPU_IDS;
	case KVM_CAP_NR_MEMSLOTS:
		return KVM_CORE_USER_MEM_SLOTS;
	case KVM_CAP_GET_TSC_KHZ:
	case KVM_CAP_TSC_CONTROL:
	case KVM_CAP_VM_TSC_CONTROL:
	case KVM_CAP_ADJUST_CLOCK:
	case KVM_CAP_KVMCLOCK_CTRL:
	case KVM_CAP_VCPU_ATTRIBUTES:
		return kvmx86_time_check_extension(cap);
	case KVM_CAP_PIT2:
	case KVM_CAP_PIT_STATE2:
	case KVM_CAP_REINJECT_CONTROL:
		return 1;
	case KVM_CAP_X2APIC_API:
		return KVM_X2APIC_API_USE_32BIT_IDS | KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK;
	default:
		return 0;
	}
}

/*
 * KVM_HAS_DEVICE_ATTR / KVM_GET_DEVICE_ATTR on /dev/kvm.  Group 0 is the only
 * group and holds one attribute: the XCR0 bits a guest may enable, the same set
 * KVM_GET_SUPPORTED_CPUID reports in leaf 0xd.  Like Linux 6.1, the flags field
 * is not looked at here; an unknown group or attribute is ENXIO, an address
 * that does not fit a pointer or cannot be written is EFAULT.
 */
static long kvmx86_dev_attr(unsigned int ioctl, void __user *argp)
{
	struct kvm_device_attr attr;
	u64 xcr0;

	if (copy_from_user(&attr, argp, sizeof(attr)))
		return -EFAULT;
	if (attr.group != 0 || attr.attr != KVM_X86_XCOMP_GUEST_SUPP)
		return -ENXIO;
	if (ioctl == KVM_HAS_DEVICE_ATTR)
		return 0;
	if ((u64)(unsigned long)attr.addr != attr.addr)
		return -EFAULT;
	xcr0 = kvmx86_supported_xcr0();
	if (put_user(xcr0, (u64 __user *)(unsigned long)attr.addr))
		return -EFAULT;
	return 0;
}

long kvm_arch_dev_ioctl(unsigned int ioctl, unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_SUPPORTED_CPUID:
		return kvmx86_get_supported_cpuid((void __user *)arg);
	case KVM_GET_MSR_INDEX_LIST:
		return kvmx86_get_msr_index_list((void __user *)arg);
	case KVM_GET_MSR_FEATURE_INDEX_LIST:
		return kvmx86_get_msr_feature_index_list((void __user *)arg);
	case KVM_GET_MSRS:
		return kvmx86_get_feature_msrs((void __user *)arg);
	case KVM_HAS_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
		return kvmx86_dev_attr(ioctl, (void __user *)arg);
	case KVM_X86_GET_MCE_CAP_SUPPORTED: {
		u64 cap = kvmx86_mce_cap_supported();

		return copy_to_user((void __user *)arg, &cap, sizeof(cap)) ? -EFAULT : 0;
	}
	default:
		return -EINVAL;
	}
}

int kvm_arch_vm_init(struct kvm_vm *vm, unsigned long type)
{
	struct kvm_x86_vm *xvm;
	int r;

	if (type)
		return -EINVAL;
	xvm = kzalloc(sizeof(*xvm), GFP_KERNEL_ACCOUNT);
	if (!xvm)
		return -ENOMEM;
	vm->arch = xvm;
	kvmx86_tsc_vm_init(vm);
	kvmx86_clock_vm_init(vm);
	r = kvm_tdp_init(vm);
	if (r)
		goto err_free;
	r = kvm_x86_ops->vm_init(vm);
	if (r)
		goto err_tdp;
	return 0;

err_tdp:
	kvm_tdp_destroy(vm);
err_free:
	kfree(xvm);
	vm->arch = NULL;
	return r;
}

void kvm_arch_vm_pre_destroy(struct kvm_vm *vm)
{
	kvmx86_pit_destroy(vm);
}

void kvm_arch_vm_destroy(struct kvm_vm *vm)
{
	if (!vm->arch)
		return;
	kvmx86_irqchip_destroy(vm);
	kvm_x86_ops->vm_destroy(vm);
	kvmx86_msr_filter_destroy(vm);
	kvm_tdp_destroy(vm);
	kfree(vm->arch);
	vm->arch = NULL;
}

int kvm_arch_vm_enable_cap(struct kvm_vm *vm, struct kvm_enable_cap *cap)
{
	struct kvm_x86_vm *xvm = vm->arch;

	if (cap->flags)
		return -EINVAL;
	switch (cap->cap) {
	case KVM_CAP_X86_USER_SPACE_MSR:
		return kvmx86_enable_user_space_msr(vm, cap->args[0]);
	case KVM_CAP_EXCEPTION_PAYLOAD:
		WRITE_ONCE(xvm->exception_payload, !!cap->args[0]);
		return 0;
	case KVM_CAP_SPLIT_IRQCHIP:
		return kvmx86_irqchip_enable_split(vm, cap);
	case KVM_CAP_X2APIC_API:
		return kvmx86_enable_x2apic_api(vm, cap->args[0]);
	default:
		return -EINVAL;
	}
}

long kvm_arch_vm_ioctl(struct kvm_vm *vm, unsigned int ioctl, unsigned long arg)
{
	struct kvm_x86_vm *xvm = vm->arch;

	switch (ioctl) {
	case KVM_SET_TSS_ADDR:
		/* Only VMX without unrestricted guest needs these three pages; accept. */
		if (arg > 0xffffffffUL - 3 * PAGE_SIZE)
			return -EINVAL;
		xvm->tss_addr = arg;
		return 0;
	case KVM_SET_IDENTITY_MAP_ADDR: {
		u64 addr;

		if (copy_from_user(&addr, (void __user *)arg, sizeof(addr)))
			return -EFAULT;
		mutex_lock(&vm->lock);
		if (vm->nr_vcpus) {
			mutex_unlock(&vm->lock);
			return -EINVAL;
		}
		xvm->identity_map_addr = addr;
		mutex_unlock(&vm->lock);
		return 0;
	}
	case KVM_X86_SET_MSR_FILTER:
		return kvmx86_set_msr_filter(vm, (void __user *)arg);
	case KVM_GET_TSC_KHZ:
	case KVM_SET_TSC_KHZ:
		return kvmx86_tsc_vm_ioctl(vm, ioctl, arg);
	case KVM_GET_CLOCK:
	case KVM_SET_CLOCK:
		return kvmx86_clock_vm_ioctl(vm, ioctl, arg);
	case KVM_CREATE_PIT:
	case KVM_CREATE_PIT2:
	case KVM_GET_PIT:
	case KVM_SET_PIT:
	case KVM_GET_PIT2:
	case KVM_SET_PIT2:
	case KVM_REINJECT_CONTROL:
		return kvmx86_pit_vm_ioctl(vm, ioctl, arg);
	default:
		return kvmx86_irqchip_vm_ioctl(vm, ioctl, (void __user *)arg);
	}
}
