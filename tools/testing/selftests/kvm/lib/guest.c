// SPDX-License-Identifier: GPL-2.0-only
/*
 * Code that runs inside the guest: the ucall channel, a small printf, and the
 * exception entry stubs with their dispatcher.  Nothing here may call libc.
 */
#include "guest.h"

/* Per-VM (the image is copied into each VM), written by the guest itself. */
static guest_exc_handler_t guest_exc_handlers[256];

void guest_memset(void *dst, int c, uint64_t n)
{
	__asm__ volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(c) : "memory");
}

void guest_memcpy(void *dst, const void *src, uint64_t n)
{
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static void ucall_send(struct kt_ucall *uc)
{
	__asm__ volatile("outl %%eax, %%dx"
			 : : "a"((uint32_t)(uint64_t)uc), "d"(KT_UCALL_PORT) : "memory");
}

static void ucall_init(struct kt_ucall *uc, uint64_t type)
{
	guest_memset(uc, 0, sizeof(*uc));
	uc->type = type;
}

void guest_ucall(uint64_t type, int nargs, ...)
{
	struct kt_ucall uc;
	va_list ap;
	int i;

	ucall_init(&uc, type);
	if (nargs > KT_UCALL_MAX_ARGS)
		nargs = KT_UCALL_MAX_ARGS;
	va_start(ap, nargs);
	for (i = 0; i < nargs; i++)
		uc.args[i] = va_arg(ap, uint64_t);
	va_end(ap);
	uc.nargs = nargs;
	ucall_send(&uc);
}

void guest_abort(const char *file, int line, const char *expr, uint64_t a, uint64_t b,
		 const char *fmt, ...)
{
	struct kt_ucall uc;
	va_list ap;

	ucall_init(&uc, UCALL_ABORT);
	uc.file = (uint64_t)file;
	uc.line = line;
	uc.expr = (uint64_t)expr;
	uc.args[0] = a;
	uc.args[1] = b;
	uc.nargs = 2;
	if (fmt) {
		va_start(ap, fmt);
		guest_vsnprintf(uc.text, sizeof(uc.text), fmt, ap);
		va_end(ap);
	}
	for (;;)
		ucall_send(&uc);
}

void guest_printf(const char *fmt, ...)
{
	struct kt_ucall uc;
	va_list ap;

	ucall_init(&uc, UCALL_PRINTF);
	va_start(ap, fmt);
	guest_vsnprintf(uc.text, sizeof(uc.text), fmt, ap);
	va_end(ap);
	ucall_send(&uc);
}

/* Output cursor for the formatter: always leaves room for the final NUL. */
struct fmt_out {
	char *buf;
	int size;
	int len;
};

static void put_char(struct fmt_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_number(struct fmt_out *o, uint64_t v, unsigned int base, int neg,
		       int width, char pad, int upper);

int guest_vsnprintf(char *buf, int size, const char *fmt, va_list ap)
{
	struct fmt_out o = { .buf = buf, .size = size, .len = 0 };
	const char *s;

	for (; *fmt; fmt++) {
		int width = 0, lng = 0;
		char pad = ' ';
		uint64_t v;

		if (*fmt != '%') {
			put_char(&o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t sv = lng ? va_arg(ap, int64_t) : va_arg(ap, int);

			put_number(&o, sv < 0 ? -(uint64_t)sv : (uint64_t)sv, 10, sv < 0, width,
				   pad, 0);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			put_number(&o, v, *fmt == 'u' ? 10 : 16, 0, width, pad, *fmt == 'X');
			break;
		case 'p':
			put_char(&o, '0');
			put_char(&o, 'x');
			put_number(&o, (uint64_t)va_arg(ap, void *), 16, 0, width, pad, 0);
			break;
		case 'c':
			put_char(&o, (char)va_arg(ap, int));
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			while (*s)
				put_char(&o, *s++);
			break;
		case '%':
			put_char(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put_char(&o, '%');
			put_char(&o, *fmt);
			break;
		}
	}
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}

static void put_number(struct fmt_out *o, uint64_t v, unsigned int base, int neg,
		       int width, char pad, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		put_char(o, pad);
	while (n)
		put_char(o, tmp[--n]);
}

void guest_set_exc_handler(int vector, guest_exc_handler_t h)
{
	if (vector >= 0 && vector < 256)
		guest_exc_handlers[vector] = h;
}

/* Called by guest_exc_common with a 16-byte aligned stack. */
void guest_exc_dispatch(struct guest_exc_frame *f);
void guest_exc_dispatch(struct guest_exc_frame *f)
{
	if (f->vector < 256 && guest_exc_handlers[f->vector]) {
		guest_exc_handlers[f->vector](f);
		return;
	}
	guest_abort(__FILE__, __LINE__, "unexpected exception", f->vector, f->rip,
		    "vector %lu at rip 0x%lx, error code 0x%lx", f->vector, f->rip, f->error_code);
}

/* Reached by "ret" from a vCPU's start function. */
void guest_start_returned_c(void);
void guest_start_returned_c(void)
{
	for (;;)
		GUEST_DONE();
}

/*
 * Exception and interrupt entry: 256 stubs, 16 bytes apart, starting at
 * guest_exc_stubs (vectors 32-255 are interrupts: handlers must EOI themselves).
 * Vectors 8, 10-14, 17, 21, 29 and 30 push an error code; the others push 0
 * so that every frame has the same shape (APM 8.2).
 */
__asm__(
	".pushsection .text\n"
	".globl guest_exc_stubs\n"
	".align 16\n"
	"guest_exc_stubs:\n"
	".set kt_vec, 0\n"
	".rept 256\n"
	".align 16\n"
	".if (kt_vec == 8) || ((kt_vec >= 10) && (kt_vec <= 14)) || (kt_vec == 17) || "
	"(kt_vec == 21) || (kt_vec == 29) || (kt_vec == 30)\n"
	".else\n"
	"pushq $0\n"
	".endif\n"
	"pushq $kt_vec\n"
	"jmp guest_exc_common\n"
	".set kt_vec, kt_vec + 1\n"
	".endr\n"
	"guest_exc_common:\n"
	"pushq %rax\n pushq %rbx\n pushq %rcx\n pushq %rdx\n pushq %rsi\n pushq %rdi\n"
	"pushq %rbp\n pushq %r8\n pushq %r9\n pushq %r10\n pushq %r11\n pushq %r12\n"
	"pushq %r13\n pushq %r14\n pushq %r15\n"
	"movq %rsp, %rdi\n"
	"cld\n"
	"call guest_exc_dispatch\n"
	"popq %r15\n popq %r14\n popq %r13\n popq %r12\n popq %r11\n popq %r10\n"
	"popq %r9\n popq %r8\n popq %rbp\n popq %rdi\n popq %rsi\n popq %rdx\n"
	"popq %rcx\n popq %rbx\n popq %rax\n"
	"addq $16, %rsp\n"
	"iretq\n"
	".globl guest_start_returned\n"
	"guest_start_returned:\n"
	"andq $-16, %rsp\n"
	"call guest_start_returned_c\n"
	"ud2\n"
	".popsection\n");
