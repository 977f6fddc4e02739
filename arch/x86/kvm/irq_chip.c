// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM's in-kernel irqchip: KVM_CREATE_IRQCHIP and KVM_CAP_SPLIT_IRQCHIP,
 * the 8259 pair on ports 0x20/0x21, 0xa0/0xa1, 0x4d0/0x4d1 and the IOAPIC at
 * 0xfec00000 on the I/O buses, input lines with level sharing between sources,
 * MSIs, EOI broadcast and ack notification, KVM_GET/SET_IRQCHIP.
 *
 * Lock order: vm->lock (creation) -> pic_lock -> ioapic_lock -> map_lock ->
 * lapic->lock (irq.h).  Ack notifications (kvmx86_irqchip_notify_acks) run
 * with none of these held.
 */
#include <linux/kvm_arch.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/kvm_irq.h>
#include "irq.h"

#define IOAPIC_MMIO_LEN		0x100	/* IOREGSEL .. IOWIN and the unused rest */
/* Most IOAPIC pins userspace may reserve with KVM_CAP_SPLIT_IRQCHIP: as many as routes. */
#define SPLIT_MAX_RESERVED_PINS	KVM_MAX_IRQ_ROUTES

static const u16 pic_ports[3] = { VPIC_MASTER_CMD, VPIC_SLAVE_CMD, VPIC_ELCR_MASTER };

/* ---- model callbacks ---- */

/* The 8259's INT went high: kick every vCPU whose LAPIC passes it (LINT0 ExtINT). */
static void pic_output_changed(void *opaque, bool level)
{
	struct kvmx86_irqchip *chip = opaque;
	unsigned long flags;
	u32 i;

	if (!level)
		return;
	read_lock_irqsave(&chip->map_lock, flags);
	for (i = 0; i < chip->nr_lapics; i++) {
		struct kvmx86_lapic *l = chip->lapic[i];

		if (l && vlapic_accepts_pic_intr(&l->vl)) {
			kvm_vcpu_request(l->v->vcpu, KVM_REQ_EVENT);
			kvm_vcpu_kick(l->v->vcpu);
		}
	}
	read_unlock_irqrestore(&chip->map_lock, flags);
}

static void pic_irq_acked(void *opaque, u32 irq)
{
	struct kvmx86_irqchip *chip = opaque;

	chip->pic_acked |= 1u << irq;
}

static const struct vpic_ops kvmx86_vpic_ops = {
	.output_changed	= pic_output_changed,
	.irq_acked	= pic_irq_acked,
};

static int ioapic_deliver(void *opaque, const struct irq_msg *msg)
{
	int n = kvmx86_irq_deliver(opaque, msg, KVMX86_IRQ_FROM_IOAPIC);

	return n > 0 ? n : 0;
}

static void ioapic_pin_acked(void *opaque, u32 pin)
{
	struct kvmx86_irqchip *chip = opaque;

	chip->ioapic_acked |= 1u << pin;
}

static const struct vioapic_ops kvmx86_vioapic_ops = {
	.deliver	= ioapic_deliver,
	.pin_acked	= ioapic_pin_acked,
};

/*
 * Report the IRQs and pins that left service since the last call to the GSI
 * layer (irqfd resamplers, the PIT).  No irqchip lock held.
 */
void kvmx86_irqchip_notify_acks(struct kvmx86_irqchip *chip)
{
	unsigned long flags;
	u32 pins;
	u16 irqs;
	int i;

	spin_lock_irqsave(&chip->pic_lock, flags);
	irqs = chip->pic_acked;
	chip->pic_acked = 0;
	spin_unlock_irqrestore(&chip->pic_lock, flags);
	spin_lock_irqsave(&chip->ioapic_lock, flags);
	pins = chip->ioapic_acked;
	chip->ioapic_acked = 0;
	spin_unlock_irqrestore(&chip->ioapic_lock, flags);

	for (i = 0; i < 16; i++)
		if (irqs & (1u << i))
			kvmx86_irq_acked(chip->vm, i < 8 ? KVM_IRQCHIP_PIC_MASTER :
					 KVM_IRQCHIP_PIC_SLAVE, i & 7);
	for (i = 0; i < VIOAPIC_NUM_PINS; i++)
		if (pins & (1u << i))
			kvmx86_irq_acked(chip->vm, KVM_IRQCHIP_IOAPIC, i);
}

