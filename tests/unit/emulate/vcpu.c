// SPDX-License-Identifier: GPL-2.0-only
/* The fake vCPU behind the emulator's ops table (see vcpu.h). */
#include "vcpu.h"

#define V(ctxt) ((struct tv_vcpu *)(ctxt)->priv)

static u64 get_gpr(struct emu_ctxt *c, unsigned int r) { return V(c)->gpr[r]; }
static void set_gpr(struct emu_ctxt *c, unsigned int r, u64 v) { V(c)->gpr[r] = v; }
static u64 get_rip(struct emu_ctxt *c) { return V(c)->rip; }
static void set_rip(struct emu_ctxt *c, u64 v) { V(c)->rip = v; }
static u64 get_rflags(struct emu_ctxt *c) { return V(c)->rflags; }
static void set_rflags(struct emu_ctxt *c, u64 v) { V(c)->rflags = v; }
static unsigned int get_cpl(struct emu_ctxt *c) { return V(c)->cpl; }
static u64 get_efer(struct emu_ctxt *c) { return V(c)->efer; }

static void get_seg(struct emu_ctxt *c, unsigned int s, struct emu_seg *out)
{
	*out = V(c)->seg[s];
}

static void set_seg(struct emu_ctxt *c, unsigned int s, const struct emu_seg *in)
{
	V(c)->seg[s] = *in;
}

static void get_gdtr(struct emu_ctxt *c, u64 *base, u32 *limit)
{
	*base = V(c)->gdt_base;
	*limit = V(c)->gdt_limit;
}

static u64 get_cr(struct emu_ctxt *c, unsigned int nr)
{
	switch (nr) {
	case 0: return V(c)->cr0;
	case 3: return V(c)->cr3;
	case 4: return V(c)->cr4;
	default: return 0;
	}
}

static int translate(struct emu_ctxt *c, u64 la, unsigned int acc, u64 *gpa,
		     struct emu_fault *f)
{
	struct tv_vcpu *v = V(c);

	if (v->xlate)
		return v->xlate(v, la, acc, gpa, f);
	if (v->xlate_fault_at && (la & ~4095ull) == v->xlate_fault_at) {
		f->vector = EMU_EXC_PF;
		f->has_error = true;
		f->error = (acc & EMU_ACC_WRITE ? 2 : 0) | (acc & EMU_ACC_USER ? 4 : 0);
		f->cr2 = la;
		return -1;
	}
	*gpa = la;
	return 0;
}

static bool in_ram(struct tv_vcpu *v, u64 gpa, unsigned int len)
{
	return gpa >= v->ram_base && gpa - v->ram_base + len <= v->ram_size &&
	       gpa - v->ram_base + len >= len;
}

static int read_phys(struct emu_ctxt *c, u64 gpa, void *buf, unsigned int len)
{
	struct tv_vcpu *v = V(c);

	if (!in_ram(v, gpa, len))
		return EMU_MEM_MMIO;
	memcpy(buf, v->ram + (gpa - v->ram_base), len);
	return EMU_MEM_OK;
}

static int write_phys(struct emu_ctxt *c, u64 gpa, const void *buf, unsigned int len)
{
	struct tv_vcpu *v = V(c);

	if (!in_ram(v, gpa, len))
		return EMU_MEM_MMIO;
	memcpy(v->ram + (gpa - v->ram_base), buf, len);
	return EMU_MEM_OK;
}

static int cmpxchg_phys(struct emu_ctxt *c, u64 gpa, const void *old, const void *new,
			unsigned int len)
{
	struct tv_vcpu *v = V(c);
	u8 *p;

	if (!in_ram(v, gpa, len))
		return EMU_MEM_MMIO;
	v->ncmpxchg++;
	if (v->race_pending && in_ram(v, v->race_addr, 8)) {
		/* another vCPU stores just before our compare */
		memcpy(v->ram + (v->race_addr - v->ram_base), &v->race_val, 8);
		v->race_pending = false;
	}
	p = v->ram + (gpa - v->ram_base);
	if (memcmp(p, old, len))
		return EMU_MEM_CHANGED;
	memcpy(p, new, len);
	return EMU_MEM_OK;
}

