// SPDX-License-Identifier: GPL-2.0-only
/*
 * In-kernel local APIC glue: one vlapic per vCPU behind the xAPIC MMIO page,
 * the x2APIC MSRs and IA32_APIC_BASE / IA32_TSC_DEADLINE; its timer on an
 * hrtimer; IPIs and IOAPIC/MSI messages delivered to the VM's LAPICs; the run
 * loop's side (pending interrupt, INIT/SIPI, HLT sleep) and MP_STATE.
 *
 * Lock order: vcpu->mutex -> chip->map_lock -> lapic->lock (see irq.h for the
 * whole irqchip).  The hrtimer callback takes no lock: it sets
 * lapic->timer_expired and kicks the vCPU, whose thread runs the model.
 */
#include <linux/sched/stat.h>
#include <linux/kvm_arch.h>
#include <linux/kvm_memslot.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/tsc.h>
#include <asm/msr-index.h>
#include "irq.h"

/* Busy-wait this long for a wake-up before a halted vCPU sleeps. */
static unsigned int halt_poll_ns = 20000;
module_param(halt_poll_ns, uint, 0644);
MODULE_PARM_DESC(halt_poll_ns, "ns a halted vCPU polls for an event before it sleeps");

/* Floor of periodic LAPIC timer periods (Linux's min_timer_period_us default). */
#define LAPIC_MIN_PERIOD_NS	200000ULL

#define CPUID1_ECX_X2APIC	BIT(21)
#define CPUID1_ECX_TSC_DEADLINE	BIT(24)

/* ---- platform callbacks of the model (lapic->lock held) ---- */

static u64 lapic_now_ns(void *opaque)
{
	return ktime_get_ns();
}

static u64 lapic_read_tsc(void *opaque)
{
	struct kvmx86_lapic *l = opaque;

	return kvmx86_read_guest_tsc(l->v, rdtsc());
}

static void lapic_timer_arm(void *opaque, u64 expire_ns)
{
	struct kvmx86_lapic *l = opaque;

	/* A deadline beyond ktime's range (a far TSC deadline) never comes. */
	if (expire_ns > KTIME_MAX)
		expire_ns = KTIME_MAX;
	hrtimer_start(&l->timer, ns_to_ktime(expire_ns), HRTIMER_MODE_ABS_HARD);
}

static void lapic_timer_cancel(void *opaque)
{
	struct kvmx86_lapic *l = opaque;

	hrtimer_try_to_cancel(&l->timer);
}

static void lapic_park_ipi(void *opaque, struct vlapic *vl, const struct irq_msg *msg)
{
	struct kvmx86_lapic *l = opaque;

	l->ipi = *msg;
	l->ipi_queued = true;
}

static void lapic_park_eoi(void *opaque, u8 vector, bool level)
{
	struct kvmx86_lapic *l = opaque;

	l->eoi_vector = vector;
	l->eoi_level = level;
	l->eoi_queued = true;
}

static const struct vlapic_ops kvmx86_vlapic_ops = {
	.now_ns		= lapic_now_ns,
	.read_tsc	= lapic_read_tsc,
	.timer_arm	= lapic_timer_arm,
	.timer_cancel	= lapic_timer_cancel,
	.send_ipi	= lapic_park_ipi,
	.eoi_broadcast	= lapic_park_eoi,
};

static enum hrtimer_restart lapic_timer_fn(struct hrtimer *t)
{
	struct kvmx86_lapic *l = container_of(t, struct kvmx86_lapic, timer);
	struct kvm_vcpu *vcpu = l->v->vcpu;

	atomic_set(&l->timer_expired, 1);
	kvm_vcpu_request(vcpu, KVM_REQ_EVENT);
	kvm_vcpu_kick(vcpu);
	return HRTIMER_NORESTART;
}

/* ---- locking helpers: park under the lock, act after dropping it ---- */

/*
 * Lock @l; with @map also the VM's map lock (writers of ID, LDR, DFR, SVR,
 * APIC base), which comes first.
 */
static void lapic_lock(struct kvmx86_lapic *l, bool map, unsigned long *flags)
{
	if (map)
		write_lock_irqsave(&l->chip->map_lock, *flags);
	else
		local_irq_save(*flags);
	spin_lock(&l->lock);
}

