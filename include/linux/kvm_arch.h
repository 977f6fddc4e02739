/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The boundary between the generic core (virt/kvm) and architecture code
 * (arch/<arch>/kvm).  Every hook the core calls is declared here, with its
 * caller, the locks held on entry and what its return value means.  Architecture
 * code links into the same module as the core (kvm.ko).
 */
#ifndef KVM_ARCH_H
#define KVM_ARCH_H

#include <linux/kvm_core.h>

struct file;

/*
 * Module init and exit of kvm.ko: set up and tear down architecture-wide state.
 * Caller: kvm_core_init()/kvm_core_exit() in dev.c; no locks.  Returns 0 or -errno.
 */
int kvm_arch_init(void);
void kvm_arch_exit(void);

/*
 * KVM_CHECK_EXTENSION for capabilities the core does not answer itself.
 * Caller: dev.c for /dev/kvm (vm == NULL) and vm.c for a VM fd; no locks held.
 * Returns the capability's value, 0 when not supported.
 */
int kvm_arch_check_extension(struct kvm_vm *vm, long cap);

/*
 * System ioctls on /dev/kvm that are architecture specific (e.g. supported CPUID).
 * Caller: dev.c; no locks held.  Returns >= 0 or -errno; -ENOTTY for unknown ioctls.
 */
long kvm_arch_dev_ioctl(unsigned int ioctl, unsigned long arg);

/*
 * Create and destroy the architecture part of a VM (vm->arch).
 * kvm_arch_vm_init: caller kvm_dev_create_vm() before the VM is visible to anyone;
 * type is the KVM_CREATE_VM argument.  Returns 0 or -errno (-EINVAL for a bad type).
 * kvm_arch_vm_destroy: caller the last kvm_vm_put(), after every vCPU is destroyed.
 */
int kvm_arch_vm_init(struct kvm_vm *vm, unsigned long type);
void kvm_arch_vm_destroy(struct kvm_vm *vm);

/*
 * First step of VM teardown: stop the architecture's own interrupt sources
 * (in-kernel timers such as the PIT) while the vCPUs and the irqchip still
 * exist.  Caller: the last kvm_vm_put(), before any vCPU is destroyed; no other
 * user of the VM is left.
 */
void kvm_arch_vm_pre_destroy(struct kvm_vm *vm);

/*
 * VM ioctls that the core does not handle.  Caller: vm.c, no locks held.
 * Returns >= 0 or -errno; -ENOTTY for an unknown ioctl.
 */
long kvm_arch_vm_ioctl(struct kvm_vm *vm, unsigned int ioctl, unsigned long arg);

/*
 * Create and destroy the architecture part of a vCPU (vcpu->arch).
 * kvm_arch_vcpu_create: caller kvm_vm_create_vcpu() with vm->lock held, before the
 * vCPU is visible.  Returns 0 or -errno.
 * kvm_arch_vcpu_destroy: caller the VM's final put; no locks, no other user left.
 */
int kvm_arch_vcpu_create(struct kvm_vcpu *vcpu);
void kvm_arch_vcpu_destroy(struct kvm_vcpu *vcpu);

/*
 * vCPU ioctls other than KVM_RUN that the core does not handle.
 * Caller: vcpu.c with vcpu->mutex held.  Returns >= 0 or -errno; -ENOTTY if unknown.
 */
long kvm_arch_vcpu_ioctl(struct kvm_vcpu *vcpu, unsigned int ioctl, unsigned long arg);

/*
 * KVM_RUN: run the guest until an exit that needs userspace (returns 0 with
 * vcpu->run->exit_reason filled in), a signal (-EINTR, exit_reason KVM_EXIT_INTR),
 * or an error (-errno).  Caller: vcpu.c with vcpu->mutex held and the signal
 * mask of KVM_SET_SIGNAL_MASK applied.
 */
int kvm_arch_vcpu_run(struct kvm_vcpu *vcpu);

/*
 * KVM_ENABLE_CAP on a VM fd.  Caller: vm.c, no locks held.  Returns 0 or -errno
 * (-EINVAL for a capability that cannot be enabled or bad flags/args).
 */
int kvm_arch_vm_enable_cap(struct kvm_vm *vm, struct kvm_enable_cap *cap);

/*
 * Interrupt routing targets (<linux/kvm_irq.h>).
 * kvm_arch_set_irq_route: drive the target of one route of a GSI (an irqchip pin
 * or an MSI) to level on behalf of source (KVM_IRQ_SOURCE_*); MSI routes fire
 * on level 1 and ignore 0.  Caller: kvm_set_irq() (KVM_IRQ_LINE, irqfd work,
 * resampler acks, in-kernel devices) and KVM_SIGNAL_MSI, inside an SRCU read
 * section of the routing table; may be any context the arch's own callers of
 * kvm_set_irq() use, so it must not sleep.  Returns > 0 delivered, 0
 * coalesced or masked, < 0 not delivered (e.g. -ENXIO: no irqchip).
 * kvm_arch_irqchip_in_kernel: KVM_CREATE_IRQCHIP done (PIC, IOAPIC and LAPICs
 * in the kernel).  kvm_arch_lapic_in_kernel: LAPICs in the kernel (full or
 * split irqchip).  Any context, no locks needed.
 */
struct kvm_irq_route;
int kvm_arch_set_irq_route(struct kvm_vm *vm, const struct kvm_irq_route *r, int source,
			   int level, bool line_status);
bool kvm_arch_irqchip_in_kernel(struct kvm_vm *vm);
bool kvm_arch_lapic_in_kernel(struct kvm_vm *vm);

#endif /* KVM_ARCH_H */