static void log_access(struct tv_vcpu *v, bool pio, bool write, u64 addr, const void *d,
		       unsigned int len)
{
	struct tv_access *a;

	if (v->nlog >= TV_LOG_MAX)
		return;
	a = &v->log[v->nlog++];
	a->pio = pio;
	a->write = write;
	a->addr = addr;
	a->len = len;
	a->count = 1;
	a->data = 0;
	memcpy(&a->data, d, len);
}

/* The device behind the window: a byte array indexed by address. */
static void dev_read(struct tv_vcpu *v, u64 gpa, u8 *buf, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		buf[i] = v->mmio_mem[(gpa + i) & 255];
}

static void dev_write(struct tv_vcpu *v, u64 gpa, const u8 *buf, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		v->mmio_mem[(gpa + i) & 255] = buf[i];
}

static int mmio_read(struct emu_ctxt *c, u64 gpa, void *buf, unsigned int len)
{
	struct tv_vcpu *v = V(c);

	if (v->mmio_user)
		return EMU_MEM_USER;
	dev_read(v, gpa, buf, len);
	log_access(v, false, false, gpa, buf, len);
	return EMU_MEM_OK;
}

static int mmio_write(struct emu_ctxt *c, u64 gpa, const void *buf, unsigned int len)
{
	struct tv_vcpu *v = V(c);

	if (v->mmio_user)
		return EMU_MEM_USER;
	dev_write(v, gpa, buf, len);
	log_access(v, false, true, gpa, buf, len);
	return EMU_MEM_OK;
}

static int pio_in(struct emu_ctxt *c, u16 port, void *buf, unsigned int len)
{
	struct tv_vcpu *v = V(c);

	if (v->pio_user)
		return EMU_MEM_USER;
	memset(buf, (u8)port, len);
	log_access(v, true, false, port, buf, len);
	return EMU_MEM_OK;
}

static int pio_out(struct emu_ctxt *c, u16 port, const void *buf, unsigned int len)
{
	struct tv_vcpu *v = V(c);

	if (v->pio_user)
		return EMU_MEM_USER;
	log_access(v, true, true, port, buf, len);
	return EMU_MEM_OK;
}

static void get_vec(struct emu_ctxt *c, unsigned int idx, void *buf, unsigned int len)
{
	memcpy(buf, V(c)->vec[idx & 15], len > 32 ? 32 : len);
}

static void set_vec(struct emu_ctxt *c, unsigned int idx, const void *buf, unsigned int len,
		    bool zero_upper)
{
	u8 *r = V(c)->vec[idx & 15];

	if (len > 32)
		len = 32;
	memcpy(r, buf, len);
	if (zero_upper)
		memset(r + len, 0, 32 - len);
}

static void inject(struct emu_ctxt *c, const struct emu_fault *f)
{
	V(c)->injected = *f;
	V(c)->ninjected++;
}

const struct emu_ops tv_ops = {
	.get_gpr = get_gpr, .set_gpr = set_gpr,
	.get_rip = get_rip, .set_rip = set_rip,
	.get_rflags = get_rflags, .set_rflags = set_rflags,
	.get_seg = get_seg, .set_seg = set_seg, .get_gdtr = get_gdtr,
	.get_cr = get_cr, .get_efer = get_efer, .get_cpl = get_cpl,
	.translate = translate,
	.read_phys = read_phys, .write_phys = write_phys, .cmpxchg_phys = cmpxchg_phys,
	.mmio_read = mmio_read, .mmio_write = mmio_write,
	.pio_in = pio_in, .pio_out = pio_out,
	.get_vec = get_vec, .set_vec = set_vec,
	.inject_exception = inject,
};

static void flat_seg(struct emu_seg *s, u8 type, u32 limit, u8 db)
{
	memset(s, 0, sizeof(*s));
	s->type = type;
	s->s = 1;
	s->present = 1;
	s->limit = limit;
	s->db = db;
	s->g = limit > 0xfffff;
}

