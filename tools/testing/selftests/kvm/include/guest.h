/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest side of the selftest library: code in this header and in
 * lib/guest.c runs inside the VM (64-bit long mode, CPL 0, identity-mapped).
 *
 * Guest code must not call the C library (it may use TLS, IFUNC-selected
 * vector code or system calls); use the guest_* helpers below.
 *
 * The ucall channel: the guest fills a struct kt_ucall on its own stack and
 * executes "out %eax, (%dx)" with DX = KT_UCALL_PORT and EAX = the struct's
 * address (stacks live below 4 GiB).  The host sees a 4-byte KVM_EXIT_IO on
 * that port, reads the struct through the guest mapping and decodes it.
 */
#ifndef KT_GUEST_H
#define KT_GUEST_H

#include <stdarg.h>
#include <stdint.h>

#define KT_UCALL_PORT		0x7e57
#define KT_UCALL_MAX_ARGS	6
#define KT_UCALL_TEXT		256

enum kt_ucall_type {
	UCALL_NONE = 0,
	UCALL_SYNC,	/* args: values for the host */
	UCALL_DONE,	/* the guest has finished */
	UCALL_ABORT,	/* assertion failed: file, line, expr, args, text */
	UCALL_PRINTF,	/* text */
};

struct kt_ucall {
	uint64_t type;
	uint64_t nargs;
	uint64_t args[KT_UCALL_MAX_ARGS];
	uint64_t file;		/* guest pointer to a string, or 0 */
	uint64_t line;
	uint64_t expr;		/* guest pointer to a string, or 0 */
	char text[KT_UCALL_TEXT];
};

/* Saved by the exception entry stubs (lib/guest.c), lowest address first. */
struct guest_exc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*guest_exc_handler_t)(struct guest_exc_frame *frame);

void guest_ucall(uint64_t type, int nargs, ...);
void guest_abort(const char *file, int line, const char *expr, uint64_t a, uint64_t b,
		 const char *fmt, ...) __attribute__((noreturn));
void guest_printf(const char *fmt, ...);
int guest_vsnprintf(char *buf, int size, const char *fmt, va_list ap);
void guest_memset(void *dst, int c, uint64_t n);
void guest_memcpy(void *dst, const void *src, uint64_t n);

/*
 * Install a handler for an exception or interrupt vector, 0-255 (in this VM's copy
 * of the image); interrupt handlers (32-255) send their own EOI.
 * The handler may change frame->rip to skip the faulting instruction; on return
 * the guest resumes there.  Vectors with no handler abort through the ucall.
 */
void guest_set_exc_handler(int vector, guest_exc_handler_t h);

#define __KT_NARGS(...)	__KT_NARGS_(, ##__VA_ARGS__, 6, 5, 4, 3, 2, 1, 0)
#define __KT_NARGS_(z, a, b, c, d, e, f, n, ...) n

#define GUEST_SYNC(...)		guest_ucall(UCALL_SYNC, __KT_NARGS(__VA_ARGS__), ##__VA_ARGS__)
#define GUEST_DONE()		guest_ucall(UCALL_DONE, 0)
#define GUEST_PRINTF(fmt, ...)	guest_printf(fmt, ##__VA_ARGS__)

#define GUEST_ASSERT(cond)							\
	do {									\
		if (!(cond))							\
			guest_abort(__FILE__, __LINE__, #cond, 0, 0, NULL);	\
	} while (0)

#define GUEST_ASSERT_EQ(a, b)							\
	do {									\
		uint64_t __ga = (uint64_t)(a), __gb = (uint64_t)(b);		\
		if (__ga != __gb)						\
			guest_abort(__FILE__, __LINE__, #a " == " #b, __ga, __gb,	\
				    "0x%lx != 0x%lx", __ga, __gb);		\
	} while (0)

#define GUEST_FAIL(fmt, ...)							\
	guest_abort(__FILE__, __LINE__, "GUEST_FAIL", 0, 0, fmt, ##__VA_ARGS__)

static inline void guest_outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void guest_outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline void guest_outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t guest_inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint16_t guest_inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint32_t guest_inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline void guest_hlt(void)
{
	__asm__ volatile("hlt" : : : "memory");
}

static inline uint64_t guest_rdmsr(uint32_t idx)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(idx));
	return ((uint64_t)hi << 32) | lo;
}

static inline void guest_wrmsr(uint32_t idx, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(idx), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void guest_cpuid(uint32_t fn, uint32_t idx, uint32_t *a, uint32_t *b,
			       uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(fn), "c"(idx));
}

#endif