static void lapic_unlock(struct kvmx86_lapic *l, bool map, unsigned long flags)
{
	struct kvmx86_irqchip *chip = l->chip;
	bool ipi = l->ipi_queued, eoi = l->eoi_queued, level = l->eoi_level;
	struct irq_msg msg = l->ipi;
	u8 vector = l->eoi_vector;

	l->ipi_queued = false;
	l->eoi_queued = false;
	spin_unlock(&l->lock);
	if (map)
		write_unlock_irqrestore(&chip->map_lock, flags);
	else
		local_irq_restore(flags);

	if (ipi)
		kvmx86_irq_deliver(chip, &msg, l->v->vcpu->index);
	if (eoi && chip->mode == KVMX86_IRQCHIP_KERNEL)
		kvmx86_irqchip_ioapic_eoi(chip, vector);
	/*
	 * Split irqchip: the IOAPIC is userspace's, told by KVM_EXIT_IOAPIC_EOI.
	 * Linux exits for the vectors of level-triggered MSI routes below the
	 * reserved pins; we exit for every vector accepted level-triggered (TMR),
	 * which is what those routes deliver.  Register writes come from the
	 * vCPU's own thread, which leaves KVM_RUN at its next loop iteration.
	 */
	if (eoi && level && chip->mode == KVMX86_IRQCHIP_SPLIT)
		l->user_eoi = vector;
}

/* Keep the model's view of the guest CPUID (x2APIC, TSC deadline) and TSC rate current. */
static void lapic_sync_cpuid(struct kvmx86_lapic *l, bool host)
{
	struct kvm_x86_vcpu *v = l->v;
	u32 ecx = 0, i;

	for (i = 0; i < v->cpuid_nent; i++) {
		if (v->cpuid[i].function == 1) {
			ecx = v->cpuid[i].ecx;
			break;
		}
	}
	l->vl.cfg.x2apic_allowed = ecx & CPUID1_ECX_X2APIC;
	/* KVM_SET_TSC_KHZ may have changed the rate TSC deadlines count in. */
	l->vl.cfg.tsc_khz = kvmx86_guest_tsc_khz(v);
	/* Userspace may always save and restore IA32_TSC_DEADLINE. */
	l->vl.cfg.tsc_deadline_allowed = host || (ecx & CPUID1_ECX_TSC_DEADLINE);
}

/* ---- delivery of messages to the VM's LAPICs ---- */

/*
 * Deliver @msg to the LAPICs it addresses (@source: index of the sending vCPU
 * for shorthands, -1 for MSIs, KVMX86_IRQ_FROM_IOAPIC for the IOAPIC).  Any
 * context; takes map_lock and each target's lock.  Returns the number of LAPICs
 * that took something new; 0 also when no LAPIC is addressed at all (what
 * Linux's destination-map path reports).
 *
 * The EOI of an edge vector the IOAPIC sent is broadcast back to it as well
 * (vlapic_set_eoi_notify), so that acknowledgement listeners of edge pins hear
 * it: the PIT's reinjection waits for the ack of each tick (Linux does the same
 * for vectors of pins with ack notifiers).
 */
int kvmx86_irq_deliver(struct kvmx86_irqchip *chip, const struct irq_msg *msg, int source)
{
	u64 mask[KVM_CORE_MAX_VCPUS / 64];
	unsigned long flags;
	int n = 0;
	u32 i, nr;

	read_lock_irqsave(&chip->map_lock, flags);
	nr = vlapic_dest_set(chip->vl, chip->nr_lapics, msg, source < 0 ? -1 : source, mask);
	if (!nr) {
		read_unlock_irqrestore(&chip->map_lock, flags);
		return 0;
	}
	for (i = 0; i < chip->nr_lapics; i++) {
		struct kvmx86_lapic *l = chip->lapic[i];
		bool kick;

		if (!(mask[i / 64] & (1ULL << (i % 64))) || !l)
			continue;
		spin_lock(&l->lock);
		if (source == KVMX86_IRQ_FROM_IOAPIC && !msg->level_trigger)
			vlapic_set_eoi_notify(&l->vl, msg->vector, true);
		kick = vlapic_deliver(&l->vl, msg);
		spin_unlock(&l->lock);
		if (kick) {
			n++;
			kvm_vcpu_request(l->v->vcpu, KVM_REQ_EVENT);
			kvm_vcpu_kick(l->v->vcpu);
		}
	}
	read_unlock_irqrestore(&chip->map_lock, flags);
	return n;
}

/* ---- xAPIC MMIO page (one bus device per VM, dispatching by vCPU) ---- */