static void common_init(struct tv_vcpu *v, u8 *ram, u64 base, u64 size)
{
	memset(v, 0, sizeof(*v));
	v->ram = ram;
	v->ram_base = base;
	v->ram_size = size;
	v->rflags = 2;
	v->cr4 = (1u << 9) | (1u << 18);	/* OSFXSR, OSXSAVE */
	v->ctxt.ops = &tv_ops;
	v->ctxt.priv = v;
	v->mmio_base = 0xfee00000ull;
	v->mmio_size = 0x100000;
	/* TR: a 32-bit busy TSS with an empty I/O bitmap beyond its limit. */
	v->seg[EMU_TR].type = 11;
	v->seg[EMU_TR].present = 1;
	v->seg[EMU_TR].limit = 0x67;
}

void tv_init64(struct tv_vcpu *v, u8 *ram, u64 base, u64 size)
{
	unsigned int i;

	common_init(v, ram, base, size);
	v->cr0 = 0x80000011;			/* PG, ET, PE */
	v->cr4 |= 1u << 5;			/* PAE */
	v->efer = (1u << 8) | (1u << 10);	/* LME, LMA */
	for (i = 0; i < EMU_NR_SREGS; i++)
		flat_seg(&v->seg[i], 3, 0xffffffff, 1);
	flat_seg(&v->seg[EMU_CS], 11, 0xffffffff, 0);
	v->seg[EMU_CS].l = 1;
}

void tv_init32(struct tv_vcpu *v, u8 *ram, u64 base, u64 size)
{
	unsigned int i;

	common_init(v, ram, base, size);
	v->cr0 = 0x11;
	for (i = 0; i < EMU_NR_SREGS; i++)
		flat_seg(&v->seg[i], 3, 0xffffffff, 1);
	flat_seg(&v->seg[EMU_CS], 11, 0xffffffff, 1);
}

void tv_init16(struct tv_vcpu *v, u8 *ram, u64 base, u64 size)
{
	unsigned int i;

	common_init(v, ram, base, size);
	v->cr0 = 0x11;
	for (i = 0; i < EMU_NR_SREGS; i++)
		flat_seg(&v->seg[i], 3, 0xffff, 0);
	flat_seg(&v->seg[EMU_CS], 11, 0xffff, 0);
}

void tv_init_real(struct tv_vcpu *v, u8 *ram, u64 base, u64 size)
{
	unsigned int i;

	common_init(v, ram, base, size);
	v->cr0 = 0x10;
	for (i = 0; i < EMU_NR_SREGS; i++)
		flat_seg(&v->seg[i], 3, 0xffff, 0);
	flat_seg(&v->seg[EMU_CS], 11, 0xffff, 0);
}

enum emu_status tv_run(struct tv_vcpu *v, const u8 *bytes, unsigned int len,
		       unsigned int *nexits)
{
	enum emu_status st = emu_run(&v->ctxt, bytes, len);
	unsigned int n = 0;
	u8 data[EMU_INS_BATCH];

	while (st == EMU_EXIT_USER && n < 1000) {
		struct emu_exit *e = &v->ctxt.exit;

		n++;
		if (e->write) {
			if (e->pio)
				log_access(v, true, true, e->addr, e->data, e->len);
			else {
				dev_write(v, e->addr, e->data, e->len);
				log_access(v, false, true, e->addr, e->data, e->len);
			}
		} else {
			unsigned int k, count = e->pio && e->count ? e->count : 1;

			if (e->pio) {
				/* element k of a batch: port number + k in every byte */
				for (k = 0; k < count; k++)
					memset(data + k * e->len, (u8)(e->addr + k), e->len);
			} else {
				dev_read(v, e->addr, data, e->len);
			}
			k = v->nlog;
			log_access(v, e->pio, false, e->addr, data, e->len);
			if (v->nlog > k)
				v->log[k].count = count;
			emu_complete_read(&v->ctxt, data, e->len * count);
		}
		st = emu_resume(&v->ctxt);
	}
	if (nexits)
		*nexits = n;
	return st;
}