/* A LAPIC broadcast the EOI of @vector (parked, then sent with no LAPIC lock held). */
void kvmx86_irqchip_ioapic_eoi(struct kvmx86_irqchip *chip, u8 vector)
{
	unsigned long flags;
	u32 pins = 0;
	int i;

	spin_lock_irqsave(&chip->ioapic_lock, flags);
	for (i = 0; i < VIOAPIC_NUM_PINS; i++)
		if ((chip->ioapic.redir[i] & VIOAPIC_RTE_VECTOR) == vector)
			pins |= 1u << i;
	spin_unlock_irqrestore(&chip->ioapic_lock, flags);

	/*
	 * As Linux: the ack notifiers run first (an irqfd resampler lowers its
	 * line here), then remote IRR clears and a line still high is delivered
	 * again.  Their second report from vioapic_eoi() is dropped.
	 */
	for (i = 0; i < VIOAPIC_NUM_PINS; i++)
		if (pins & (1u << i))
			kvmx86_irq_acked(chip->vm, KVM_IRQCHIP_IOAPIC, i);

	spin_lock_irqsave(&chip->ioapic_lock, flags);
	vioapic_eoi(&chip->ioapic, vector);
	chip->ioapic_acked &= ~pins;
	spin_unlock_irqrestore(&chip->ioapic_lock, flags);
	kvmx86_irqchip_notify_acks(chip);
}

int kvmx86_irqchip_pic_vector(struct kvmx86_irqchip *chip)
{
	unsigned long flags;
	int vec;

	spin_lock_irqsave(&chip->pic_lock, flags);
	vec = vpic_pending_vector(&chip->pic);
	spin_unlock_irqrestore(&chip->pic_lock, flags);
	return vec;
}

u8 kvmx86_irqchip_pic_intack(struct kvmx86_irqchip *chip)
{
	unsigned long flags;
	u8 vec;

	spin_lock_irqsave(&chip->pic_lock, flags);
	vec = vpic_intack(&chip->pic);
	spin_unlock_irqrestore(&chip->pic_lock, flags);
	kvmx86_irqchip_notify_acks(chip);
	return vec;
}

/* ---- input lines and MSIs (the arch side of GSI routing) ---- */

/* Record @source's level on a shared line; returns the line's combined level. */
static bool line_level(unsigned long *sources, int source, int level)
{
	if (level)
		__set_bit(source, sources);
	else
		__clear_bit(source, sources);
	return *sources != 0;
}

/*
 * Drive pin @pin of @irqchip (KVM_IRQCHIP_*) to @level for @source.  Returns
 * > 0 when the interrupt was delivered (or the line was lowered), 0 when it was
 * coalesced or masked, -EINVAL for a pin that does not exist.
 */
/*
 * Whether pin of irqchip is masked now (PIC IMR bit, IOAPIC entry mask); false
 * without an in-kernel PIC and IOAPIC.  For the PIT, which forgets missed ticks
 * when its line gets unmasked.  No irqchip lock held on entry.
 */