static bool lapic_mmio_offset(struct kvmx86_lapic *l, u64 addr, int len, u32 *off)
{
	u64 base = l->vl.apic_base & ~0xfffULL & ((1ULL << 52) - 1);

	if (addr < base || addr + len > base + 0x1000)
		return false;
	*off = addr - base;
	return true;
}

static int lapic_mmio_read(struct kvm_vcpu *vcpu, struct kvm_io_device *dev, u64 addr, int len,
			   void *val)
{
	struct kvmx86_lapic *l = to_x86(vcpu)->lapic;
	unsigned long flags;
	bool ok = false;
	u32 off;

	if (!l)
		return -EOPNOTSUPP;
	lapic_lock(l, false, &flags);
	if (lapic_mmio_offset(l, addr, len, &off))
		ok = vlapic_mmio_read(&l->vl, off, val, len);
	lapic_unlock(l, false, flags);
	return ok ? 0 : -EOPNOTSUPP;
}

/* Registers whose writes change where messages go. */
static bool lapic_reg_moves_map(u32 off)
{
	switch (off & ~0xfU) {
	case VLAPIC_REG_ID:
	case VLAPIC_REG_LDR:
	case VLAPIC_REG_DFR:
	case VLAPIC_REG_SVR:
		return true;
	default:
		return false;
	}
}

static int lapic_mmio_write(struct kvm_vcpu *vcpu, struct kvm_io_device *dev, u64 addr, int len,
			    const void *val)
{
	struct kvmx86_lapic *l = to_x86(vcpu)->lapic;
	unsigned long flags;
	bool ok = false, map;
	u32 off;

	if (!l)
		return -EOPNOTSUPP;
	map = lapic_reg_moves_map(addr & 0xfff);
	lapic_lock(l, map, &flags);
	if (lapic_mmio_offset(l, addr, len, &off))
		ok = vlapic_mmio_write(&l->vl, off, val, len);
	lapic_unlock(l, map, flags);
	return ok ? 0 : -EOPNOTSUPP;
}

const struct kvm_io_device_ops kvmx86_lapic_mmio_ops = {
	.read	= lapic_mmio_read,
	.write	= lapic_mmio_write,
};

/* ---- MSRs ---- */

bool kvmx86_lapic_owns_msr(struct kvm_x86_vcpu *v, u32 index)
{
	if (!v->lapic)
		return false;
	return index == MSR_IA32_APICBASE || index == MSR_IA32_TSC_DEADLINE ||
	       (index >= VLAPIC_MSR_X2APIC_FIRST && index <= VLAPIC_MSR_X2APIC_LAST);
}

int kvmx86_lapic_get_msr(struct kvm_x86_vcpu *v, u32 index, u64 *data)
{
	struct kvmx86_lapic *l = v->lapic;
	unsigned long flags;
	int r;

	lapic_lock(l, false, &flags);
	lapic_sync_cpuid(l, false);
	r = vlapic_msr_read(&l->vl, index, data);
	lapic_unlock(l, false, flags);
	return r ? 1 : 0;
}

int kvmx86_lapic_set_msr(struct kvm_x86_vcpu *v, u32 index, u64 data, bool host)
{
	struct kvmx86_lapic *l = v->lapic;
	bool map = index == MSR_IA32_APICBASE || index == 0x80f;
	unsigned long flags;
	int r;

	lapic_lock(l, map, &flags);
	lapic_sync_cpuid(l, host);
	r = vlapic_msr_write(&l->vl, index, data, host);
	v->apic_base = l->vl.apic_base;
	lapic_unlock(l, map, flags);
	return r ? 1 : 0;
}

/* ---- the run loop's side (contract with event injection, x86.h) ---- */

bool kvmx86_lapic_in_kernel(struct kvm_x86_vcpu *v)
{
	return v->lapic;
}

int kvmx86_lapic_pending_irq(struct kvm_x86_vcpu *v)
{
	struct kvmx86_lapic *l = v->lapic;
	unsigned long flags;
	bool pic, extint;
	int vec;

	if (!l)
		return -1;
	l->from_pic = false;
	l->from_user = false;
	spin_lock_irqsave(&l->lock, flags);
	vec = vlapic_pending_vector(&l->vl);
	pic = vlapic_accepts_pic_intr(&l->vl);
	extint = l->vl.extint_pending;
	spin_unlock_irqrestore(&l->lock, flags);

	/* The 8259 comes first, as ExtINT does on hardware (through LINT0 or a message). */
	if (l->chip->mode == KVMX86_IRQCHIP_KERNEL && (pic || extint)) {
		int pv = kvmx86_irqchip_pic_vector(l->chip);

		if (pv >= 0) {
			l->from_pic = true;
			return pv;
		}
	}
	if (l->user_extint >= 0 && pic) {
		l->from_user = true;
		return l->user_extint;
	}
	return vec;
}

