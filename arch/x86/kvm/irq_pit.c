// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-kernel 8254 PIT: the kernel side of the pure model irqchip/vpit.c
 * (Documentation/virt/kvm/irqchip.rst).  KVM_CREATE_PIT2 puts it on the port
 * I/O bus at 0x40-0x43 (and 0x61 with KVM_PIT_SPEAKER_DUMMY); counter 0 runs on
 * an hrtimer and raises GSI 0 through the VM's routing (kvm_set_irq with
 * KVM_IRQ_SOURCE_PIT).  KVM_GET/SET_PIT(2) save and restore it,
 * KVM_REINJECT_CONTROL chooses between delivering every tick and coalescing.
 *
 * The hrtimer and the acknowledgement of IRQ0 (PIC IR0 or IOAPIC pin 2) only
 * set a flag and queue the PIT's work item; the model runs in process context:
 * in the work item, in the vCPU thread (port accesses) or in ioctls.
 *
 * A tick raised while every pin of GSI 0 was masked may never be acknowledged
 * (an IOAPIC drops edges on masked pins), which would stop reinjection for
 * good.  Linux forgets missed ticks when the line is unmasked; here each expiry
 * looks at the masks and tells the model when they went from all masked to
 * not, so ticks resume at most one period after the unmask.
 *
 * Lock order: vm->lock (creation), then pit->lock (a mutex: every model call),
 * then whatever kvm_set_irq() takes (the irqchip's spinlocks).
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/hrtimer.h>
#include <linux/workqueue.h>
#include <linux/uaccess.h>
#include <linux/kvm_arch.h>
#include <linux/kvm_irq.h>
#include <linux/kvm_iobus.h>
#include "x86.h"
#include "irq.h"
#include "irqchip/vpit.h"

static_assert(sizeof(struct vpit_state) == sizeof(struct kvm_pit_state2));
static_assert(sizeof(struct vpit_channel_state) == sizeof(struct kvm_pit_channel_state));

struct kvmx86_pit {
	struct kvm_vm *vm;
	struct mutex lock;		/* the PIT lock of vpit.h */
	struct vpit model;		/* lock */
	bool dying;			/* lock: no more timer arming */

	struct hrtimer timer;		/* counter 0: vpit_timer_expired() is due */
	struct work_struct work;	/* runs due expiries and acks */
	atomic_t expired;		/* set by the hrtimer, taken by the work */
	atomic_t acked;			/* set by the ack hook, taken by the work */
	bool irq0_masked;		/* lock: every pin of GSI 0 masked at the last tick */

	struct kvm_io_device pio;	/* 0x40-0x43 */
	struct kvm_io_device speaker;	/* 0x61 (KVM_PIT_SPEAKER_DUMMY) */
	bool speaker_on;
};

static struct kvmx86_pit *pit_of(struct kvm_vm *vm)
{
	return smp_load_acquire(&((struct kvm_x86_vm *)vm->arch)->pit);
}

/* ---- platform callbacks of the model (pit->lock held) ---- */

static u64 pit_now_ns(void *opaque)
{
	return ktime_get_ns();
}

/* Without an in-kernel irqchip IRQ0 leads nowhere: no timer (as Linux). */
static void pit_timer_arm(void *opaque, u64 expire_ns)
{
	struct kvmx86_pit *pit = opaque;

	if (!pit->dying && kvm_arch_irqchip_in_kernel(pit->vm))
		hrtimer_start(&pit->timer, ns_to_ktime(expire_ns), HRTIMER_MODE_ABS);
}

/* Never waits: the work item may run while the callback does (an early call is harmless). */
static void pit_timer_cancel(void *opaque)
{
	struct kvmx86_pit *pit = opaque;

	hrtimer_try_to_cancel(&pit->timer);
}

static void pit_set_irq0(void *opaque, bool level)
{
	struct kvmx86_pit *pit = opaque;

	kvm_set_irq(pit->vm, KVM_IRQ_SOURCE_PIT, 0, level, false);
}

static const struct vpit_ops kvmx86_pit_ops = {
	.now_ns		= pit_now_ns,
	.timer_arm	= pit_timer_arm,
	.timer_cancel	= pit_timer_cancel,
	.set_irq0	= pit_set_irq0,
};

/* ---- deferred work ---- */

static enum hrtimer_restart pit_timer_fn(struct hrtimer *t)
{
	struct kvmx86_pit *pit = container_of(t, struct kvmx86_pit, timer);

	atomic_set(&pit->expired, 1);
	schedule_work(&pit->work);
	return HRTIMER_NORESTART;
}

/* Every pin GSI 0 is routed to is masked (false when it is routed nowhere). */
static bool pit_irq0_masked(struct kvmx86_pit *pit)
{
	static const u32 chips[] = { KVM_IRQCHIP_PIC_MASTER, KVM_IRQCHIP_IOAPIC };
	static const u32 pins[] = { 8, VIOAPIC_NUM_PINS };
	bool routed = false;
	u32 i, pin;

	for (i = 0; i < ARRAY_SIZE(chips); i++) {
		for (pin = 0; pin < pins[i]; pin++) {
			if (kvm_irq_pin_gsi(pit->vm, chips[i], pin) != 0)
				continue;
			if (!kvmx86_irqchip_pin_masked(pit->vm, chips[i], pin))
				return false;
			routed = true;
		}
	}
	return routed;
}

static void pit_work_fn(struct work_struct *w)
{
	struct kvmx86_pit *pit = container_of(w, struct kvmx86_pit, work);
	bool masked;

	mutex_lock(&pit->lock);
	if (atomic_xchg(&pit->expired, 0)) {
		masked = pit_irq0_masked(pit);
		if (pit->irq0_masked && !masked)
			vpit_irq_mask_changed(&pit->model, false);
		pit->irq0_masked = masked;
		vpit_timer_expired(&pit->model);
	}
	if (atomic_xchg(&pit->acked, 0))
		vpit_irq_acked(&pit->model);
	mutex_unlock(&pit->lock);
}

/*
 * The guest acknowledged a pin: if GSI 0 is routed to it (PIC master IR0; the
 * IOAPIC pin the VMM routed GSI 0 to, pin 2 in QEMU's table), the next
 * reinjected tick may go.  Any context, no irqchip lock held.
 */
void kvmx86_pit_irq_acked(struct kvm_vm *vm, u32 irqchip, u32 pin)
{
	struct kvmx86_pit *pit = pit_of(vm);

	if (!pit || kvm_irq_pin_gsi(vm, irqchip, pin) != 0)
		return;
	atomic_set(&pit->acked, 1);
	schedule_work(&pit->work);
}

/* ---- port I/O (vCPU thread, under the bus's SRCU) ---- */

static int pit_io_read(struct kvm_vcpu *vcpu, struct kvm_io_device *dev, u64 addr, int len,
		       void *val)
{
	struct kvmx86_pit *pit = container_of(dev, struct kvmx86_pit, pio);
	bool ok;

	/* Only byte accesses reach the 8254 (as Linux); wider ones go to userspace. */
	if (len != 1)
		return -EOPNOTSUPP;
	mutex_lock(&pit->lock);
	ok = vpit_ioport_read(&pit->model, addr, val);
	mutex_unlock(&pit->lock);
	return ok ? 0 : -EOPNOTSUPP;
}

static int pit_io_write(struct kvm_vcpu *vcpu, struct kvm_io_device *dev, u64 addr, int len,
			const void *val)
{
	struct kvmx86_pit *pit = container_of(dev, struct kvmx86_pit, pio);
	bool ok;

	if (len != 1)
		return -EOPNOTSUPP;
	mutex_lock(&pit->lock);
	ok = vpit_ioport_write(&pit->model, addr, *(const u8 *)val);
	mutex_unlock(&pit->lock);
	return ok ? 0 : -EOPNOTSUPP;
}

static const struct kvm_io_device_ops pit_io_ops = {
	.read	= pit_io_read,
	.write	= pit_io_write,
};

static int speaker_io_read(struct kvm_vcpu *vcpu, struct kvm_io_device *dev, u64 addr, int len,
			   void *val)
{
	struct kvmx86_pit *pit = container_of(dev, struct kvmx86_pit, speaker);

	return pit_io_read(vcpu, &pit->pio, addr, len, val);
}

static int speaker_io_write(struct kvm_vcpu *vcpu, struct kvm_io_device *dev, u64 addr, int len,
			    const void *val)
{
	struct kvmx86_pit *pit = container_of(dev, struct kvmx86_pit, speaker);

	return pit_io_write(vcpu, &pit->pio, addr, len, val);
}

static const struct kvm_io_device_ops speaker_io_ops = {
	.read	= speaker_io_read,
	.write	= speaker_io_write,
};

/* ---- life ---- */

static long pit_create(struct kvm_vm *vm, u32 flags)
{
	struct kvm_x86_vm *xvm = vm->arch;
	struct kvmx86_pit *pit;
	long r;

	mutex_lock(&vm->lock);
	/*
	 * Linux 6.1 makes a PIT without an in-kernel irqchip too: its ports work,
	 * counter 0 just raises nothing (see pit_timer_arm).
	 */
	r = -EEXIST;
	if (xvm->pit)
		goto out;
	r = -ENOMEM;
	pit = kzalloc(sizeof(*pit), GFP_KERNEL_ACCOUNT);
	if (!pit)
		goto out;
	pit->vm = vm;
	mutex_init(&pit->lock);
	hrtimer_init(&pit->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	pit->timer.function = pit_timer_fn;
	INIT_WORK(&pit->work, pit_work_fn);
	mutex_lock(&pit->lock);
	vpit_init(&pit->model, &kvmx86_pit_ops, pit);
	/* As Linux's min_timer_period_us: no periodic IRQ0 faster than every 200 us. */
	pit->model.min_period_ns = 200 * NSEC_PER_USEC;
	mutex_unlock(&pit->lock);

	pit->pio.ops = &pit_io_ops;
	r = kvm_io_bus_register(vm, KVM_PIO_BUS, VPIT_PORT_COUNTER0, 4, &pit->pio);
	if (r)
		goto err_free;
	if (flags & KVM_PIT_SPEAKER_DUMMY) {
		pit->speaker.ops = &speaker_io_ops;
		r = kvm_io_bus_register(vm, KVM_PIO_BUS, VPIT_PORT_SPEAKER, 1, &pit->speaker);
		if (r)
			goto err_pio;
		pit->speaker_on = true;
	}
	smp_store_release(&xvm->pit, pit);
	mutex_unlock(&vm->lock);
	return 0;

err_pio:
	kvm_io_bus_unregister(vm, KVM_PIO_BUS, &pit->pio);
err_free:
	hrtimer_cancel(&pit->timer);
	kfree(pit);
out:
	mutex_unlock(&vm->lock);
	return r;
}

/*
 * VM teardown, before the vCPUs and the irqchip go: nothing may raise IRQ0
 * after this returns.  No other user of the VM is left.
 */
void kvmx86_pit_destroy(struct kvm_vm *vm)
{
	struct kvm_x86_vm *xvm = vm->arch;
	struct kvmx86_pit *pit = xvm ? xvm->pit : NULL;

	if (!pit)
		return;
	if (pit->speaker_on)
		kvm_io_bus_unregister(vm, KVM_PIO_BUS, &pit->speaker);
	kvm_io_bus_unregister(vm, KVM_PIO_BUS, &pit->pio);
	mutex_lock(&pit->lock);
	pit->dying = true;
	mutex_unlock(&pit->lock);
	/* The work may have armed the timer once more before it saw dying. */
	hrtimer_cancel(&pit->timer);
	cancel_work_sync(&pit->work);
	hrtimer_cancel(&pit->timer);
	xvm->pit = NULL;
	kfree(pit);
}

/* ---- ioctls ---- */

static long pit_get_state(struct kvmx86_pit *pit, struct vpit_state *s)
{
	mutex_lock(&pit->lock);
	vpit_get_state(&pit->model, s);
	mutex_unlock(&pit->lock);
	return 0;
}

/* KVM_SET_PIT leaves the flags alone; KVM_SET_PIT2 sets them too. */
static void pit_set_state(struct kvmx86_pit *pit, const struct vpit_state *in, bool flags)
{
	struct vpit_state s;

	mutex_lock(&pit->lock);
	vpit_get_state(&pit->model, &s);
	memcpy(s.channels, in->channels, sizeof(s.channels));
	if (flags)
		s.flags = in->flags;
	vpit_set_state(&pit->model, &s);
	mutex_unlock(&pit->lock);
}

/*
 * KVM_CREATE_PIT(2), KVM_GET/SET_PIT(2), KVM_REINJECT_CONTROL.  No lock held on
 * entry.  The argument is read before the PIT is looked up, as Linux does, so
 * a bad pointer is EFAULT even without a PIT.
 */
long kvmx86_pit_vm_ioctl(struct kvm_vm *vm, unsigned int ioctl, unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	struct kvm_reinject_control rc;
	struct kvm_pit_config cfg;
	struct kvmx86_pit *pit;
	struct vpit_state s;

	switch (ioctl) {
	case KVM_CREATE_PIT:
		return pit_create(vm, KVM_PIT_SPEAKER_DUMMY);
	case KVM_CREATE_PIT2:
		if (copy_from_user(&cfg, argp, sizeof(cfg)))
			return -EFAULT;
		return pit_create(vm, cfg.flags);
	case KVM_GET_PIT:
	case KVM_SET_PIT:
		if (copy_from_user(&s.channels, argp, sizeof(struct kvm_pit_state)))
			return -EFAULT;
		pit = pit_of(vm);
		if (!pit)
			return -ENXIO;
		if (ioctl == KVM_SET_PIT) {
			pit_set_state(pit, &s, false);
			return 0;
		}
		pit_get_state(pit, &s);
		return copy_to_user(argp, &s.channels, sizeof(struct kvm_pit_state)) ? -EFAULT : 0;
	case KVM_GET_PIT2:
		pit = pit_of(vm);
		if (!pit)
			return -ENXIO;
		pit_get_state(pit, &s);
		return copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
	case KVM_SET_PIT2:
		if (copy_from_user(&s, argp, sizeof(s)))
			return -EFAULT;
		pit = pit_of(vm);
		if (!pit)
			return -ENXIO;
		pit_set_state(pit, &s, true);
		return 0;
	case KVM_REINJECT_CONTROL:
		if (copy_from_user(&rc, argp, sizeof(rc)))
			return -EFAULT;
		pit = pit_of(vm);
		if (!pit)
			return -ENXIO;
		mutex_lock(&pit->lock);
		vpit_set_reinject(&pit->model, rc.pit_reinject);
		mutex_unlock(&pit->lock);
		return 0;
	}
	return -ENOTTY;
}
