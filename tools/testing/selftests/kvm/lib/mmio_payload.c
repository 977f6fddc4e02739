// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runner for the MMIO payload tables of mmio_payload.h: one raw VM per
 * payload and mode, RAM cut down to [0, 0xc000), optional IDT with stubs that
 * report exceptions, optional 4 KiB page table; then the exits are checked
 * step by step and read data supplied.
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mmio_payload.h"
#include "x86.h"

/*
 * Exception stubs: stub V (8 bytes at MP_STUBS + 8 * V) pushes V and jumps
 * to common code that reports the vector, the error code (vectors 8, 10-14,
 * 17), CR2 (#PF), ECX and EDI, then halts.
 */
#define STUB_TEXT								\
	".balign 8\n"								\
	".set vec, 0\n"								\
	".rept 32\n"								\
	".balign 8\n"								\
	"push $vec\n"								\
	"jmp 9f\n"								\
	".set vec, vec + 1\n"							\
	".endr\n"								\
	"9:\n"									\
	".if BITS == 64\n pop %rbx\n .else\n pop %ebx\n .endif\n"		\
	"mov %ebx, %eax\n"							\
	"out %al, $0xe0\n"							\
	"cmp $8, %bl\n je 8f\n"							\
	"cmp $10, %bl\n jb 7f\n"						\
	"cmp $14, %bl\n jbe 8f\n"						\
	"cmp $17, %bl\n jne 7f\n"						\
	"8:\n"									\
	".if BITS == 64\n pop %rax\n .else\n pop %eax\n .endif\n"		\
	"out %eax, $0xe1\n"							\
	"7:\n"									\
	"cmp $14, %bl\n jne 6f\n"						\
	".if BITS == 64\n mov %cr2, %rax\n .else\n mov %cr2, %eax\n .endif\n"	\
	"out %eax, $0xe2\n"							\
	"6:\n"									\
	"mov %ecx, %eax\n out %eax, $0xe3\n"					\
	"mov %edi, %eax\n out %eax, $0xe4\n"					\
	"hlt\n"

__asm__(".pushsection .rodata.mmio_payloads, \"a\"\n"
	".code32\n.set BITS, 32\n"
	".balign 8\n"
	"mp_stubs_32:\n" STUB_TEXT "mp_stubs_32_end:\n"
	".code64\n.set BITS, 64\n"
	".balign 8\n"
	"mp_stubs_64:\n" STUB_TEXT "mp_stubs_64_end:\n"
	".popsection\n");
extern const uint8_t mp_stubs_32[], mp_stubs_32_end[], mp_stubs_64[], mp_stubs_64_end[];

bool mp_impl_is_linux(void)
{
	static int cached = -1;
	char buf[64] = "";
	ssize_t n;
	int fd;

	if (cached >= 0)
		return cached;
	/*
	 * Our kvm.ko is built out of tree, so the kernel marks it 'O'; Debian's
	 * in-tree module has no such mark.
	 */
	fd = open("/sys/module/kvm/taint", O_RDONLY);
	KT_ASSERT(fd >= 0, "cannot tell which KVM is loaded: /sys/module/kvm/taint");
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	KT_ASSERT(n >= 0, "reading /sys/module/kvm/taint");
	cached = !strchr(buf, 'O');
	return cached;
}

static void mp_idt(uint8_t *mem, enum kt_cpu_mode mode, struct kvm_sregs *s)
{
	bool lm = mode == KT_MODE_LONG;
	const uint8_t *stubs = lm ? mp_stubs_64 : mp_stubs_32;
	const uint8_t *end = lm ? mp_stubs_64_end : mp_stubs_32_end;
	uint16_t sel = lm ? KT_RAW_SEL_CODE64 : KT_RAW_SEL_CODE32;
	unsigned int gate = lm ? 16 : 8;
	int v;

	KT_ASSERT(end - stubs <= 0x400, "exception stubs too big");
	memcpy(mem + MP_STUBS, stubs, end - stubs);
	for (v = 0; v < 32; v++) {
		uint8_t *g = mem + MP_IDT + v * gate;
		uint32_t off = MP_STUBS + 8 * v;

		memset(g, 0, gate);
		/* APM 4.8.4 / SDM 6.11: interrupt gate, present, DPL 0 */
		g[0] = off;
		g[1] = off >> 8;
		g[2] = sel;
		g[3] = sel >> 8;
		g[5] = 0x8e;
		g[6] = off >> 16;
		g[7] = off >> 24;
	}
	s->idt.base = MP_IDT;
	s->idt.limit = 32 * gate - 1;
}