void kvmx86_lapic_accept_irq(struct kvm_x86_vcpu *v, int vector)
{
	struct kvmx86_lapic *l = v->lapic;
	unsigned long flags;

	if (!l || vector < 0)
		return;
	if (l->from_user) {
		l->from_user = false;
		l->user_extint = -1;
		return;
	}
	if (l->from_pic) {
		l->from_pic = false;
		spin_lock_irqsave(&l->lock, flags);
		vlapic_take_extint(&l->vl);
		spin_unlock_irqrestore(&l->lock, flags);
		kvmx86_irqchip_pic_intack(l->chip);
		return;
	}
	spin_lock_irqsave(&l->lock, flags);
	vlapic_ack(&l->vl, vector);
	spin_unlock_irqrestore(&l->lock, flags);
}

int kvmx86_lapic_user_extint(struct kvm_x86_vcpu *v, u32 vector)
{
	struct kvmx86_lapic *l = v->lapic;

	if (!l || l->chip->mode != KVMX86_IRQCHIP_SPLIT)
		return -ENXIO;
	if (l->user_extint >= 0)
		return -EEXIST;
	l->user_extint = vector;
	kvm_vcpu_request(v->vcpu, KVM_REQ_EVENT);
	return 0;
}

bool kvmx86_lapic_accepts_user_extint(struct kvm_x86_vcpu *v)
{
	struct kvmx86_lapic *l = v->lapic;

	return l && l->chip->mode == KVMX86_IRQCHIP_SPLIT && l->user_extint < 0 &&
	       vlapic_accepts_pic_intr(&l->vl);
}

bool kvmx86_pic_in_kernel(struct kvm_x86_vcpu *v)
{
	return v->lapic && v->lapic->chip->mode == KVMX86_IRQCHIP_KERNEL;
}

void kvmx86_lapic_set_cr8(struct kvm_x86_vcpu *v, u64 cr8)
{
	struct kvmx86_lapic *l = v->lapic;
	unsigned long flags;

	if (!l)
		return;
	spin_lock_irqsave(&l->lock, flags);
	vlapic_set_cr8(&l->vl, cr8 & 0xf);
	spin_unlock_irqrestore(&l->lock, flags);
}

u64 kvmx86_lapic_get_cr8(struct kvm_x86_vcpu *v)
{
	struct kvmx86_lapic *l = v->lapic;

	return l ? vlapic_get_cr8(&l->vl) : 0;
}

/* The SIPI vector starts the AP in real mode at vector << 12 (SDM 8.4.4.1). */
static void lapic_start_ap(struct kvm_x86_vcpu *v, u8 vector)
{
	struct kvm_segment cs;

	kvm_x86_ops->get_segment(v, &cs, KVM_SEG_CS);
	cs.selector = (u16)vector << 8;
	cs.base = (u64)vector << 12;
	kvm_x86_ops->set_segment(v, &cs, KVM_SEG_CS);
	v->rip = 0;
	v->mp_state = KVM_MP_STATE_RUNNABLE;
}

