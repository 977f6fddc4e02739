// SPDX-License-Identifier: GPL-2.0-only
/*
 * GSI routing, KVM_IRQ_LINE(_STATUS), KVM_SIGNAL_MSI and KVM_IRQFD at the ioctl
 * level.  Without an in-kernel irqchip every one of them fails as Linux's
 * does, and the interrupt capabilities follow KVM_CAP_IRQCHIP.  With one
 * (skipped where KVM_CREATE_IRQCHIP is not offered): KVM_SET_GSI_ROUTING's
 * validation, atomic replacement of the table (seen through
 * KVM_IRQ_LINE_STATUS on routed and unrouted GSIs), irqfd assign/deassign
 * rules, and irqfds torn down by closing their eventfd or the VM.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvmt.h"

#define MAX_ROUTES	4096

static struct kvm_irq_routing *routing_new(uint32_t nr)
{
	struct kvm_irq_routing *r = calloc(1, sizeof(*r) + (nr ? nr : 1) *
					   sizeof(struct kvm_irq_routing_entry));

	KT_ASSERT(r, "calloc");
	r->nr = nr;
	return r;
}

static void route_chip(struct kvm_irq_routing_entry *e, uint32_t gsi, uint32_t chip,
		       uint32_t pin)
{
	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_IRQCHIP;
	e->u.irqchip.irqchip = chip;
	e->u.irqchip.pin = pin;
}

static void route_msi(struct kvm_irq_routing_entry *e, uint32_t gsi, uint32_t data)
{
	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_MSI;
	e->u.msi.address_lo = 0xfee00000;
	e->u.msi.data = data;
}

static int set_routing(struct kt_vm *vm, struct kvm_irq_routing *r)
{
	return ioctl(vm->fd, KVM_SET_GSI_ROUTING, r);
}

/* KVM_IRQ_LINE_STATUS; returns the reported status (the ioctl must succeed). */
static int line_status(struct kt_vm *vm, uint32_t gsi, uint32_t level)
{
	struct kvm_irq_level ev = { .irq = gsi, .level = level };

	KT_ASSERT(ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &ev) == 0, "KVM_IRQ_LINE_STATUS gsi %u",
		  gsi);
	return ev.status;
}

static int irqfd(struct kt_vm *vm, int fd, uint32_t gsi, uint32_t flags, int resamplefd)
{
	struct kvm_irqfd a = {
		.fd = fd, .gsi = gsi, .flags = flags, .resamplefd = resamplefd,
	};

	return ioctl(vm->fd, KVM_IRQFD, &a);
}

static int new_efd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	KT_ASSERT(fd >= 0, "eventfd");
	return fd;
}

static void test_caps_follow_irqchip(void)
{
	int chip = kt_check_cap(KVM_CAP_IRQCHIP);
	int routes = kt_check_cap(KVM_CAP_IRQ_ROUTING);

	kt_diag("KVM_CAP_IRQCHIP %d, KVM_CAP_IRQ_ROUTING %d", chip, routes);
	if (chip > 0) {
		KT_ASSERT(routes == MAX_ROUTES, "KVM_CAP_IRQ_ROUTING %d", routes);
		KT_ASSERT(kt_check_cap(KVM_CAP_SIGNAL_MSI) > 0, "KVM_CAP_SIGNAL_MSI");
		KT_ASSERT(kt_check_cap(KVM_CAP_IRQ_INJECT_STATUS) > 0, "KVM_CAP_IRQ_INJECT_STATUS");
		KT_ASSERT(kt_check_cap(KVM_CAP_IRQFD) > 0, "KVM_CAP_IRQFD");
		KT_ASSERT(kt_check_cap(KVM_CAP_IRQFD_RESAMPLE) > 0, "KVM_CAP_IRQFD_RESAMPLE");
	} else {
		KT_ASSERT(routes == 0 && kt_check_cap(KVM_CAP_SIGNAL_MSI) == 0 &&
			  kt_check_cap(KVM_CAP_IRQFD) == 0 &&
			  kt_check_cap(KVM_CAP_IRQFD_RESAMPLE) == 0 &&
			  kt_check_cap(KVM_CAP_IRQ_INJECT_STATUS) == 0,
			  "interrupt capabilities offered without an in-kernel irqchip");
	}
}