bool kvmx86_irqchip_pin_masked(struct kvm_vm *vm, u32 irqchip, u32 pin)
{
	struct kvmx86_irqchip *chip = kvmx86_irqchip(vm);
	unsigned long flags;
	bool masked = false;

	if (!chip || chip->mode != KVMX86_IRQCHIP_KERNEL)
		return false;
	if ((irqchip == KVM_IRQCHIP_PIC_MASTER || irqchip == KVM_IRQCHIP_PIC_SLAVE) && pin < 8) {
		spin_lock_irqsave(&chip->pic_lock, flags);
		masked = chip->pic.chip[irqchip].imr & (1u << pin);
		spin_unlock_irqrestore(&chip->pic_lock, flags);
	} else if (irqchip == KVM_IRQCHIP_IOAPIC && pin < VIOAPIC_NUM_PINS) {
		spin_lock_irqsave(&chip->ioapic_lock, flags);
		masked = chip->ioapic.redir[pin] & VIOAPIC_RTE_MASKED;
		spin_unlock_irqrestore(&chip->ioapic_lock, flags);
	}
	return masked;
}

int kvmx86_irqchip_set_pin(struct kvm_vm *vm, u32 irqchip, u32 pin, int source, int level)
{
	struct kvmx86_irqchip *chip = kvmx86_irqchip(vm);
	unsigned long flags;
	int r;

	if (!chip || chip->mode != KVMX86_IRQCHIP_KERNEL || source < 0 ||
	    source >= KVMX86_IRQ_SOURCES)
		return -ENXIO;
	switch (irqchip) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE: {
		u32 irq = irqchip * 8 + pin;
		struct vpic_chip_state *c;
		u8 bit;
		bool on;

		if (pin >= 8)
			return -EINVAL;
		c = &chip->pic.chip[irq >> 3];
		bit = 1u << (irq & 7);
		spin_lock_irqsave(&chip->pic_lock, flags);
		on = line_level(&chip->pic_sources[irq], source, level);
		/* As Linux reports it: masked -1, already requested 0, else 1. */
		if (c->imr & bit)
			r = -1;
		else
			r = !on || !(c->irr & bit);
		vpic_set_irq(&chip->pic, irq, on);
		spin_unlock_irqrestore(&chip->pic_lock, flags);
		break;
	}
	case KVM_IRQCHIP_IOAPIC: {
		struct vioapic *io = &chip->ioapic;
		u64 before, rte;
		bool on, was;

		if (pin >= VIOAPIC_NUM_PINS)
			return -EINVAL;
		spin_lock_irqsave(&chip->ioapic_lock, flags);
		on = line_level(&chip->ioapic_sources[pin], source, level);
		rte = io->redir[pin];
		before = io->delivered;
		was = io->irr & (1u << pin);
		vioapic_set_irq(io, pin, on);
		/* As Linux reports it: lowered 1, edge already high 0, masked or busy -1. */
		if (!on)
			r = 1;
		else if (!(rte & VIOAPIC_RTE_LEVEL) && was)
			r = 0;
		else if ((rte & VIOAPIC_RTE_MASKED) ||
			 ((rte & VIOAPIC_RTE_LEVEL) && (rte & VIOAPIC_RTE_REMOTE_IRR)))
			r = -1;
		else
			r = io->delivered != before;
		spin_unlock_irqrestore(&chip->ioapic_lock, flags);
		break;
	}
	default:
		return -EINVAL;
	}
	kvmx86_irqchip_notify_acks(chip);
	return r;
}

/* An MSI write (KVM_SIGNAL_MSI, MSI routes): delivered straight to the LAPICs. */
int kvmx86_irqchip_msi(struct kvm_vm *vm, u32 address_lo, u32 address_hi, u32 data)
{
	struct kvmx86_irqchip *chip = kvmx86_irqchip(vm);
	struct irq_msg msg;

	if (!chip)
		return -ENXIO;
	irq_msg_from_msi(((u64)address_hi << 32) | address_lo, data, &msg);
	/* With 32-bit x2APIC IDs, address_hi[31:8] extends the destination (as Linux). */
	if ((READ_ONCE(((struct kvm_x86_vm *)vm->arch)->x2apic_api) &
	     KVM_X2APIC_API_USE_32BIT_IDS) && (address_hi & 0xffffff00)) {
		msg.dest |= address_hi & 0xffffff00;
		msg.dest_x2apic = true;
	}
	return kvmx86_irq_deliver(chip, &msg, -1);
}