static void mp_page_table(uint8_t *mem, enum kt_cpu_mode mode)
{
	uint64_t *pt = (uint64_t *)(mem + MP_PT);
	uint64_t *pd = (uint64_t *)(mem + KT_RAW_PD);
	int i;

	for (i = 0; i < 512; i++)
		pt[i] = (uint64_t)i * PAGE_SIZE_4K | PTE_P | PTE_W;
	pt[0xc] = 0xc000 | PTE_P;
	pt[0xd] = 0;
	pt[0xf] = 0;
	pd[0] = MP_PT | PTE_P | PTE_W;
	if (mode == KT_MODE_LONG) {
		/* 0x00007ffffffff000: PML4 255, PDPT 511, PD 511, PT 511 */
		((uint64_t *)(mem + KT_RAW_PML4))[255] = KT_RAW_PDPT_LM | PTE_P | PTE_W;
		((uint64_t *)(mem + KT_RAW_PDPT_LM))[511] = KT_RAW_PD | PTE_P | PTE_W;
		pd[511] = MP_PT | PTE_P | PTE_W;
		pt[511] = 0xe000 | PTE_P | PTE_W;
	}
}

void mp_vm_create(struct kt_raw_vm *r, const struct mmio_payload *p, enum kt_cpu_mode mode)
{
	const uint8_t *code, *end;
	struct kvm_sregs s;

	switch (mode) {
	case KT_MODE_REAL:
	case KT_MODE_PROT16:
		code = p->code.c16;
		end = p->code.c32;
		break;
	case KT_MODE_LONG:
		code = p->code.c64;
		end = p->code.end;
		break;
	default:
		code = p->code.c32;
		end = p->code.c64;
		break;
	}
	kt_raw_create(r, mode, code, end - code);
	/* Everything from MP_RAM_END up becomes device memory. */
	KT_ASSERT_OK(kt_vm_set_region(r->vm, 0, 0, 0, 0, r->mem));
	KT_ASSERT_OK(kt_vm_set_region(r->vm, 0, 0, 0, MP_RAM_END, r->mem));

	if (p->flags & MPF_ROM) {
		uint8_t *rom = kt_vm_add_slot(r->vm, 1, MP_ROM, PAGE_SIZE_4K, KVM_MEM_READONLY, 0);
		unsigned int i;

		for (i = 0; i < PAGE_SIZE_4K; i++)
			rom[i] = (uint8_t)i;
	}

	if ((p->flags & MPF_HIGH) && mode == KT_MODE_LONG) {
		((uint64_t *)(r->mem + KT_RAW_PDPT_LM))[5] = 0 | PTE_P | PTE_W;
		((uint64_t *)r->mem)[0] = 0x100000000ull | PTE_P | PTE_W | PTE_PS;
	}

	kt_get_sregs(r->vcpu, &s);
	s.cr4 |= X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	if (mode != KT_MODE_REAL)
		mp_idt(r->mem, mode, &s);
	if (p->flags & MPF_PT) {
		mp_page_table(r->mem, mode);
		s.cr0 |= X86_CR0_WP;
	}
	if (p->flags & MPF_AVX)
		s.cr4 |= X86_CR4_OSXSAVE;
	kt_set_sregs(r->vcpu, &s);
	if (p->flags & MPF_AVX) {
		struct kvm_xcrs x = { .nr_xcrs = 1 };

		x.xcrs[0].xcr = 0;
		x.xcrs[0].value = 7;	/* x87, SSE, AVX */
		KT_ASSERT_OK(ioctl(r->vcpu->fd, KVM_SET_XCRS, &x));
	}
}

/* An unexpected exception: print what the stub reports after the vector. */
static void mp_report_exception(struct kt_raw_vm *r)
{
	struct kvm_run *run = r->vcpu->run;
	int i;

	for (i = 0; i < 8; i++) {
		uint32_t d = 0;

		if (kt_vcpu_run(r->vcpu) || run->exit_reason != KVM_EXIT_IO)
			break;
		memcpy(&d, kt_io_data(r->vcpu), run->io.size <= 4 ? run->io.size : 4);
		kt_diag("  exception stub: port 0x%x value 0x%x", run->io.port, d);
	}
	kt_diag("  PDPTE0/PML4E0 0x%lx PDE0 0x%lx", *(uint64_t *)(r->mem + KT_RAW_PDPT_PAE),
		*(uint64_t *)(r->mem + KT_RAW_PD));
}

static const char *const kind_names[] = {
	[MP_END] = "hlt", [MP_RD] = "mmio read", [MP_WR] = "mmio write", [MP_IN] = "in",
	[MP_OUT] = "out", [MP_EMUL_FAIL] = "emulation failure",
};