static void test_no_irqchip(void)
{
	struct kt_vm *vm = kt_vm_create_bare();
	struct kvm_irq_level ev = { .irq = 4, .level = 1 };
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x30 };
	struct kvm_irq_routing *r = routing_new(1);
	int fd = new_efd(), rfd = new_efd();

	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_IRQ_LINE, &ev), ENXIO);
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_IRQ_LINE_STATUS, &ev), ENXIO);
	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_SIGNAL_MSI, &msi), EINVAL);

	route_msi(&r->entries[0], 1, 0x30);
	KT_ASSERT_ERRNO(set_routing(vm, r), EINVAL);
	r->nr = 0;
	KT_ASSERT_ERRNO(set_routing(vm, r), EINVAL);

	KT_ASSERT_ERRNO(irqfd(vm, fd, 5, 0, 0), EINVAL);
	KT_ASSERT_ERRNO(irqfd(vm, fd, 5, KVM_IRQFD_FLAG_RESAMPLE, rfd), EINVAL);
	KT_ASSERT_ERRNO(irqfd(vm, fd, 5, 1u << 2, 0), EINVAL);
	/* Deassign looks the eventfd up first, and finding no irqfd is not an error. */
	KT_ASSERT_ERRNO(irqfd(vm, -1, 5, KVM_IRQFD_FLAG_DEASSIGN, 0), EBADF);
	KT_ASSERT_ERRNO(irqfd(vm, vm->fd, 5, KVM_IRQFD_FLAG_DEASSIGN, 0), EINVAL);
	KT_ASSERT_OK(irqfd(vm, fd, 5, KVM_IRQFD_FLAG_DEASSIGN, 0));

	free(r);
	close(fd);
	close(rfd);
	kt_vm_free(vm);
}

/* A VM with KVM_CREATE_IRQCHIP done, or a skipped case. */
static struct kt_vm *vm_with_irqchip(void)
{
	struct kt_vm *vm = kt_vm_create_bare();

	if (kt_check_cap(KVM_CAP_IRQCHIP) <= 0)
		KT_SKIP("no in-kernel irqchip (KVM_CAP_IRQCHIP is 0)");
	KT_ASSERT(ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0) == 0, "KVM_CREATE_IRQCHIP");
	return vm;
}