/* ---- the PIC ports and the IOAPIC page on the I/O buses ---- */

static int pic_pio_read(struct kvm_vcpu *vcpu, struct kvm_io_device *dev, u64 addr, int len,
			void *val)
{
	struct kvmx86_irqchip *chip = kvmx86_irqchip(vcpu->vm);
	unsigned long flags;
	u8 b = 0;

	/* Like Linux, only byte accesses do anything; the range stays claimed. */
	memset(val, 0, len);
	if (len != 1)
		return 0;
	spin_lock_irqsave(&chip->pic_lock, flags);
	vpic_ioport_read(&chip->pic, addr, &b);
	spin_unlock_irqrestore(&chip->pic_lock, flags);
	*(u8 *)val = b;
	kvmx86_irqchip_notify_acks(chip);
	return 0;
}

static int pic_pio_write(struct kvm_vcpu *vcpu, struct kvm_io_device *dev, u64 addr, int len,
			 const void *val)
{
	struct kvmx86_irqchip *chip = kvmx86_irqchip(vcpu->vm);
	unsigned long flags;

	if (len != 1)
		return 0;
	spin_lock_irqsave(&chip->pic_lock, flags);
	vpic_ioport_write(&chip->pic, addr, *(const u8 *)val);
	spin_unlock_irqrestore(&chip->pic_lock, flags);
	kvmx86_irqchip_notify_acks(chip);
	return 0;
}

static const struct kvm_io_device_ops kvmx86_pic_pio_ops = {
	.read	= pic_pio_read,
	.write	= pic_pio_write,
};

static bool ioapic_offset(struct kvmx86_irqchip *chip, u64 addr, int len, u32 *off)
{
	u64 base = chip->ioapic.base_address;

	if (addr < base || addr + len > base + IOAPIC_MMIO_LEN)
		return false;
	*off = addr - base;
	return true;
}

static int ioapic_mmio_read(struct kvm_vcpu *vcpu, struct kvm_io_device *dev, u64 addr, int len,
			    void *val)
{
	struct kvmx86_irqchip *chip = kvmx86_irqchip(vcpu->vm);
	unsigned long flags;
	u32 off;
	int r = -EOPNOTSUPP;

	spin_lock_irqsave(&chip->ioapic_lock, flags);
	if (ioapic_offset(chip, addr, len, &off)) {
		vioapic_mmio_read(&chip->ioapic, off, val, len);
		r = 0;
	}
	spin_unlock_irqrestore(&chip->ioapic_lock, flags);
	return r;
}

static int ioapic_mmio_write(struct kvm_vcpu *vcpu, struct kvm_io_device *dev, u64 addr,
			     int len, const void *val)
{
	struct kvmx86_irqchip *chip = kvmx86_irqchip(vcpu->vm);
	unsigned long flags;
	u32 off;
	int r = -EOPNOTSUPP;

	spin_lock_irqsave(&chip->ioapic_lock, flags);
	if (ioapic_offset(chip, addr, len, &off)) {
		vioapic_mmio_write(&chip->ioapic, off, val, len);
		r = 0;
	}
	spin_unlock_irqrestore(&chip->ioapic_lock, flags);
	kvmx86_irqchip_notify_acks(chip);
	return r;
}

static const struct kvm_io_device_ops kvmx86_ioapic_mmio_ops = {
	.read	= ioapic_mmio_read,
	.write	= ioapic_mmio_write,
};

/* ---- creation and destruction ---- */

static void irqchip_unregister(struct kvmx86_irqchip *chip)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(chip->pic_pio); i++)
		if (chip->pic_pio_on & (1u << i))
			kvm_io_bus_unregister(chip->vm, KVM_PIO_BUS, &chip->pic_pio[i]);
	if (chip->ioapic_mmio_on)
		kvm_io_bus_unregister(chip->vm, KVM_MMIO_BUS, &chip->ioapic_mmio);
	if (chip->lapic_mmio_on)
		kvm_io_bus_unregister(chip->vm, KVM_MMIO_BUS, &chip->lapic_mmio);
	chip->pic_pio_on = 0;
	chip->ioapic_mmio_on = chip->lapic_mmio_on = false;
}