/* Take what the LAPIC has for the vCPU itself: a timer expiry, NMIs, INIT, SIPI. */
static void lapic_service(struct kvmx86_lapic *l)
{
	struct kvm_x86_vcpu *v = l->v;
	unsigned long flags;
	bool init, sipi;
	u8 vector = 0;

	if (atomic_xchg(&l->timer_expired, 0)) {
		spin_lock_irqsave(&l->lock, flags);
		vlapic_timer_expired(&l->vl);
		spin_unlock_irqrestore(&l->lock, flags);
	}
	/* NMIs (IPI, LINT1, LVT) move to event injection, which masks and windows them. */
	if (READ_ONCE(l->vl.nmi_pending)) {
		unsigned int n = 0;

		spin_lock_irqsave(&l->lock, flags);
		while (vlapic_take_nmi(&l->vl))
			n++;
		spin_unlock_irqrestore(&l->lock, flags);
		while (n--)
			kvmx86_queue_nmi(v);
	}
	if (!READ_ONCE(l->vl.init_pending) && !READ_ONCE(l->vl.sipi_pending))
		return;

	lapic_lock(l, true, &flags);
	init = vlapic_take_init(&l->vl);
	if (init)
		vlapic_reset(&l->vl, l->vl.apic_base & VLAPIC_BASE_BSP, true);
	lapic_unlock(l, true, flags);
	if (init) {
		kvmx86_vcpu_init_event(v);
		v->mp_state = (v->apic_base & MSR_IA32_APICBASE_BSP) ? KVM_MP_STATE_RUNNABLE :
			      KVM_MP_STATE_INIT_RECEIVED;
	}

	spin_lock_irqsave(&l->lock, flags);
	sipi = vlapic_take_sipi(&l->vl, &vector);
	spin_unlock_irqrestore(&l->lock, flags);
	/* A SIPI only means something in wait-for-SIPI; otherwise it is dropped. */
	if (sipi)
		v->ev.sipi_vector = vector;	/* KVM_GET_VCPU_EVENTS reports the last one */
	if (sipi && v->mp_state == KVM_MP_STATE_INIT_RECEIVED)
		lapic_start_ap(v, vector);
}

/*
 * Whether the LAPIC has something that ends the vCPU's current sleep: INIT or
 * SIPI in any state, and in HLT an NMI or an interrupt it can take (IF set).
 */
static bool lapic_has_wake_event(struct kvmx86_lapic *l)
{
	struct kvm_x86_vcpu *v = l->v;
	unsigned long flags;
	bool wake;

	spin_lock_irqsave(&l->lock, flags);
	wake = l->vl.init_pending || l->vl.sipi_pending;
	if (v->mp_state == KVM_MP_STATE_HALTED)
		wake |= l->vl.nmi_pending || l->vl.extint_pending || v->ev.nmi_pending ||
			atomic_read(&v->ev.nmi_queued) ||
			((v->rflags & X86_EFLAGS_IF) && l->user_extint >= 0) ||
			((v->rflags & X86_EFLAGS_IF) && vlapic_pending_vector(&l->vl) >= 0);
	spin_unlock_irqrestore(&l->lock, flags);
	if (!wake && v->mp_state == KVM_MP_STATE_HALTED && (v->rflags & X86_EFLAGS_IF) &&
	    l->chip->mode == KVMX86_IRQCHIP_KERNEL && vlapic_accepts_pic_intr(&l->vl))
		wake = kvmx86_irqchip_pic_vector(l->chip) >= 0;
	return wake;
}

/* Whether a sleeping vCPU must get up: an event, a timer expiry to serve, a signal. */
static bool lapic_wake_pending(struct kvmx86_lapic *l)
{
	return atomic_read(&l->timer_expired) || signal_pending(current) ||
	       test_bit(KVM_REQ_VM_DEAD, &l->v->vcpu->requests) || lapic_has_wake_event(l);
}

static bool lapic_vcpu_sleeps(struct kvm_x86_vcpu *v)
{
	return v->mp_state == KVM_MP_STATE_HALTED || v->mp_state == KVM_MP_STATE_INIT_RECEIVED ||
	       v->mp_state == KVM_MP_STATE_UNINITIALIZED;
}

/*
 * Sleep until lapic_wake_pending(), after polling for halt_poll_ns.  Returns
 * -EINTR (exit_reason KVM_EXIT_INTR) on a signal, -EIO for a dead VM, else 0.
 */
static int lapic_block(struct kvmx86_lapic *l)
{
	struct kvm_vcpu *vcpu = l->v->vcpu;
	u64 stop = ktime_get_ns() + halt_poll_ns;

	while (!lapic_wake_pending(l)) {
		/* Poll only while nothing else wants this CPU (as Linux). */
		if (ktime_get_ns() >= stop || need_resched() || !single_task_running()) {
			wait_event_interruptible(vcpu->wq, lapic_wake_pending(l));
			break;
		}
		cpu_relax();
	}
	if (test_bit(KVM_REQ_VM_DEAD, &vcpu->requests))
		return -EIO;
	if (signal_pending(current)) {
		vcpu->run->exit_reason = KVM_EXIT_INTR;
		return -EINTR;
	}
	return 0;
}

/* ---- the VAPIC page (KVM_SET_VAPIC_ADDR, QEMU's kvmvapic option ROM) ---- */

