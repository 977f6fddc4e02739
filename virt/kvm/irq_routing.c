// SPDX-License-Identifier: GPL-2.0-only
/*
 * GSI routing (KVM_SET_GSI_ROUTING) and the injection ioctls that go through
 * it (KVM_IRQ_LINE, KVM_IRQ_LINE_STATUS, KVM_SIGNAL_MSI).  Semantics and the
 * architecture's side: <linux/kvm_irq.h>.
 *
 * The table is immutable once published.  Its routes are grouped by GSI
 * (first[g] .. first[g + 1] index the routes of GSI g), in the order userspace
 * gave them, and a reverse map gives the GSI of each irqchip pin for ack
 * notifications.  Readers look it up inside an SRCU read section of
 * io->irq_srcu; writers (io->routing_lock) publish a new table, wait for the
 * readers of the old one and free it.
 *
 * The irqchips are x86's (KVM_NR_IRQCHIPS: two 8-pin PICs and a 24-pin
 * IOAPIC); another architecture would pass its own limits.
 *
 * Lock order: io->routing_lock only (kvm_arch_set_irq_route() is called with
 * no lock of this file held, inside the SRCU read section).
 */
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <linux/kvm_arch.h>
#include <linux/kvm_irq.h>
#include "io_internal.h"

#define IRQCHIP_MAX_PINS	KVM_IOAPIC_NUM_PINS

struct kvm_irq_routing_table {
	u32 nr_gsi;			/* highest GSI + 1 (0: no route) */
	u32 nr_routes;
	u32 *first;			/* [nr_gsi + 1] */
	s32 chip_gsi[KVM_NR_IRQCHIPS][IRQCHIP_MAX_PINS];	/* pin -> GSI, -1: none */
	struct kvm_irq_route routes[];
};

static const u32 irqchip_pins[KVM_NR_IRQCHIPS] = {
	[KVM_IRQCHIP_PIC_MASTER] = 8,
	[KVM_IRQCHIP_PIC_SLAVE] = 8,
	[KVM_IRQCHIP_IOAPIC] = KVM_IOAPIC_NUM_PINS,
};

static struct kvm_irq_routing_table *table_alloc(u32 nr_routes, u32 nr_gsi)
{
	struct kvm_irq_routing_table *t;
	size_t size = struct_size(t, routes, nr_routes);
	size_t first_off = ALIGN(size, sizeof(u32));

	t = kvzalloc(first_off + (nr_gsi + 1) * sizeof(u32), GFP_KERNEL_ACCOUNT);
	if (!t)
		return NULL;
	t->nr_routes = nr_routes;
	t->nr_gsi = nr_gsi;
	t->first = (u32 *)((u8 *)t + first_off);
	memset(t->chip_gsi, 0xff, sizeof(t->chip_gsi));
	return t;
}