static void irqchip_free(struct kvmx86_irqchip *chip)
{
	irqchip_unregister(chip);
	kvfree(chip->vl);
	kvfree(chip->lapic);
	kfree(chip);
}

static int irqchip_register(struct kvmx86_irqchip *chip)
{
	int r, i;

	chip->lapic_mmio.ops = &kvmx86_lapic_mmio_ops;
	r = kvm_io_bus_register(chip->vm, KVM_MMIO_BUS, VLAPIC_BASE_DEFAULT, 0x1000,
				&chip->lapic_mmio);
	if (r)
		return r;
	chip->lapic_mmio_on = true;
	if (chip->mode != KVMX86_IRQCHIP_KERNEL)
		return 0;

	chip->ioapic_mmio.ops = &kvmx86_ioapic_mmio_ops;
	r = kvm_io_bus_register(chip->vm, KVM_MMIO_BUS, VIOAPIC_DEFAULT_BASE, IOAPIC_MMIO_LEN,
				&chip->ioapic_mmio);
	if (r)
		return r;
	chip->ioapic_mmio_on = true;
	for (i = 0; i < ARRAY_SIZE(chip->pic_pio); i++) {
		chip->pic_pio[i].ops = &kvmx86_pic_pio_ops;
		r = kvm_io_bus_register(chip->vm, KVM_PIO_BUS, pic_ports[i], 2, &chip->pic_pio[i]);
		if (r)
			return r;
		chip->pic_pio_on |= 1u << i;
	}
	return 0;
}

/* KVM_CREATE_IRQCHIP (@mode KERNEL) and KVM_CAP_SPLIT_IRQCHIP (@mode SPLIT). */
static int irqchip_create(struct kvm_vm *vm, enum kvmx86_irqchip_mode mode, u32 split_routes)
{
	struct kvm_x86_vm *xvm = vm->arch;
	struct kvmx86_irqchip *chip;
	int r;

	mutex_lock(&vm->lock);
	r = -EEXIST;
	if (xvm->irqchip)
		goto out;
	/* Linux answers EINVAL for KVM_CREATE_IRQCHIP and EEXIST for split. */
	r = mode == KVMX86_IRQCHIP_KERNEL ? -EINVAL : -EEXIST;
	if (vm->nr_vcpus)
		goto out;

	r = -ENOMEM;
	chip = kzalloc(sizeof(*chip), GFP_KERNEL_ACCOUNT);
	if (!chip)
		goto out;
	chip->vm = vm;
	chip->mode = mode;
	chip->split_routes = split_routes;
	spin_lock_init(&chip->pic_lock);
	spin_lock_init(&chip->ioapic_lock);
	rwlock_init(&chip->map_lock);
	chip->lapic = kvcalloc(KVM_CORE_MAX_VCPUS, sizeof(*chip->lapic), GFP_KERNEL_ACCOUNT);
	chip->vl = kvcalloc(KVM_CORE_MAX_VCPUS, sizeof(*chip->vl), GFP_KERNEL_ACCOUNT);
	if (!chip->lapic || !chip->vl)
		goto err_free;
	vpic_init(&chip->pic, &kvmx86_vpic_ops, chip);
	vioapic_init(&chip->ioapic, &kvmx86_vioapic_ops, chip);

	r = irqchip_register(chip);
	if (r)
		goto err_free;
	r = kvmx86_irq_routing_init(vm, mode == KVMX86_IRQCHIP_KERNEL);
	if (r)
		goto err_free;
	smp_store_release(&xvm->irqchip, chip);
	mutex_unlock(&vm->lock);
	return 0;

err_free:
	irqchip_free(chip);
out:
	mutex_unlock(&vm->lock);
	return r;
}