static void test_routing_validation(void)
{
	struct kt_vm *vm = vm_with_irqchip();
	struct kvm_irq_routing *r = routing_new(MAX_ROUTES + 1);
	uint32_t i;

	/* Table size and header flags. */
	for (i = 0; i < MAX_ROUTES + 1; i++)
		route_msi(&r->entries[i], i % MAX_ROUTES, i);
	KT_ASSERT_ERRNO(set_routing(vm, r), EINVAL);	/* 4097 entries */
	r->nr = MAX_ROUTES;
	KT_ASSERT_OK(set_routing(vm, r));		/* 4096 MSI routes, GSI 0-4095 */
	r->nr = 0;
	r->flags = 1;
	KT_ASSERT_ERRNO(set_routing(vm, r), EINVAL);
	r->flags = 0;
	KT_ASSERT_OK(set_routing(vm, r));

	r->nr = 1;
	route_msi(&r->entries[0], MAX_ROUTES, 0x30);	/* GSI out of range */
	KT_ASSERT_ERRNO(set_routing(vm, r), EINVAL);
	route_msi(&r->entries[0], 7, 0x30);
	r->entries[0].flags = 2;			/* unknown MSI flag */
	KT_ASSERT_ERRNO(set_routing(vm, r), EINVAL);
	r->entries[0].flags = KVM_MSI_VALID_DEVID;	/* x86 takes and ignores a device id */
	KT_ASSERT_OK(set_routing(vm, r));
	route_chip(&r->entries[0], 7, KVM_IRQCHIP_IOAPIC, 7);
	r->entries[0].flags = 1;			/* irqchip routes have no flags */
	KT_ASSERT_ERRNO(set_routing(vm, r), EINVAL);
	route_chip(&r->entries[0], 7, KVM_IRQCHIP_IOAPIC, 7);
	r->entries[0].type = 0;
	KT_ASSERT_ERRNO(set_routing(vm, r), EINVAL);
	r->entries[0].type = KVM_IRQ_ROUTING_S390_ADAPTER;
	KT_ASSERT_ERRNO(set_routing(vm, r), EINVAL);
	r->entries[0].type = 99;
	KT_ASSERT_ERRNO(set_routing(vm, r), EINVAL);

	/* irqchip and pin ranges. */
	route_chip(&r->entries[0], 1, 3, 0);
	KT_ASSERT_ERRNO(set_routing(vm, r), EINVAL);
	route_chip(&r->entries[0], 1, KVM_IRQCHIP_PIC_MASTER, 8);
	KT_ASSERT_ERRNO(set_routing(vm, r), EINVAL);
	route_chip(&r->entries[0], 1, KVM_IRQCHIP_PIC_SLAVE, 8);
	KT_ASSERT_ERRNO(set_routing(vm, r), EINVAL);
	route_chip(&r->entries[0], 1, KVM_IRQCHIP_PIC_SLAVE, 7);
	KT_ASSERT_OK(set_routing(vm, r));
	route_chip(&r->entries[0], 1, KVM_IRQCHIP_IOAPIC, KVM_IOAPIC_NUM_PINS);
	KT_ASSERT_ERRNO(set_routing(vm, r), EINVAL);
	route_chip(&r->entries[0], 1, KVM_IRQCHIP_IOAPIC, KVM_IOAPIC_NUM_PINS - 1);
	KT_ASSERT_OK(set_routing(vm, r));

	/* One route per irqchip for a GSI, or a single MSI. */
	r->nr = 2;
	route_chip(&r->entries[0], 3, KVM_IRQCHIP_IOAPIC, 3);
	route_chip(&r->entries[1], 3, KVM_IRQCHIP_IOAPIC, 4);
	KT_ASSERT_ERRNO(set_routing(vm, r), EINVAL);
	route_chip(&r->entries[1], 3, KVM_IRQCHIP_PIC_MASTER, 3);
	KT_ASSERT_OK(set_routing(vm, r));
	route_msi(&r->entries[1], 3, 0x31);
	KT_ASSERT_ERRNO(set_routing(vm, r), EINVAL);
	route_msi(&r->entries[0], 3, 0x30);
	KT_ASSERT_ERRNO(set_routing(vm, r), EINVAL);
	route_msi(&r->entries[1], 4, 0x31);
	KT_ASSERT_OK(set_routing(vm, r));

	free(r);
	kt_vm_free(vm);
}

static void test_routing_replaced(void)
{
	struct kt_vm *vm = vm_with_irqchip();
	struct kvm_irq_routing *r = routing_new(2);

	/*
	 * Lowering a line routed to the IOAPIC reports 1 (observed on Debian's 6.1;
	 * raising a masked pin reports -1 like no route at all), so level 0 tells
	 * routed from unrouted GSIs.  The default table routes GSI 0-23.
	 */
	KT_ASSERT(line_status(vm, 4, 0) >= 0, "GSI 4 unrouted in the default table");
	KT_ASSERT(line_status(vm, 23, 0) >= 0, "GSI 23 unrouted in the default table");
	KT_ASSERT(line_status(vm, 24, 0) == -1, "GSI 24 routed in the default table");
	KT_ASSERT(line_status(vm, 24, 1) == -1, "GSI 24 routed in the default table");
	KT_ASSERT(line_status(vm, 100000, 1) == -1, "GSI 100000");

	r->nr = 0;
	KT_ASSERT_OK(set_routing(vm, r));
	KT_ASSERT(line_status(vm, 4, 0) == -1, "GSI 4 still routed after an empty table");

	r->nr = 1;
	route_chip(&r->entries[0], 40, KVM_IRQCHIP_IOAPIC, 9);
	KT_ASSERT_OK(set_routing(vm, r));
	KT_ASSERT(line_status(vm, 40, 0) >= 0, "GSI 40 not routed");
	KT_ASSERT(line_status(vm, 9, 0) == -1, "GSI 9 routed");

	/* A refused table leaves the old one in place. */
	r->nr = 2;
	route_chip(&r->entries[0], 9, KVM_IRQCHIP_IOAPIC, 9);
	route_chip(&r->entries[1], 9, KVM_IRQCHIP_IOAPIC, 10);
	KT_ASSERT_ERRNO(set_routing(vm, r), EINVAL);
	KT_ASSERT(line_status(vm, 40, 0) >= 0, "GSI 40 lost by a refused table");
	KT_ASSERT(line_status(vm, 9, 0) == -1, "GSI 9 routed by a refused table");

	/* KVM_IRQ_LINE does not report, but takes the same path. */
	{
		struct kvm_irq_level ev = { .irq = 40, .level = 0 };

		KT_ASSERT_OK(ioctl(vm->fd, KVM_IRQ_LINE, &ev));
	}
	free(r);
	kt_vm_free(vm);
}