/* One userspace entry to a route; -EINVAL when Linux would refuse it. */
static int route_from_user(struct kvm_vm *vm, const struct kvm_irq_routing_entry *ue,
			   struct kvm_irq_route *r)
{
	memset(r, 0, sizeof(*r));
	r->gsi = ue->gsi;
	r->type = ue->type;
	switch (ue->type) {
	case KVM_IRQ_ROUTING_IRQCHIP:
		if (ue->flags)
			return -EINVAL;
		/* With a split irqchip the PIC and IOAPIC live in userspace. */
		if (!kvm_arch_irqchip_in_kernel(vm))
			return -EINVAL;
		if (ue->u.irqchip.irqchip >= KVM_NR_IRQCHIPS ||
		    ue->u.irqchip.pin >= irqchip_pins[ue->u.irqchip.irqchip])
			return -EINVAL;
		r->chip.irqchip = ue->u.irqchip.irqchip;
		r->chip.pin = ue->u.irqchip.pin;
		return 0;
	case KVM_IRQ_ROUTING_MSI:
		/* x86 ignores the device id (as Linux); it only accepts the flag. */
		if (ue->flags & ~KVM_MSI_VALID_DEVID)
			return -EINVAL;
		r->msi.address_lo = ue->u.msi.address_lo;
		r->msi.address_hi = ue->u.msi.address_hi;
		r->msi.data = ue->u.msi.data;
		r->msi.flags = ue->flags;
		r->msi.devid = ue->u.msi.devid;
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * A GSI may have one route per irqchip, or exactly one MSI route.  Checks the
 * routes of one GSI, routes[a .. b).
 */
static bool gsi_routes_valid(const struct kvm_irq_route *routes, u32 a, u32 b)
{
	u32 i, j;

	for (i = a; i < b; i++) {
		for (j = a; j < i; j++) {
			if (routes[i].type != KVM_IRQ_ROUTING_IRQCHIP ||
			    routes[j].type != KVM_IRQ_ROUTING_IRQCHIP ||
			    routes[i].chip.irqchip == routes[j].chip.irqchip)
				return false;
		}
	}
	return true;
}

/*
 * Build a table from nr routes in any GSI order.  A counting sort keeps the
 * routes of one GSI in the order given.  Returns the table or an ERR_PTR.
 */
static struct kvm_irq_routing_table *table_build(const struct kvm_irq_route *in, u32 nr)
{
	struct kvm_irq_routing_table *t;
	u32 i, g, nr_gsi = 0, *fill;

	for (i = 0; i < nr; i++)
		nr_gsi = max(nr_gsi, in[i].gsi + 1);
	t = table_alloc(nr, nr_gsi);
	if (!t)
		return ERR_PTR(-ENOMEM);

	for (i = 0; i < nr; i++)
		t->first[in[i].gsi + 1]++;
	for (g = 0; g < nr_gsi; g++)
		t->first[g + 1] += t->first[g];

	fill = kvcalloc(nr_gsi + 1, sizeof(u32), GFP_KERNEL_ACCOUNT);
	if (!fill) {
		kvfree(t);
		return ERR_PTR(-ENOMEM);
	}
	for (i = 0; i < nr; i++) {
		g = in[i].gsi;
		t->routes[t->first[g] + fill[g]++] = in[i];
	}
	kvfree(fill);

	for (g = 0; g < nr_gsi; g++) {
		if (!gsi_routes_valid(t->routes, t->first[g], t->first[g + 1])) {
			kvfree(t);
			return ERR_PTR(-EINVAL);
		}
	}
	for (i = 0; i < nr; i++) {
		const struct kvm_irq_route *r = &t->routes[i];

		if (r->type == KVM_IRQ_ROUTING_IRQCHIP)
			t->chip_gsi[r->chip.irqchip][r->chip.pin] = r->gsi;
	}
	return t;
}

/* Publish t (may be NULL: no routes) and free the table it replaces. */
static void table_install(struct kvm_vm *vm, struct kvm_irq_routing_table *t)
{
	struct kvm_vm_io *io = vm->io;
	struct kvm_irq_routing_table *old;

	mutex_lock(&io->routing_lock);
	old = rcu_dereference_protected(io->routing, lockdep_is_held(&io->routing_lock));
	rcu_assign_pointer(io->routing, t);
	mutex_unlock(&io->routing_lock);
	synchronize_srcu_expedited(&io->irq_srcu);
	kvfree(old);
}

static int set_routes(struct kvm_vm *vm, const struct kvm_irq_route *routes, u32 nr)
{
	struct kvm_irq_routing_table *t = table_build(routes, nr);

	if (IS_ERR(t))
		return PTR_ERR(t);
	table_install(vm, t);
	return 0;
}

/* KVM_SET_GSI_ROUTING */
int kvm_vm_ioctl_set_gsi_routing(struct kvm_vm *vm, void __user *argp)
{
	struct kvm_irq_routing __user *urt = argp;
	struct kvm_irq_routing_entry *ue = NULL;
	struct kvm_irq_route *routes = NULL;
	struct kvm_irq_routing head;
	u32 i;
	int r;

	if (copy_from_user(&head, urt, sizeof(head)))
		return -EFAULT;
	if (!kvm_arch_lapic_in_kernel(vm))
		return -EINVAL;
	if (head.nr > KVM_MAX_IRQ_ROUTES || head.flags)
		return -EINVAL;
	if (head.nr) {
		ue = vmemdup_user(urt->entries, array_size(sizeof(*ue), head.nr));
		if (IS_ERR(ue))
			return PTR_ERR(ue);
		r = -ENOMEM;
		routes = kvcalloc(head.nr, sizeof(*routes), GFP_KERNEL_ACCOUNT);
		if (!routes)
			goto out;
	}
	r = -EINVAL;
	for (i = 0; i < head.nr; i++)
		if (ue[i].gsi >= KVM_MAX_IRQ_ROUTES)
			goto out;
	for (i = 0; i < head.nr; i++) {
		r = route_from_user(vm, &ue[i], &routes[i]);
		if (r)
			goto out;
	}
	r = set_routes(vm, routes, head.nr);
out:
	kvfree(routes);
	kvfree(ue);
	return r;
}

int kvm_irq_routing_set_default(struct kvm_vm *vm)
{
	struct kvm_irq_route routes[16 * 2 + 8];
	u32 g, n = 0;

	for (g = 0; g < 24; g++) {
		routes[n++] = (struct kvm_irq_route){
			.gsi = g, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.chip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = g },
		};
		if (g < 16)
			routes[n++] = (struct kvm_irq_route){
				.gsi = g, .type = KVM_IRQ_ROUTING_IRQCHIP,
				.chip = { .irqchip = g < 8 ? KVM_IRQCHIP_PIC_MASTER :
							     KVM_IRQCHIP_PIC_SLAVE,
					  .pin = g % 8 },
			};
	}
	return set_routes(vm, routes, n);
}
EXPORT_SYMBOL_GPL(kvm_irq_routing_set_default);

int kvm_set_irq(struct kvm_vm *vm, int source, u32 gsi, int level, bool line_status)
{
	struct kvm_vm_io *io = vm->io;
	const struct kvm_irq_routing_table *t;
	int idx, ret = -1;
	u32 i;

	idx = srcu_read_lock(&io->irq_srcu);
	t = srcu_dereference(io->routing, &io->irq_srcu);
	if (t && gsi < t->nr_gsi) {
		for (i = t->first[gsi]; i < t->first[gsi + 1]; i++) {
			int r = kvm_arch_set_irq_route(vm, &t->routes[i], source, level,
						       line_status);

			if (r < 0)
				continue;
			ret = (ret < 0 ? 0 : ret) + r;
		}
	}
	srcu_read_unlock(&io->irq_srcu, idx);
	return ret;
}
EXPORT_SYMBOL_GPL(kvm_set_irq);

int kvm_irq_pin_gsi(struct kvm_vm *vm, u32 irqchip, u32 pin)
{
	struct kvm_vm_io *io = vm->io;
	const struct kvm_irq_routing_table *t;
	int idx, gsi = -1;

	if (irqchip >= KVM_NR_IRQCHIPS || pin >= irqchip_pins[irqchip])
		return -1;
	idx = srcu_read_lock(&io->irq_srcu);
	t = srcu_dereference(io->routing, &io->irq_srcu);
	if (t)
		gsi = t->chip_gsi[irqchip][pin];
	srcu_read_unlock(&io->irq_srcu, idx);
	return gsi;
}
EXPORT_SYMBOL_GPL(kvm_irq_pin_gsi);

void kvm_irq_notify_ack(struct kvm_vm *vm, u32 irqchip, u32 pin)
{
	int gsi = kvm_irq_pin_gsi(vm, irqchip, pin);

	if (gsi >= 0)
		kvm_irqfd_resample(vm, gsi);
}
EXPORT_SYMBOL_GPL(kvm_irq_notify_ack);

/* KVM_IRQ_LINE and KVM_IRQ_LINE_STATUS (which also reports the result). */
int kvm_vm_ioctl_irq_line(struct kvm_vm *vm, void __user *argp, bool status)
{
	struct kvm_irq_level ev;

	if (copy_from_user(&ev, argp, sizeof(ev)))
		return -EFAULT;
	if (!kvm_arch_lapic_in_kernel(vm))
		return -ENXIO;
	ev.status = kvm_set_irq(vm, KVM_IRQ_SOURCE_USER, ev.irq, ev.level, status);
	if (status && copy_to_user(argp, &ev, sizeof(ev)))
		return -EFAULT;
	return 0;
}

/* KVM_SIGNAL_MSI: returns the delivery result (> 0 delivered, 0 blocked). */
int kvm_vm_ioctl_signal_msi(struct kvm_vm *vm, void __user *argp)
{
	struct kvm_irq_route r = { .type = KVM_IRQ_ROUTING_MSI };
	struct kvm_msi msi;

	if (copy_from_user(&msi, argp, sizeof(msi)))
		return -EFAULT;
	if (!kvm_arch_lapic_in_kernel(vm) || (msi.flags & ~KVM_MSI_VALID_DEVID))
		return -EINVAL;
	r.msi.address_lo = msi.address_lo;
	r.msi.address_hi = msi.address_hi;
	r.msi.data = msi.data;
	r.msi.flags = msi.flags;
	r.msi.devid = msi.devid;
	return kvm_arch_set_irq_route(vm, &r, KVM_IRQ_SOURCE_USER, 1, false);
}

/* VM destruction: nothing injects any more. */
void kvm_irq_routing_free(struct kvm_vm *vm)
{
	kvfree(rcu_dereference_protected(vm->io->routing, 1));
	RCU_INIT_POINTER(vm->io->routing, NULL);
}