int kvmx86_irqchip_enable_split(struct kvm_vm *vm, struct kvm_enable_cap *cap)
{
	if (cap->args[0] > SPLIT_MAX_RESERVED_PINS)
		return -EINVAL;
	return irqchip_create(vm, KVMX86_IRQCHIP_SPLIT, cap->args[0]);
}

/* Caller: kvm_arch_vm_destroy(), after every vCPU (and so every LAPIC) is gone. */
void kvmx86_irqchip_destroy(struct kvm_vm *vm)
{
	struct kvm_x86_vm *xvm = vm->arch;

	if (!xvm->irqchip)
		return;
	irqchip_free(xvm->irqchip);
	xvm->irqchip = NULL;
}

/* ---- KVM_GET_IRQCHIP / KVM_SET_IRQCHIP ---- */

static int irqchip_get(struct kvmx86_irqchip *chip, struct kvm_irqchip *s)
{
	unsigned long flags;

	BUILD_BUG_ON(sizeof(s->chip.pic) != sizeof(struct vpic_chip_state));
	BUILD_BUG_ON(sizeof(s->chip.ioapic) != sizeof(struct vioapic_state));
	switch (s->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		spin_lock_irqsave(&chip->pic_lock, flags);
		vpic_get_state(&chip->pic, s->chip_id, (struct vpic_chip_state *)&s->chip.pic);
		spin_unlock_irqrestore(&chip->pic_lock, flags);
		return 0;
	case KVM_IRQCHIP_IOAPIC:
		spin_lock_irqsave(&chip->ioapic_lock, flags);
		vioapic_get_state(&chip->ioapic, (struct vioapic_state *)&s->chip.ioapic);
		spin_unlock_irqrestore(&chip->ioapic_lock, flags);
		return 0;
	default:
		return -EINVAL;
	}
}

static int irqchip_set(struct kvmx86_irqchip *chip, const struct kvm_irqchip *s)
{
	unsigned long flags;

	switch (s->chip_id) {
	case KVM_IRQCHIP_PIC_MASTER:
	case KVM_IRQCHIP_PIC_SLAVE:
		spin_lock_irqsave(&chip->pic_lock, flags);
		vpic_set_state(&chip->pic, s->chip_id,
			       (const struct vpic_chip_state *)&s->chip.pic);
		spin_unlock_irqrestore(&chip->pic_lock, flags);
		break;
	case KVM_IRQCHIP_IOAPIC:
		spin_lock_irqsave(&chip->ioapic_lock, flags);
		vioapic_set_state(&chip->ioapic, (const struct vioapic_state *)&s->chip.ioapic);
		spin_unlock_irqrestore(&chip->ioapic_lock, flags);
		break;
	default:
		return -EINVAL;
	}
	kvmx86_irqchip_notify_acks(chip);
	return 0;
}

long kvmx86_irqchip_vm_ioctl(struct kvm_vm *vm, unsigned int ioctl, void __user *argp)
{
	struct kvmx86_irqchip *chip;
	struct kvm_irqchip *s;
	long r;

	if (ioctl == KVM_CREATE_IRQCHIP)
		return irqchip_create(vm, KVMX86_IRQCHIP_KERNEL, 0);
	if (ioctl != KVM_GET_IRQCHIP && ioctl != KVM_SET_IRQCHIP)
		return -ENOTTY;

	s = memdup_user(argp, sizeof(*s));
	if (IS_ERR(s))
		return PTR_ERR(s);
	chip = kvmx86_irqchip(vm);
	r = -ENXIO;
	if (!chip || chip->mode != KVMX86_IRQCHIP_KERNEL)
		goto out;
	if (ioctl == KVM_GET_IRQCHIP) {
		r = irqchip_get(chip, s);
		if (!r && copy_to_user(argp, s, sizeof(*s)))
			r = -EFAULT;
	} else {
		r = irqchip_set(chip, s);
	}
out:
	kfree(s);
	return r;
}