static void test_irqfd_rules(void)
{
	struct kt_vm *vm = vm_with_irqchip();
	int a = new_efd(), b = new_efd(), rs = new_efd(), c;
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x30, .flags = 2 };
	uint64_t one = 1;

	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_SIGNAL_MSI, &msi), EINVAL);

	KT_ASSERT_OK(irqfd(vm, a, 5, 0, 0));
	KT_ASSERT_ERRNO(irqfd(vm, a, 6, 0, 0), EBUSY);	/* one irqfd per eventfd */
	KT_ASSERT_OK(irqfd(vm, b, 5, 0, 0));		/* two eventfds, one GSI */
	KT_ASSERT_ERRNO(irqfd(vm, -1, 5, 0, 0), EBADF);
	KT_ASSERT_ERRNO(irqfd(vm, vm->fd, 5, 0, 0), EINVAL);
	KT_ASSERT(write(a, &one, sizeof(one)) == sizeof(one), "signal");
	/* Deassign needs the GSI too; a wrong one leaves it assigned. */
	KT_ASSERT_OK(irqfd(vm, a, 6, KVM_IRQFD_FLAG_DEASSIGN, 0));
	KT_ASSERT_ERRNO(irqfd(vm, a, 7, 0, 0), EBUSY);
	KT_ASSERT_OK(irqfd(vm, a, 5, KVM_IRQFD_FLAG_DEASSIGN, 0));
	KT_ASSERT_OK(irqfd(vm, a, 7, 0, 0));		/* free again */

	/* Resampling irqfds: a bad resamplefd, then two on one GSI. */
	c = new_efd();
	KT_ASSERT_ERRNO(irqfd(vm, c, 10, KVM_IRQFD_FLAG_RESAMPLE, -1), EBADF);
	KT_ASSERT_OK(irqfd(vm, c, 10, KVM_IRQFD_FLAG_RESAMPLE, rs));
	KT_ASSERT(write(c, &one, sizeof(one)) == sizeof(one), "signal");
	close(c);				/* EPOLLHUP tears it down */
	c = new_efd();
	KT_ASSERT_OK(irqfd(vm, c, 10, KVM_IRQFD_FLAG_RESAMPLE, rs));
	KT_ASSERT_OK(irqfd(vm, c, 10, KVM_IRQFD_FLAG_DEASSIGN, 0));
	KT_ASSERT_OK(irqfd(vm, c, 11, KVM_IRQFD_FLAG_RESAMPLE, rs));

	/* Closing the eventfd first, then the VM with irqfds still assigned. */
	close(b);
	kt_vm_free(vm);
	close(a);
	close(c);
	close(rs);
}

/*
 * KVM_CAP_SPLIT_IRQCHIP: LAPICs in the kernel, PIC and IOAPIC in userspace.
 * Routing starts empty and takes MSI routes only; irqfds work, resampling ones
 * do not (no in-kernel EOI to resample on).
 */