/* One payload in one mode; false (with diagnostics) on the first mismatch. */
static bool mp_run_one(const struct mmio_payload *p, enum kt_cpu_mode mode)
{
	unsigned int impl = mp_impl_is_linux() ? MP_LINUX : MP_OURS;
	const char *mname = kt_mode_name(mode);
	struct kt_raw_vm r;
	struct kvm_run *run;
	bool ok = false;
	int i, step = 0;

	mp_vm_create(&r, p, mode);
	run = r.vcpu->run;
	for (i = 0; i < MP_MAX_STEPS; i++) {
		const struct mp_step *s = &p->steps[i];
		uint64_t got = 0, mask;
		unsigned int n;

		if (s->kind == MP_ONLY) {
			if (s->impl != impl)
				i += s->count;
			continue;
		}
		if (kt_vcpu_run(r.vcpu)) {
			kt_diag("%s/%s step %d (%s): KVM_RUN failed: %s", p->name, mname, step,
				kind_names[s->kind], strerror(errno));
			goto out;
		}
		switch (s->kind) {
		case MP_END:
			if (run->exit_reason != KVM_EXIT_HLT)
				goto mismatch;
			ok = true;
			goto out;
		case MP_EMUL_FAIL:
			if (run->exit_reason != KVM_EXIT_INTERNAL_ERROR ||
			    run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION)
				goto mismatch;
			ok = true;
			goto out;
		case MP_RD:
		case MP_WR:
			if (run->exit_reason != KVM_EXIT_MMIO || run->mmio.phys_addr != s->addr ||
			    run->mmio.len != s->len || run->mmio.is_write != (s->kind == MP_WR))
				goto mismatch;
			if (s->kind == MP_RD) {
				memcpy(run->mmio.data, &s->data, s->len);
				break;
			}
			memcpy(&got, run->mmio.data, s->len);
			if (memcmp(run->mmio.data, &s->data, s->len)) {
				kt_diag("%s/%s step %d: mmio write of 0x%lx to 0x%lx, want 0x%lx",
					p->name, mname, step, got, s->addr, s->data);
				goto out;
			}
			break;
		case MP_IN:
		case MP_OUT:
			if (run->exit_reason != KVM_EXIT_IO || run->io.port != s->addr ||
			    run->io.size != s->len || run->io.count != s->count ||
			    run->io.direction != (s->kind == MP_IN ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT))
				goto mismatch;
			n = s->len * s->count;
			if (s->kind == MP_IN) {
				memcpy(kt_io_data(r.vcpu), &s->data, n);
				break;
			}
			memcpy(&got, kt_io_data(r.vcpu), n);
			mask = s->mask ? s->mask : ~0ull;
			if ((got & mask) != (s->data & mask)) {
				kt_diag("%s/%s step %d: out 0x%lx value 0x%lx, want 0x%lx (mask 0x%lx)",
					p->name, mname, step, s->addr, got, s->data, mask);
				goto out;
			}
			break;
		default:
			KT_ASSERT(0, "bad step kind %u", s->kind);
		}
		step++;
	}
	kt_diag("%s: more than %d steps", p->name, MP_MAX_STEPS);
	goto out;

mismatch:
	kt_diag("%s/%s step %d: expected %s addr/port 0x%lx len %u", p->name, mname, step,
		kind_names[p->steps[i].kind], p->steps[i].addr, p->steps[i].len);
	kt_dump_exit(r.vcpu);
	if (run->exit_reason == KVM_EXIT_MMIO && run->mmio.is_write) {
		uint64_t d = 0;

		memcpy(&d, run->mmio.data, run->mmio.len <= 8 ? run->mmio.len : 8);
		kt_diag("  mmio write data 0x%lx", d);
	} else if (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_OUT) {
		uint32_t d = 0;

		memcpy(&d, kt_io_data(r.vcpu), run->io.size <= 4 ? run->io.size : 4);
		kt_diag("  out data 0x%x", d);
		if (run->io.port == MP_PORT_VEC)
			mp_report_exception(&r);
	}
out:
	kt_raw_free(&r);
	return ok;
}

void mp_run_table(const struct mmio_payload *t, size_t n)
{
	unsigned int runs = 0, failed = 0;
	size_t i;
	int m;

	kt_diag("testing %s's KVM", mp_impl_is_linux() ? "Linux" : "our");
	for (i = 0; i < n; i++) {
		for (m = KT_MODE_REAL; m <= KT_MODE_LONG; m++) {
			if (!(t[i].modes & (1u << m)))
				continue;
			runs++;
			if (!mp_run_one(&t[i], m))
				failed++;
		}
	}
	kt_diag("%u payload runs, %u failed", runs, failed);
	KT_CHECK(failed == 0, "%u of %u payload runs failed", failed, runs);
}