static int lapic_highest_vector(const struct vlapic *vl, u32 base)
{
	int i;

	for (i = 7; i >= 0; i--) {
		u32 w = vl->regs[(base >> 2) + i * 4];

		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return 0;
}

/*
 * The page's first dword is KVM's ABI: TPR in bits 7:0, the class of the
 * highest in-service vector in bits 15:12, the highest requested vector in
 * bits 31:24.  The guest may change the TPR byte while it runs: it is read
 * back after the guest ran (next loop iteration, or when KVM_RUN returns).
 */
static void lapic_vapic_tpr_back(struct kvmx86_lapic *l)
{
	struct kvm_vm *vm = l->v->vcpu->vm;
	unsigned long flags;
	u32 data;

	if (!l->vapic_live)
		return;
	l->vapic_live = false;
	if (!kvm_read_guest(vm, l->vapic_addr, &data, sizeof(data))) {
		/* Only the priority class matters to the PPR; the low nibble is dropped. */
		spin_lock_irqsave(&l->lock, flags);
		vlapic_set_cr8(&l->vl, (data & 0xff) >> 4);
		spin_unlock_irqrestore(&l->lock, flags);
	}
}

static void lapic_sync_vapic(struct kvmx86_lapic *l)
{
	struct kvm_vm *vm = l->v->vcpu->vm;
	unsigned long flags;
	u32 data;

	if (!l->vapic_addr)
		return;
	lapic_vapic_tpr_back(l);
	spin_lock_irqsave(&l->lock, flags);
	data = (l->vl.regs[VLAPIC_REG_TPR >> 2] & 0xff) |
	       ((lapic_highest_vector(&l->vl, VLAPIC_REG_ISR) & 0xf0) << 8) |
	       (lapic_highest_vector(&l->vl, VLAPIC_REG_IRR) << 24);
	spin_unlock_irqrestore(&l->lock, flags);
	l->vapic_live = !kvm_write_guest(vm, l->vapic_addr, &data, sizeof(data));
}

void kvmx86_lapic_after_run(struct kvm_x86_vcpu *v)
{
	if (v->lapic)
		lapic_vapic_tpr_back(v->lapic);
}

static long lapic_set_vapic_addr(struct kvm_x86_vcpu *v, void __user *argp)
{
	struct kvm_vapic_addr va;
	u32 probe;

	if (copy_from_user(&va, argp, sizeof(va)))
		return -EFAULT;
	/* The page must be guest memory (Linux checks the same at this point). */
	if (va.vapic_addr && kvm_read_guest(v->vcpu->vm, va.vapic_addr, &probe, sizeof(probe)))
		return -EINVAL;
	v->lapic->vapic_addr = va.vapic_addr;
	v->lapic->vapic_live = false;
	return 0;
}

int kvmx86_lapic_before_entry(struct kvm_x86_vcpu *v)
{
	struct kvmx86_lapic *l = v->lapic;
	int r;

	if (!l)
		return KVM_EXIT_ACTION_RESUME;
	lapic_sync_vapic(l);
	if (l->user_eoi >= 0) {
		v->vcpu->run->exit_reason = KVM_EXIT_IOAPIC_EOI;
		v->vcpu->run->eoi.vector = l->user_eoi;
		l->user_eoi = -1;
		return KVM_EXIT_ACTION_USER;
	}
	/*
	 * An AP that never got INIT: like Linux, KVM_RUN waits once for an event,
	 * takes it, and returns EAGAIN for userspace to call again.
	 */
	if (v->mp_state == KVM_MP_STATE_UNINITIALIZED) {
		r = lapic_block(l);
		lapic_service(l);
		return r ? r : -EAGAIN;
	}
	for (;;) {
		kvm_vcpu_test_and_clear_request(v->vcpu, KVM_REQ_EVENT);
		lapic_service(l);
		if (!lapic_vcpu_sleeps(v))
			return KVM_EXIT_ACTION_RESUME;
		/* Woken from HLT by an interrupt or NMI; INIT and SIPI were served above. */
		if (v->mp_state == KVM_MP_STATE_HALTED && lapic_has_wake_event(l) &&
		    !READ_ONCE(l->vl.init_pending) && !READ_ONCE(l->vl.sipi_pending)) {
			v->mp_state = KVM_MP_STATE_RUNNABLE;
			continue;
		}
		r = lapic_block(l);
		if (r)
			return r;
	}
}

/* ---- MP state, KVM_GET/SET_LAPIC ---- */

long kvmx86_lapic_mp_state_get(struct kvm_x86_vcpu *v, struct kvm_mp_state *mp)
{
	if (v->lapic)
		lapic_service(v->lapic);	/* latched INIT/SIPI show, as in Linux */
	mp->mp_state = v->mp_state;
	return 0;
}

long kvmx86_lapic_mp_state_set(struct kvm_x86_vcpu *v, const struct kvm_mp_state *mp)
{
	struct kvmx86_lapic *l = v->lapic;
	unsigned long flags;
	long r = 0;

	if (!l)
		return mp->mp_state == KVM_MP_STATE_RUNNABLE ? 0 : -EINVAL;
	switch (mp->mp_state) {
	case KVM_MP_STATE_RUNNABLE:
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_HALTED:
	case KVM_MP_STATE_INIT_RECEIVED:
	case KVM_MP_STATE_SIPI_RECEIVED:
		break;
	default:
		return -EINVAL;
	}
	spin_lock_irqsave(&l->lock, flags);
	if ((mp->mp_state == KVM_MP_STATE_INIT_RECEIVED ||
	     mp->mp_state == KVM_MP_STATE_SIPI_RECEIVED) && l->vl.init_pending) {
		/* A latched INIT travels with KVM_SET_VCPU_EVENTS, not here (as Linux). */
		r = -EINVAL;
	} else if (mp->mp_state == KVM_MP_STATE_SIPI_RECEIVED) {
		/* The vector comes from KVM_SET_VCPU_EVENTS (sipi_vector), as in Linux. */
		v->mp_state = KVM_MP_STATE_INIT_RECEIVED;
		l->vl.sipi_vector = v->ev.sipi_vector;
		l->vl.sipi_pending = true;
	} else {
		v->mp_state = mp->mp_state;
	}
	spin_unlock_irqrestore(&l->lock, flags);
	if (!r)
		kvm_vcpu_request(v->vcpu, KVM_REQ_EVENT);
	return r;
}

int kvmx86_lapic_get_state(struct kvm_x86_vcpu *v, struct kvm_lapic_state *s)
{
	struct kvmx86_lapic *l = v->lapic;
	unsigned long flags;

	BUILD_BUG_ON(sizeof(*s) != sizeof(struct vlapic_state));
	if (!l)
		return -EINVAL;
	lapic_lock(l, false, &flags);
	vlapic_get_state(&l->vl, (struct vlapic_state *)s);
	lapic_unlock(l, false, flags);
	return 0;
}

int kvmx86_lapic_set_state(struct kvm_x86_vcpu *v, const struct kvm_lapic_state *s)
{
	struct kvmx86_lapic *l = v->lapic;
	unsigned long flags;
	int r;

	if (!l)
		return -EINVAL;
	lapic_lock(l, true, &flags);
	r = vlapic_set_state(&l->vl, (const struct vlapic_state *)s);
	lapic_unlock(l, true, flags);
	kvm_vcpu_request(v->vcpu, KVM_REQ_EVENT);
	return r;
}

long kvmx86_lapic_vcpu_ioctl(struct kvm_x86_vcpu *v, unsigned int ioctl, void __user *argp)
{
	struct kvm_lapic_state *s;
	long r;

	if (!v->lapic)
		return -EINVAL;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	switch (ioctl) {
	case KVM_SET_VAPIC_ADDR:
		r = lapic_set_vapic_addr(v, argp);
		break;
	case KVM_GET_LAPIC:
		r = kvmx86_lapic_get_state(v, s);
		if (!r && copy_to_user(argp, s, sizeof(*s)))
			r = -EFAULT;
		break;
	case KVM_SET_LAPIC:
		r = -EFAULT;
		if (copy_from_user(s, argp, sizeof(*s)))
			break;
		r = kvmx86_lapic_set_state(v, s);
		break;
	default:
		r = -EINVAL;
		break;
	}
	kfree(s);
	return r;
}

/* ---- KVM_CAP_X2APIC_API ---- */

static void lapic_apply_x2apic_api(struct kvmx86_lapic *l, u64 flags)
{
	l->vl.cfg.x2apic_api_ids = flags & KVM_X2APIC_API_USE_32BIT_IDS;
	l->vl.cfg.no_x2apic_broadcast_quirk = flags & KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK;
}

/*
 * KVM_ENABLE_CAP(KVM_CAP_X2APIC_API): 32-bit x2APIC IDs in KVM_GET/SET_LAPIC
 * and MSI addresses, and/or no 0xff broadcast quirk.  Any time, like Linux;
 * flags only accumulate.
 */
int kvmx86_enable_x2apic_api(struct kvm_vm *vm, u64 flags)
{
	struct kvm_x86_vm *xvm = vm->arch;
	struct kvmx86_irqchip *chip;
	unsigned long irqflags;
	u32 i;

	if (flags & ~(KVM_X2APIC_API_USE_32BIT_IDS | KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK))
		return -EINVAL;
	mutex_lock(&vm->lock);
	xvm->x2apic_api |= flags;
	flags = xvm->x2apic_api;
	chip = kvmx86_irqchip(vm);
	if (chip) {
		write_lock_irqsave(&chip->map_lock, irqflags);
		for (i = 0; i < chip->nr_lapics; i++) {
			struct kvmx86_lapic *l = chip->lapic[i];

			if (!l)
				continue;
			spin_lock(&l->lock);
			lapic_apply_x2apic_api(l, flags);
			spin_unlock(&l->lock);
		}
		write_unlock_irqrestore(&chip->map_lock, irqflags);
	}
	mutex_unlock(&vm->lock);
	return 0;
}

/* ---- life cycle ---- */

/*
 * Give a new vCPU its LAPIC when the VM has an in-kernel irqchip.  Caller:
 * kvm_arch_vcpu_create() with vm->lock held, after the register reset.
 */
int kvmx86_lapic_create(struct kvm_x86_vcpu *v)
{
	struct kvmx86_irqchip *chip = kvmx86_irqchip(v->vcpu->vm);
	struct vlapic_config cfg = {
		.apic_id = v->vcpu->vcpu_id,
		.maxphyaddr = boot_cpu_data.x86_phys_bits,
		.bus_cycle_ns = 1,
		.tsc_khz = kvmx86_guest_tsc_khz(v),
		.min_period_ns = LAPIC_MIN_PERIOD_NS,
	};
	struct kvmx86_lapic *l;
	unsigned long flags;
	u32 idx = v->vcpu->index;
	bool bsp = v->vcpu->vcpu_id == 0;

	if (!chip)
		return 0;
	if (idx >= KVM_CORE_MAX_VCPUS)
		return -EINVAL;
	l = kzalloc(sizeof(*l), GFP_KERNEL_ACCOUNT);
	if (!l)
		return -ENOMEM;
	spin_lock_init(&l->lock);
	l->user_eoi = -1;
	l->user_extint = -1;
	l->v = v;
	l->chip = chip;
	hrtimer_init(&l->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
	l->timer.function = lapic_timer_fn;
	vlapic_init(&l->vl, &cfg, &kvmx86_vlapic_ops, l, bsp);
	lapic_apply_x2apic_api(l, ((struct kvm_x86_vm *)v->vcpu->vm->arch)->x2apic_api);

	v->lapic = l;
	v->apic_base = l->vl.apic_base;
	/* With the LAPIC in the kernel, APs wait for INIT and SIPI (as Linux). */
	v->mp_state = bsp ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_UNINITIALIZED;

	write_lock_irqsave(&chip->map_lock, flags);
	chip->lapic[idx] = l;
	chip->vl[idx] = &l->vl;
	if (chip->nr_lapics <= idx)
		chip->nr_lapics = idx + 1;
	write_unlock_irqrestore(&chip->map_lock, flags);
	return 0;
}

/* Caller: vCPU destruction (or its unwind); no other user of the vCPU. */
void kvmx86_lapic_free(struct kvm_x86_vcpu *v)
{
	struct kvmx86_lapic *l = v->lapic;
	struct kvmx86_irqchip *chip;
	unsigned long flags;
	u32 idx = v->vcpu->index;

	if (!l)
		return;
	chip = l->chip;
	write_lock_irqsave(&chip->map_lock, flags);
	if (idx < chip->nr_lapics && chip->lapic[idx] == l) {
		chip->lapic[idx] = NULL;
		chip->vl[idx] = NULL;
		while (chip->nr_lapics && !chip->lapic[chip->nr_lapics - 1])
			chip->nr_lapics--;
	}
	write_unlock_irqrestore(&chip->map_lock, flags);
	hrtimer_cancel(&l->timer);
	v->lapic = NULL;
	kfree(l);
}