static void test_split_irqchip(void)
{
	struct kt_vm *vm = kt_vm_create_bare();
	struct kvm_enable_cap cap = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 } };
	struct kvm_irq_routing *r = routing_new(1);
	struct kvm_msi msi = { .address_lo = 0xfee00000, .data = 0x30, .flags = 2 };
	int fd = new_efd(), rs = new_efd();

	/* Tried even where the capability is not listed: enabling it is what counts. */
	if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap))
		KT_SKIP("KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP): %s (listed: %d)", strerror(errno),
			kt_check_cap(KVM_CAP_SPLIT_IRQCHIP));

	KT_ASSERT(line_status(vm, 4, 0) == -1, "GSI 4 routed in the split irqchip's table");
	route_chip(&r->entries[0], 4, KVM_IRQCHIP_IOAPIC, 4);
	KT_ASSERT_ERRNO(set_routing(vm, r), EINVAL);
	route_chip(&r->entries[0], 4, KVM_IRQCHIP_PIC_MASTER, 4);
	KT_ASSERT_ERRNO(set_routing(vm, r), EINVAL);
	route_msi(&r->entries[0], 4, 0x30);
	KT_ASSERT_OK(set_routing(vm, r));
	r->nr = 0;
	KT_ASSERT_OK(set_routing(vm, r));

	KT_ASSERT_ERRNO(ioctl(vm->fd, KVM_SIGNAL_MSI, &msi), EINVAL);
	KT_ASSERT_ERRNO(irqfd(vm, fd, 5, KVM_IRQFD_FLAG_RESAMPLE, rs), EINVAL);
	KT_ASSERT_OK(irqfd(vm, fd, 5, 0, 0));
	KT_ASSERT_OK(irqfd(vm, fd, 5, KVM_IRQFD_FLAG_DEASSIGN, 0));

	free(r);
	close(fd);
	close(rs);
	kt_vm_free(vm);
}

struct signaller {
	int fd;
	atomic_bool stop;
	unsigned long writes;
};

static void *signal_thread(void *arg)
{
	struct signaller *s = arg;
	uint64_t one = 1;

	while (!atomic_load(&s->stop)) {
		if (write(s->fd, &one, sizeof(one)) == sizeof(one))
			s->writes++;
	}
	return NULL;
}

/*
 * irqfd lifetimes under load: one eventfd signalled without pause by another
 * thread is assigned and deassigned over and over; short-lived eventfds are
 * signalled and then deassigned or closed (EPOLLHUP) at once, some of them
 * resampling; the VM is closed with irqfds still assigned.  Every ioctl must
 * succeed and the kernel must not warn.
 */
static void test_irqfd_stress(void)
{
	struct kt_vm *vm = vm_with_irqchip();
	struct signaller sig = { .fd = new_efd() };
	int rs = new_efd(), i, e;
	uint64_t one = 1;
	pthread_t th;

	KT_ASSERT(!pthread_create(&th, NULL, signal_thread, &sig), "pthread_create");
	for (i = 0; i < 300; i++) {
		uint32_t gsi = 16 + i % 8;
		bool resample = i % 3 == 0;

		KT_ASSERT(irqfd(vm, sig.fd, gsi, 0, 0) == 0, "assign round %d", i);
		KT_ASSERT(irqfd(vm, sig.fd, gsi, KVM_IRQFD_FLAG_DEASSIGN, 0) == 0,
			  "deassign round %d", i);

		e = new_efd();
		KT_ASSERT(irqfd(vm, e, gsi, resample ? KVM_IRQFD_FLAG_RESAMPLE : 0, rs) == 0,
			  "assign short-lived round %d", i);
		KT_ASSERT(write(e, &one, sizeof(one)) == sizeof(one), "signal");
		if (i % 2)
			KT_ASSERT(irqfd(vm, e, gsi, KVM_IRQFD_FLAG_DEASSIGN, 0) == 0,
				  "deassign short-lived round %d", i);
		close(e);
	}
	KT_ASSERT(irqfd(vm, sig.fd, 20, 0, 0) == 0, "final assign");
	e = new_efd();
	KT_ASSERT(irqfd(vm, e, 21, KVM_IRQFD_FLAG_RESAMPLE, rs) == 0, "final resampler");
	kt_vm_free(vm);		/* irqfds still assigned, one still signalled */
	atomic_store(&sig.stop, true);
	pthread_join(th, NULL);
	kt_diag("%lu signals during 300 rounds", sig.writes);
	close(sig.fd);
	close(e);
	close(rs);
}

int main(void)
{
	static const struct ktest_case cases[] = {
		{ "caps_follow_irqchip", test_caps_follow_irqchip },
		{ "no_irqchip", test_no_irqchip },
		{ "routing_validation", test_routing_validation },
		{ "routing_replaced", test_routing_replaced },
		{ "irqfd_rules", test_irqfd_rules },
		{ "split_irqchip", test_split_irqchip },
		{ "irqfd_stress", test_irqfd_stress },
	};

	return ktest_main(cases, KTEST_NCASES(cases));
}
