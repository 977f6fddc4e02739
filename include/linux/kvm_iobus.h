/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * In-kernel I/O buses: devices that claim guest port I/O or MMIO accesses
 * before they exit to userspace (ioeventfd, coalesced MMIO zones, the LAPIC,
 * IOAPIC, PIC and PIT).
 *
 * A device is registered on one bus for a range [addr, addr + len); it is
 * offered every access that lies wholly inside the range.  A range of length 0
 * is offered every access that starts at addr, whatever its length (the
 * any-length ioeventfd).  Ranges may overlap: the devices whose ranges match an
 * access are tried in the order (addr, len) ascending, registration order for
 * equal ranges, until one handles it.
 *
 * Device callbacks run in the vCPU thread, process context, preemption
 * enabled, inside an SRCU read section of the bus.  They may take spinlocks and
 * mutexes (none that is held across kvm_io_bus_register/unregister) but must not
 * wait for the guest.  Both return 0 when they handled the access and
 * -EOPNOTSUPP when they do not claim it.
 *
 * Lock order: vm->lock, then the callers' own locks (ioeventfd, coalesced MMIO),
 * then the bus writers' mutex (iobus.c).  Readers take no lock.
 */
#ifndef KVM_IOBUS_H
#define KVM_IOBUS_H

#include <linux/types.h>

struct kvm_vm;
struct kvm_vcpu;
struct kvm_io_device;

enum kvm_io_bus_id {
	KVM_PIO_BUS,
	KVM_MMIO_BUS,
	KVM_NR_IO_BUSES,
};

/* Most devices on one bus (the same limit as Linux); past it register gives -ENOSPC. */
#define KVM_IO_BUS_MAX_DEVICES	1000

struct kvm_io_device_ops {
	int (*read)(struct kvm_vcpu *vcpu, struct kvm_io_device *dev, u64 addr, int len,
		    void *val);
	int (*write)(struct kvm_vcpu *vcpu, struct kvm_io_device *dev, u64 addr, int len,
		     const void *val);
};

/* Embedded in the device's own structure; ops may leave read or write NULL. */
struct kvm_io_device {
	const struct kvm_io_device_ops *ops;
};

/*
 * Add dev on bus for [addr, addr + len).  Any context that may sleep; vm->lock
 * may be held.  Returns 0, -EINVAL (range wraps, bad bus), -ENOSPC (bus full)
 * or -ENOMEM.  One device may be registered once per bus.
 */
int kvm_io_bus_register(struct kvm_vm *vm, enum kvm_io_bus_id bus, u64 addr, u32 len,
			struct kvm_io_device *dev);
/*
 * Remove every range of dev on bus.  Returns once no reader can still call dev:
 * the caller may free it then.  Must not be called from a device callback.
 */
void kvm_io_bus_unregister(struct kvm_vm *vm, enum kvm_io_bus_id bus, struct kvm_io_device *dev);

/*
 * Offer an access to the devices of bus.  Returns 0 when a device handled it
 * (for a read, val is filled in), -EOPNOTSUPP when none claimed it.
 * Caller: the vCPU thread, vcpu->mutex held.
 */
int kvm_io_bus_read(struct kvm_vcpu *vcpu, enum kvm_io_bus_id bus, u64 addr, int len, void *val);
int kvm_io_bus_write(struct kvm_vcpu *vcpu, enum kvm_io_bus_id bus, u64 addr, int len,
		     const void *val);

#endif /* KVM_IOBUS_H */
