/*
 * runtime.c -- a small runtime for PAT pfnmap reproducer programs.
 *
 * Runs inside a Linux x86 guest as root, maps a physical range through
 * /dev/mem and reports, after every step, what the kernel's PAT code did:
 *
 *   - the entries of /sys/kernel/debug/x86/pat_memtype_list that overlap the
 *     program's physical slice,
 *   - the VMAs of the program's virtual window (and of a forked child) with
 *     their VmFlags (pf = VM_PFNMAP, ar = VM_PAT on x86, io = VM_IO),
 *   - the new PAT/WARN related kernel log records from /dev/kmsg.
 *
 * One NDJSON record per step is written to stdout, prefixed with "@@ ".
 * The output is deterministic: physical addresses are written relative to
 * the slice base ("X+0x1000"), virtual addresses relative to the window
 * base ("W+0x1000"), pids and timestamps are removed from kernel log lines,
 * and address space randomisation is switched off (the program re-executes
 * itself with ADDR_NO_RANDOMIZE).
 *
 * Plain C and libc only, so the file can be pasted into one self-contained
 * program.  A program looks like:
 *
 *     #include "runtime.c"
 *     int main(int argc, char **argv)
 *     {
 *         rt_init(argc, argv);
 *         rt_expect("W+0x0", 0);
 *         rt_mmap(0, 2 * RT_P, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE,
 *                 RT_FD_RW, 0);
 *         rt_expect("0", 0);
 *         rt_munmap(0, 2 * RT_P);
 *         return rt_finish();
 *     }
 *
 * Command line of such a program:
 *     prog [--base 0xHEX] [--slice N]
 *   --base   physical base of the range to use; default: chosen from
 *            /proc/iomem by rt_find_bar() (see there for the rule).
 *   --slice  use [base + N*64KiB, base + (N+1)*64KiB) so that scenarios run
 *            in one boot do not disturb each other (default 0).
 *
 * Process structure: rt_init() forks.  The parent becomes a monitor that
 * waits for the scenario (the child, which returns from rt_init), then
 * writes one last record, "exit", showing the kernel log and the memtype
 * list after the kernel tore the scenario's address space down, and exits
 * with the scenario's exit status.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

#define RT_P            4096UL               /* page size assumed by programs */
#define RT_SLICE_SIZE   0x10000UL            /* 64 KiB per slice */
#define RT_WINDOW_SIZE  (16UL << 20)         /* virtual window W */
#define RT_ANY          ((unsigned long)-1)  /* va_off: let the kernel choose */
#define RT_MAX_ENTRIES  256

/* Which /dev/mem file descriptor a mapping uses. */
enum { RT_FD_RW = 0,      /* open("/dev/mem", O_RDWR): write-back request */
       RT_FD_SYNC = 1,    /* open("/dev/mem", O_RDWR|O_DSYNC): uncached-minus */
       RT_FD_RO = 2,      /* open("/dev/mem", O_RDONLY) (the selftest's) */
       RT_NFD = 3 };
static const char *const rt_fd_names[RT_NFD] = { "devmem", "devmem_sync", "devmem_ro" };

/* Counters shared between the scenario, its forked children and the monitor. */
struct rt_shared {
	int step;
	int mismatches;
};

static struct {
	const char *name;
	unsigned long long bar_base, bar_size; /* bar_size 0: given by --base */
	char bar_name[128];
	unsigned long slice;
	unsigned long long X;                  /* physical base of the slice */
	char *W;                               /* virtual window base */
	int fd[RT_NFD];
	int kmsg;
	int in_warn;                           /* inside a WARN block of the log */
	struct rt_shared *sh;
	int exp_set;                           /* pending expectation */
	char exp_ret[64];
	int exp_any;
	int exp_err;
	pid_t child;                           /* child held by rt_fork() */
	int child_go;                          /* write end: release the child */
} rt;

/* ------------------------------------------------------------------ */
/* Growing text buffer and JSON helpers                                */

struct rt_buf {
	char *p;
	size_t len, cap;
};

static void rb_need(struct rt_buf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 4096;
	while (b->len + n + 1 > cap)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		perror("realloc");
		_exit(3);
	}
	b->p = p;
	b->cap = cap;
}

static void rb_puts(struct rt_buf *b, const char *s)
{
	size_t n = strlen(s);
	rb_need(b, n);
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

static void rb_printf(struct rt_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	rb_need(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Append s as a JSON string literal. */
static void rb_str(struct rt_buf *b, const char *s)
{
	rb_puts(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			rb_printf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			rb_printf(b, "\\u%04x", c);
		else {
			char t[2] = { (char)c, 0 };
			rb_puts(b, t);
		}
	}
	rb_puts(b, "\"");
}

static void rt_write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* ------------------------------------------------------------------ */
/* Rendering of values                                                 */

static const char *rt_errname(int e)
{
	static char other[16];
	switch (e) {
	case 0: return "";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case EBADF: return "EBADF";
	case ECHILD: return "ECHILD";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ENOSYS: return "ENOSYS";
	case EOVERFLOW: return "EOVERFLOW";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	}
	snprintf(other, sizeof other, "E%d", e);
	return other;
}

/* Virtual address: "W+0x..." inside the window, "NULL", else absolute. */
static void rt_fmt_va(char *out, size_t n, const void *a)
{
	uintptr_t v = (uintptr_t)a, w = (uintptr_t)rt.W;
	if (!a)
		snprintf(out, n, "NULL");
	else if (rt.W && v >= w && v < w + RT_WINDOW_SIZE)
		snprintf(out, n, "W+0x%lx", (unsigned long)(v - w));
	else
		snprintf(out, n, "0x%lx", (unsigned long)v);
}

/* End address of a virtual range: like rt_fmt_va, W+size included. */
static void rt_fmt_va_end(char *out, size_t n, const void *a)
{
	uintptr_t v = (uintptr_t)a, w = (uintptr_t)rt.W;
	if (rt.W && v > w && v <= w + RT_WINDOW_SIZE)
		snprintf(out, n, "W+0x%lx", (unsigned long)(v - w));
	else
		rt_fmt_va(out, n, a);
}

/* Physical address relative to the slice base X. */
static void rt_fmt_pa(char *out, size_t n, unsigned long long a)
{
	if (a >= rt.X)
		snprintf(out, n, "X+0x%llx", a - rt.X);
	else
		snprintf(out, n, "X-0x%llx", rt.X - a);
}

struct rt_flagname {
	unsigned long v;
	const char *name;
};

/* Render flag bits; table entries may be multi-bit (matched first). */
static void rt_fmt_flags(char *out, size_t n, unsigned long v,
			 const struct rt_flagname *t, const char *zero)
{
	out[0] = 0;
	if (!v) {
		snprintf(out, n, "%s", zero);
		return;
	}
	for (; t->name; t++) {
		if (t->v && (v & t->v) == t->v) {
			size_t l = strlen(out);
			snprintf(out + l, n - l, "%s%s", l ? "|" : "", t->name);
			v &= ~t->v;
		}
	}
	if (v) {
		size_t l = strlen(out);
		snprintf(out + l, n - l, "%s0x%lx", l ? "|" : "", v);
	}
}

static const struct rt_flagname rt_prot_names[] = {
	{ PROT_READ, "PROT_READ" }, { PROT_WRITE, "PROT_WRITE" },
	{ PROT_EXEC, "PROT_EXEC" }, { 0, NULL }
};
static const struct rt_flagname rt_map_names[] = {
	{ MAP_SHARED_VALIDATE, "MAP_SHARED_VALIDATE" }, { MAP_SHARED, "MAP_SHARED" },
	{ MAP_PRIVATE, "MAP_PRIVATE" }, { MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE" },
	{ MAP_FIXED, "MAP_FIXED" }, { MAP_ANONYMOUS, "MAP_ANONYMOUS" },
	{ MAP_POPULATE, "MAP_POPULATE" }, { MAP_NORESERVE, "MAP_NORESERVE" },
	{ MAP_LOCKED, "MAP_LOCKED" }, { 0, NULL }
};
static const struct rt_flagname rt_mremap_names[] = {
	{ MREMAP_MAYMOVE, "MREMAP_MAYMOVE" }, { MREMAP_FIXED, "MREMAP_FIXED" },
	{ MREMAP_DONTUNMAP, "MREMAP_DONTUNMAP" }, { 0, NULL }
};

static const char *rt_madv_name(int a)
{
	static char other[16];
	switch (a) {
	case MADV_NORMAL: return "MADV_NORMAL";
	case MADV_RANDOM: return "MADV_RANDOM";
	case MADV_SEQUENTIAL: return "MADV_SEQUENTIAL";
	case MADV_WILLNEED: return "MADV_WILLNEED";
	case MADV_DONTNEED: return "MADV_DONTNEED";
	case MADV_FREE: return "MADV_FREE";
	case MADV_REMOVE: return "MADV_REMOVE";
	case MADV_DONTFORK: return "MADV_DONTFORK";
	case MADV_DOFORK: return "MADV_DOFORK";
	case MADV_DONTDUMP: return "MADV_DONTDUMP";
	case MADV_DODUMP: return "MADV_DODUMP";
	case MADV_WIPEONFORK: return "MADV_WIPEONFORK";
	case MADV_KEEPONFORK: return "MADV_KEEPONFORK";
	case 20: return "MADV_COLD";
	case 21: return "MADV_PAGEOUT";
	case 22: return "MADV_POPULATE_READ";
	case 23: return "MADV_POPULATE_WRITE";
	case 24: return "MADV_DONTNEED_LOCKED";
	}
	snprintf(other, sizeof other, "%d", a);
	return other;
}

/* ------------------------------------------------------------------ */
/* Fatal errors: reported as a record so the recorded file explains it */

static void rt_fatal(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct rt_buf b = { 0 };
	rb_puts(&b, "@@ {\"step\":");
	rb_printf(&b, "%d", rt.sh ? rt.sh->step : 0);
	rb_puts(&b, ",\"call\":\"fatal\",\"error\":");
	rb_str(&b, msg);
	rb_puts(&b, "}\n");
	rt_write_all(1, b.p, b.len);
	fprintf(stderr, "%s: %s\n", rt.name ? rt.name : "runtime", msg);
	_exit(2);
}

/* ------------------------------------------------------------------ */
/* Physical base                                                       */

/*
 * Pick the physical range from /proc/iomem: among the entries that are
 *   - directly below a top-level "PCI Bus ..." window (indented once),
 *   - named like a PCI device "DDDD:BB:DD.F", i.e. a BAR,
 *   - without child entries (no driver claimed the BAR),
 *   - large enough for the requested slice,
 *   - accepted by ok(start, end),
 * use the one with the lowest start address (rt.bar_*).  Returns 0, or -1
 * when there is none.
 */
static int rt_find_bar_if(unsigned long long min_size, int (*ok)(unsigned long long s, unsigned long long e))
{
	FILE *f = fopen("/proc/iomem", "r");
	if (!f)
		return -1;
	char line[256];
	struct {
		unsigned long long s, e;
		int depth;
		char name[128];
	} *ent = calloc(1024, sizeof *ent);
	int n = 0;
	while (n < 1024 && fgets(line, sizeof line, f)) {
		int d = 0;
		while (line[d] == ' ')
			d++;
		unsigned long long s, e;
		char name[128];
		if (sscanf(line + d, "%llx-%llx : %127[^\n]", &s, &e, name) != 3)
			continue;
		ent[n].s = s;
		ent[n].e = e + 1;
		ent[n].depth = d / 2;
		snprintf(ent[n].name, sizeof ent[n].name, "%s", name);
		n++;
	}
	fclose(f);
	int best = -1, parent_is_bus = 0;
	for (int i = 0; i < n; i++) {
		if (ent[i].depth == 0) {
			parent_is_bus = strncmp(ent[i].name, "PCI Bus", 7) == 0;
			continue;
		}
		if (ent[i].depth != 1 || !parent_is_bus)
			continue;
		unsigned dom, bus, dev, fn;
		char tail;
		if (sscanf(ent[i].name, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &tail) != 4)
			continue;
		if (i + 1 < n && ent[i + 1].depth > 1)
			continue; /* claimed */
		if (ent[i].e - ent[i].s < min_size || !ok(ent[i].s, ent[i].e))
			continue;
		if (best < 0 || ent[i].s < ent[best].s)
			best = i;
	}
	if (best >= 0) {
		rt.bar_base = ent[best].s;
		rt.bar_size = ent[best].e - ent[best].s;
		snprintf(rt.bar_name, sizeof rt.bar_name, "%s", ent[best].name);
	}
	free(ent);
	return best >= 0 ? 0 : -1;
}

/*
 * The runtime's own rule when --base is not given: a BAR at or above 4 GiB
 * (64-bit BARs, where the MTRR default type is write-back, so a plain
 * /dev/mem mmap is tracked write-back and an O_DSYNC one uncached-minus).
 * With the QEMU command line of record.sh that is the BAR2 of an
 * ivshmem-plain device.
 */
static int rt_above_4g(unsigned long long s, unsigned long long e)
{
	(void)e;
	return s >= (1ULL << 32);
}

static int rt_find_bar(unsigned long min_size)
{
	return rt_find_bar_if(min_size, rt_above_4g);
}

/* ------------------------------------------------------------------ */
/* pat_memtype_list                                                    */

struct rt_mt {
	unsigned long long s, e;
	char type[32];
	int count;
};

static int rt_mt_cmp(const void *a, const void *b)
{
	const struct rt_mt *x = a, *y = b;
	if (x->s != y->s)
		return x->s < y->s ? -1 : 1;
	if (x->e != y->e)
		return x->e < y->e ? -1 : 1;
	return strcmp(x->type, y->type);
}

/*
 * Entries of pat_memtype_list overlapping [lo, hi), sorted by
 * (start, end, type), identical entries merged with a count.
 * Returns the number of distinct entries, or -1 if the file is unreadable.
 */
static int rt_memtype_read(unsigned long long lo, unsigned long long hi,
			   struct rt_mt *out, int max)
{
	FILE *f = fopen("/sys/kernel/debug/x86/pat_memtype_list", "r");
	if (!f)
		return -1;
	char line[256];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long long s, e;
		char type[32];
		if (sscanf(line, "PAT: [mem %llx-%llx] %31s", &s, &e, type) != 3)
			continue;
		if (e <= lo || s >= hi || n >= max)
			continue;
		out[n].s = s;
		out[n].e = e;
		snprintf(out[n].type, sizeof out[n].type, "%s", type);
		out[n].count = 1;
		n++;
	}
	fclose(f);
	qsort(out, (size_t)n, sizeof *out, rt_mt_cmp);
	int m = 0;
	for (int i = 0; i < n; i++) {
		if (m && rt_mt_cmp(&out[m - 1], &out[i]) == 0)
			out[m - 1].count++;
		else
			out[m++] = out[i];
	}
	return m;
}

static void rt_json_memtype(struct rt_buf *b)
{
	struct rt_mt mt[RT_MAX_ENTRIES];
	int n = rt_memtype_read(rt.X, rt.X + RT_SLICE_SIZE, mt, RT_MAX_ENTRIES);
	if (n < 0) {
		rb_puts(b, "null");
		return;
	}
	rb_puts(b, "[");
	for (int i = 0; i < n; i++) {
		char s[40], e[40];
		rt_fmt_pa(s, sizeof s, mt[i].s);
		rt_fmt_pa(e, sizeof e, mt[i].e);
		rb_printf(b, "%s{\"start\":\"%s\",\"end\":\"%s\",\"type\":\"%s\",\"count\":%d}",
			  i ? "," : "", s, e, mt[i].type, mt[i].count);
	}
	rb_puts(b, "]");
}

/* ------------------------------------------------------------------ */
/* smaps                                                               */

struct rt_vma {
	unsigned long s, e;
	unsigned long long off;
	char perms[8];
	char path[96];
	char flags[192];
	int pf, ar, io;
};

static int rt_has_flag(const char *flags, const char *f)
{
	size_t l = strlen(f);
	for (const char *p = flags; (p = strstr(p, f)); p += l)
		if ((p == flags || p[-1] == ' ') && (p[l] == ' ' || p[l] == 0))
			return 1;
	return 0;
}

/*
 * VMAs of pid (0: self) that overlap [lo, hi) or map /dev/mem anywhere.
 * Returns the number found, -1 if smaps is unreadable.
 */
static int rt_vmas_read(pid_t pid, unsigned long lo, unsigned long hi,
			struct rt_vma *out, int max)
{
	char path[64];
	if (pid)
		snprintf(path, sizeof path, "/proc/%d/smaps", (int)pid);
	else
		snprintf(path, sizeof path, "/proc/self/smaps");
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[512];
	int n = 0, cur = -1;
	while (fgets(line, sizeof line, f)) {
		unsigned long s, e;
		unsigned long long off;
		char perms[8];
		int pos = 0;
		if (sscanf(line, "%lx-%lx %7s %llx %*s %*s%n", &s, &e, perms, &off, &pos) == 4 && pos) {
			char *p = line + pos;
			while (*p == ' ')
				p++;
			p[strcspn(p, "\n")] = 0;
			int keep = (e > lo && s < hi) || strcmp(p, "/dev/mem") == 0;
			cur = -1;
			if (keep && n < max) {
				cur = n++;
				memset(&out[cur], 0, sizeof out[cur]);
				out[cur].s = s;
				out[cur].e = e;
				out[cur].off = off;
				snprintf(out[cur].perms, sizeof out[cur].perms, "%s", perms);
				snprintf(out[cur].path, sizeof out[cur].path, "%s", p);
			}
			continue;
		}
		if (cur >= 0 && strncmp(line, "VmFlags:", 8) == 0) {
			char *p = line + 8;
			while (*p == ' ')
				p++;
			p[strcspn(p, "\n")] = 0;
			size_t l = strlen(p);
			while (l && p[l - 1] == ' ')
				p[--l] = 0;
			snprintf(out[cur].flags, sizeof out[cur].flags, "%s", p);
			out[cur].pf = rt_has_flag(p, "pf");
			out[cur].ar = rt_has_flag(p, "ar");
			out[cur].io = rt_has_flag(p, "io");
		}
	}
	fclose(f);
	return n;
}

static void rt_json_vmas_of(struct rt_buf *b, pid_t pid, const char *who, int *first)
{
	struct rt_vma v[64];
	int n = rt_vmas_read(pid, (unsigned long)rt.W, (unsigned long)rt.W + RT_WINDOW_SIZE, v, 64);
	for (int i = 0; i < n; i++) {
		char s[40], e[40], off[40];
		rt_fmt_va(s, sizeof s, (void *)v[i].s);
		rt_fmt_va_end(e, sizeof e, (void *)v[i].e);
		if (strcmp(v[i].path, "/dev/mem") == 0)
			rt_fmt_pa(off, sizeof off, v[i].off);
		else
			snprintf(off, sizeof off, "0x%llx", v[i].off);
		rb_printf(b, "%s{\"proc\":\"%s\",\"start\":\"%s\",\"end\":\"%s\",\"perms\":\"%s\","
			  "\"pgoff\":\"%s\",\"file\":", *first ? "" : ",", who, s, e, v[i].perms, off);
		rb_str(b, v[i].path);
		rb_printf(b, ",\"pf\":%s,\"ar\":%s,\"io\":%s,\"vmflags\":",
			  v[i].pf ? "true" : "false", v[i].ar ? "true" : "false",
			  v[i].io ? "true" : "false");
		rb_str(b, v[i].flags);
		rb_puts(b, "}");
		*first = 0;
	}
	if (n < 0) {
		rb_printf(b, "%s{\"proc\":\"%s\",\"error\":\"smaps unreadable\"}", *first ? "" : ",", who);
		*first = 0;
	}
}

/* ------------------------------------------------------------------ */
/* /dev/kmsg                                                           */

static void rt_kmsg_open(void)
{
	rt.kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (rt.kmsg >= 0)
		lseek(rt.kmsg, 0, SEEK_END);
}

/* Replace the digits following "key" (e.g. "PID: ") with "PID". */
static void rt_strip_after(char *s, const char *key)
{
	char *p = strstr(s, key);
	if (!p)
		return;
	p += strlen(key);
	char *q = p;
	while (*q >= '0' && *q <= '9')
		q++;
	if (q == p)
		return;
	memmove(p + 3, q, strlen(q) + 1);
	memcpy(p, "PID", 3);
}

/*
 * "x86/PAT: comm:1234 ..." -> "x86/PAT: comm:PID ...".  comm is at most 15
 * characters and may contain spaces or colons: take the first ":digits "
 * within 16 characters of the prefix.
 */
static void rt_strip_pat_pid(char *s)
{
	char *p = strstr(s, "x86/PAT: ");
	if (!p)
		return;
	p += 9;
	for (char *c = p; *c && c <= p + 16; c++) {
		if (*c != ':' || c[1] < '0' || c[1] > '9')
			continue;
		char *q = c + 1;
		while (*q >= '0' && *q <= '9')
			q++;
		if (*q != ' ')
			continue;
		memmove(c + 4, q, strlen(q) + 1);
		memcpy(c + 1, "PID", 3);
		return;
	}
}

/*
 * Decide whether a kernel log line is kept, and normalise it.  Kept:
 * lines mentioning x86/PAT, memtype, WARNING, get_pat_info, untrack_pfn or
 * track_pfn, and inside a WARN block ("cut here" .. "end trace") the
 * reliable call-trace frames and the end marker.
 */
static int rt_klog_keep(char *s)
{
	if (strstr(s, "[ cut here ]")) {
		rt.in_warn = 1;
		return 0;
	}
	if (strncmp(s, "---[ end trace", 14) == 0) {
		rt.in_warn = 0;
		return 1;
	}
	int keep = strstr(s, "x86/PAT") || strstr(s, "memtype") || strstr(s, "WARNING") ||
		   strstr(s, "get_pat_info") || strstr(s, "untrack_pfn") ||
		   strstr(s, "track_pfn");
	if (!keep && rt.in_warn && s[0] == ' ' && strstr(s, "+0x") && strncmp(s, " ? ", 3) != 0)
		keep = 1;
	if (!keep)
		return 0;
	rt_strip_pat_pid(s);
	rt_strip_after(s, "PID: ");
	return 1;
}

/* Drain the new kernel log records and append the kept ones as a JSON array. */
static void rt_json_klog(struct rt_buf *b)
{
	rb_puts(b, "[");
	int first = 1;
	if (rt.kmsg >= 0) {
		char rec[8192];
		for (;;) {
			ssize_t n = read(rt.kmsg, rec, sizeof rec - 1);
			if (n < 0) {
				if (errno == EINTR || errno == EPIPE)
					continue; /* EPIPE: records were overwritten */
				break;    /* EAGAIN: nothing more */
			}
			if (n == 0)
				break;
			rec[n] = 0;
			char *msg = strchr(rec, ';');
			if (!msg)
				continue;
			msg++;
			msg[strcspn(msg, "\n")] = 0;
			if (!rt_klog_keep(msg))
				continue;
			if (!first)
				rb_puts(b, ",");
			rb_str(b, msg);
			first = 0;
		}
	}
	rb_puts(b, "]");
}

/* ------------------------------------------------------------------ */
/* Steps                                                               */

/*
 * Expect the next step's result: ret is the rendered return value
 * ("0", "-1", "W+0x0", "MAP_FAILED", "ok", "SIGBUS", "child", ...) or NULL
 * for "any value"; err is the expected errno (0 for success).
 */
static void rt_expect(const char *ret, int err)
{
	rt.exp_set = 1;
	rt.exp_any = ret == NULL;
	snprintf(rt.exp_ret, sizeof rt.exp_ret, "%s", ret ? ret : "");
	rt.exp_err = err;
}

/*
 * Write the record of one step.  ret is the rendered return value, err the
 * errno (0 on success).  child: also list that process's VMAs.  extra: JSON
 * members inserted after "match" (without leading comma) or NULL.
 */
static void rt_emit(const char *call, const char *ret, int err, pid_t child,
		    int with_self, const char *extra)
{
	struct rt_buf b = { 0 };
	int step = rt.sh->step++;
	rb_printf(&b, "@@ {\"step\":%d,\"call\":", step);
	rb_str(&b, call);
	rb_puts(&b, ",\"ret\":");
	rb_str(&b, ret);
	rb_printf(&b, ",\"errno\":%d,\"err\":\"%s\"", err, rt_errname(err));
	if (rt.exp_set) {
		int match = (rt.exp_any || strcmp(rt.exp_ret, ret) == 0) && err == rt.exp_err;
		rb_puts(&b, ",\"expect\":{\"ret\":");
		if (rt.exp_any)
			rb_puts(&b, "null");
		else
			rb_str(&b, rt.exp_ret);
		rb_printf(&b, ",\"errno\":%d,\"err\":\"%s\"},\"match\":%s", rt.exp_err,
			  rt_errname(rt.exp_err), match ? "true" : "false");
		if (!match)
			rt.sh->mismatches++;
		rt.exp_set = 0;
	} else {
		rb_puts(&b, ",\"expect\":null,\"match\":null");
	}
	if (extra) {
		rb_puts(&b, ",");
		rb_puts(&b, extra);
	}
	rb_puts(&b, ",\"klog\":");
	rt_json_klog(&b);
	rb_puts(&b, ",\"memtype\":");
	rt_json_memtype(&b);
	rb_puts(&b, ",\"vmas\":[");
	int first = 1;
	if (with_self)
		rt_json_vmas_of(&b, 0, "self", &first);
	if (child > 0)
		rt_json_vmas_of(&b, child, "child", &first);
	rb_puts(&b, "]}\n");
	rt_write_all(1, b.p, b.len);
	free(b.p);
}

/* Record a step of a call that returns an int (-1 and errno on failure). */
static long rt_record(const char *call, long ret, int err)
{
	char r[32];
	snprintf(r, sizeof r, "%ld", ret);
	rt_emit(call, r, ret == -1 ? err : 0, 0, 1, NULL);
	return ret;
}

/* Address of offset off inside the virtual window W. */
static void *rt_va(unsigned long off)
{
	return rt.W + off;
}

/* Physical address at offset off from the slice base X. */
static unsigned long long rt_pa(unsigned long off)
{
	return rt.X + off;
}

/* Offset of a virtual address inside the window W. */
static unsigned long rt_off(const void *p)
{
	return (unsigned long)((const char *)p - rt.W);
}

static int rt_fd(int which)
{
	return rt.fd[which];
}

/*
 * mmap(W+va_off or NULL for RT_ANY, len, prot, flags, /dev/mem fd, X+phys_off).
 * flags are passed unchanged (add MAP_FIXED_NOREPLACE to place it exactly).
 */
static void *rt_mmap(unsigned long va_off, size_t len, int prot, int flags,
		     int fdk, unsigned long phys_off)
{
	void *hint = va_off == RT_ANY ? NULL : rt_va(va_off);
	char call[512], h[40], pr[64], fl[128], po[40], ret[40];
	rt_fmt_va(h, sizeof h, hint);
	rt_fmt_flags(pr, sizeof pr, (unsigned long)prot, rt_prot_names, "PROT_NONE");
	rt_fmt_flags(fl, sizeof fl, (unsigned long)flags, rt_map_names, "0");
	rt_fmt_pa(po, sizeof po, rt_pa(phys_off));
	snprintf(call, sizeof call, "mmap(%s, 0x%zx, %s, %s, %s, %s)", h, len, pr, fl,
		 rt_fd_names[fdk], po);
	errno = 0;
	void *p = mmap(hint, len, prot, flags, rt.fd[fdk], (off_t)rt_pa(phys_off));
	int err = errno;
	if (p == MAP_FAILED)
		snprintf(ret, sizeof ret, "MAP_FAILED");
	else
		rt_fmt_va(ret, sizeof ret, p);
	rt_emit(call, ret, p == MAP_FAILED ? err : 0, 0, 1, NULL);
	return p;
}

/* Anonymous private mapping inside the window (e.g. an mremap target). */
static void *rt_mmap_anon(unsigned long va_off, size_t len, int prot, int flags)
{
	void *hint = va_off == RT_ANY ? NULL : rt_va(va_off);
	char call[512], h[40], pr[64], fl[128], ret[40];
	flags |= MAP_ANONYMOUS;
	rt_fmt_va(h, sizeof h, hint);
	rt_fmt_flags(pr, sizeof pr, (unsigned long)prot, rt_prot_names, "PROT_NONE");
	rt_fmt_flags(fl, sizeof fl, (unsigned long)flags, rt_map_names, "0");
	snprintf(call, sizeof call, "mmap(%s, 0x%zx, %s, %s, -1, 0)", h, len, pr, fl);
	errno = 0;
	void *p = mmap(hint, len, prot, flags, -1, 0);
	int err = errno;
	if (p == MAP_FAILED)
		snprintf(ret, sizeof ret, "MAP_FAILED");
	else
		rt_fmt_va(ret, sizeof ret, p);
	rt_emit(call, ret, p == MAP_FAILED ? err : 0, 0, 1, NULL);
	return p;
}

static int rt_munmap(unsigned long va_off, size_t len)
{
	char call[128], a[40];
	rt_fmt_va(a, sizeof a, rt_va(va_off));
	snprintf(call, sizeof call, "munmap(%s, 0x%zx)", a, len);
	errno = 0;
	int r = munmap(rt_va(va_off), len);
	return (int)rt_record(call, r, errno);
}

static int rt_mprotect(unsigned long va_off, size_t len, int prot)
{
	char call[256], a[40], pr[64];
	rt_fmt_va(a, sizeof a, rt_va(va_off));
	rt_fmt_flags(pr, sizeof pr, (unsigned long)prot, rt_prot_names, "PROT_NONE");
	snprintf(call, sizeof call, "mprotect(%s, 0x%zx, %s)", a, len, pr);
	errno = 0;
	int r = mprotect(rt_va(va_off), len, prot);
	return (int)rt_record(call, r, errno);
}

static int rt_madvise(unsigned long va_off, size_t len, int advice)
{
	char call[160], a[40];
	rt_fmt_va(a, sizeof a, rt_va(va_off));
	snprintf(call, sizeof call, "madvise(%s, 0x%zx, %s)", a, len, rt_madv_name(advice));
	errno = 0;
	int r = madvise(rt_va(va_off), len, advice);
	return (int)rt_record(call, r, errno);
}

/* mremap(W+old_off, old_len, new_len, flags[, W+new_off if MREMAP_FIXED]). */
static void *rt_mremap(unsigned long old_off, size_t old_len, size_t new_len,
		       int flags, unsigned long new_off)
{
	char call[512], a[40], n[40], fl[96], ret[40];
	rt_fmt_va(a, sizeof a, rt_va(old_off));
	rt_fmt_flags(fl, sizeof fl, (unsigned long)flags, rt_mremap_names, "0");
	errno = 0;
	void *p;
	if (flags & MREMAP_FIXED) {
		rt_fmt_va(n, sizeof n, rt_va(new_off));
		snprintf(call, sizeof call, "mremap(%s, 0x%zx, 0x%zx, %s, %s)", a, old_len,
			 new_len, fl, n);
		p = mremap(rt_va(old_off), old_len, new_len, flags, rt_va(new_off));
	} else {
		snprintf(call, sizeof call, "mremap(%s, 0x%zx, 0x%zx, %s)", a, old_len,
			 new_len, fl);
		p = mremap(rt_va(old_off), old_len, new_len, flags);
	}
	int err = errno;
	if (p == MAP_FAILED)
		snprintf(ret, sizeof ret, "MAP_FAILED");
	else
		rt_fmt_va(ret, sizeof ret, p);
	rt_emit(call, ret, p == MAP_FAILED ? err : 0, 0, 1, NULL);
	return p;
}

static sigjmp_buf rt_jb;
static volatile sig_atomic_t rt_sig;

static void rt_on_fault(int s)
{
	rt_sig = s;
	siglongjmp(rt_jb, 1);
}

/* Touch one byte (read, or write 0x5a); returns 0 or the signal number. Not recorded. */
static int rt_probe(void *addr, int write)
{
	struct sigaction sa, o1, o2;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = rt_on_fault;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &o1);
	sigaction(SIGBUS, &sa, &o2);
	int r = 0;
	rt_sig = 0;
	if (sigsetjmp(rt_jb, 1) == 0) {
		volatile char *p = addr;
		if (write)
			*p = 0x5a;
		else
			(void)*p;
	} else {
		r = rt_sig;
	}
	sigaction(SIGSEGV, &o1, NULL);
	sigaction(SIGBUS, &o2, NULL);
	return r;
}

/* Recorded touch: "read(W+0x0)" / "write(W+0x0)"; ret "ok", "SIGSEGV" or "SIGBUS". */
static int rt_touch(unsigned long va_off, int write)
{
	char call[80], a[40];
	rt_fmt_va(a, sizeof a, rt_va(va_off));
	snprintf(call, sizeof call, "%s(%s)", write ? "write" : "read", a);
	int r = rt_probe(rt_va(va_off), write);
	const char *ret = r == 0 ? "ok" : r == SIGSEGV ? "SIGSEGV" : r == SIGBUS ? "SIGBUS" : "signal";
	rt_emit(call, ret, 0, 0, 1, NULL);
	return r;
}

/*
 * fork().  The child runs fn (if not NULL; it must not record steps, use
 * rt_probe), tells the parent it is done and then waits, still holding its
 * address space, until rt_child_exit().  The step is recorded once the
 * child has run fn, with the VMAs of both processes; ret is "child" on
 * success.  Returns 0 on success, -1 if fork failed.
 */
static int rt_fork(int (*fn)(void))
{
	int ready[2], go[2];
	if (pipe(ready) || pipe(go))
		rt_fatal("pipe: %s", strerror(errno));
	errno = 0;
	pid_t pid = fork();
	int err = errno;
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		int st = fn ? fn() : 0;
		char c = 1;
		if (write(ready[1], &c, 1) != 1)
			_exit(100);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(st & 0x7f);
	}
	close(ready[1]);
	close(go[0]);
	if (pid < 0) {
		close(ready[0]);
		close(go[1]);
		rt_emit("fork()", "-1", err, 0, 1, NULL);
		return -1;
	}
	char c;
	while (read(ready[0], &c, 1) < 0 && errno == EINTR)
		;
	close(ready[0]);
	rt.child = pid;
	rt.child_go = go[1];
	rt_emit("fork()", "child", 0, pid, 1, NULL);
	return 0;
}

/*
 * Release the child held by rt_fork() and wait for it.  ret: "exit N" (N is
 * fn's return value) or "signal N".
 */
static int rt_child_exit(void)
{
	if (rt.child <= 0)
		rt_fatal("rt_child_exit without a child");
	close(rt.child_go);
	int st = 0;
	while (waitpid(rt.child, &st, 0) < 0 && errno == EINTR)
		;
	rt.child = 0;
	char ret[32];
	if (WIFEXITED(st))
		snprintf(ret, sizeof ret, "exit %d", WEXITSTATUS(st));
	else
		snprintf(ret, sizeof ret, "signal %d", WTERMSIG(st));
	rt_emit("child_exit()", ret, 0, 0, 1, NULL);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* End of the scenario: 1 if any expectation failed, else 0. */
static int rt_finish(void)
{
	return rt.sh->mismatches ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* Initialisation                                                      */

static volatile pid_t rt_scenario;

static void rt_on_term(int s)
{
	(void)s;
	if (rt_scenario > 0)
		kill(rt_scenario, SIGKILL);
}

static void rt_usage(void)
{
	rt_fatal("usage: %s [--base 0xHEX] [--slice N]", rt.name);
}

static void rt_init(int argc, char **argv)
{
	const char *slash = strrchr(argv[0], '/');
	rt.name = slash ? slash + 1 : argv[0];
	rt.kmsg = -1;
	for (int i = 0; i < RT_NFD; i++)
		rt.fd[i] = -1;

	/* Deterministic addresses: re-execute once without randomisation. */
	int pers = personality(0xffffffff);
	if (pers != -1 && !(pers & ADDR_NO_RANDOMIZE)) {
		/* exec the real path, not /proc/self/exe, so that comm (shown
		 * in the kernel's "x86/PAT: comm:pid" lines) stays the name */
		char self[4096];
		ssize_t l = readlink("/proc/self/exe", self, sizeof self - 1);
		if (l > 0 && personality((unsigned long)pers | ADDR_NO_RANDOMIZE) != -1) {
			self[l] = 0;
			execv(self, argv);
		}
		/* fall through: run with randomisation */
	}

	rt.sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rt.sh == MAP_FAILED) {
		rt.sh = NULL;
		rt_fatal("mmap shared page: %s", strerror(errno));
	}
	setvbuf(stdout, NULL, _IONBF, 0);

	int have_base = 0;
	for (int i = 1; i < argc; i++) {
		char *end;
		if (strcmp(argv[i], "--base") == 0 && i + 1 < argc) {
			rt.bar_base = strtoull(argv[++i], &end, 0);
			if (*end)
				rt_usage();
			have_base = 1;
		} else if (strcmp(argv[i], "--slice") == 0 && i + 1 < argc) {
			rt.slice = strtoul(argv[++i], &end, 0);
			if (*end)
				rt_usage();
		} else {
			rt_usage();
		}
	}
	if (!have_base) {
		if (rt_find_bar((rt.slice + 1) * RT_SLICE_SIZE))
			rt_fatal("no unclaimed 64-bit PCI BAR of %lu bytes in /proc/iomem; use --base",
				 (rt.slice + 1) * RT_SLICE_SIZE);
	} else {
		snprintf(rt.bar_name, sizeof rt.bar_name, "--base");
	}
	rt.X = rt.bar_base + rt.slice * RT_SLICE_SIZE;

	rt_kmsg_open();
	if (rt.kmsg < 0)
		rt_fatal("open /dev/kmsg: %s", strerror(errno));

	struct rt_mt probe[1];
	if (rt_memtype_read(0, 1, probe, 1) < 0)
		rt_fatal("cannot read /sys/kernel/debug/x86/pat_memtype_list (mount debugfs)");

	static const int modes[RT_NFD] = { O_RDWR, O_RDWR | O_DSYNC, O_RDONLY };
	for (int i = 0; i < RT_NFD; i++) {
		rt.fd[i] = open("/dev/mem", modes[i]);
		if (rt.fd[i] < 0)
			rt_fatal("open /dev/mem (%s): %s", rt_fd_names[i], strerror(errno));
	}

	/* Step 0: where things are. */
	struct utsname u;
	uname(&u);
	struct rt_buf x = { 0 };
	rb_printf(&x, "\"bar\":\"%s\",\"bar_base\":\"0x%llx\",\"bar_size\":\"0x%llx\","
		  "\"slice\":%lu,\"slice_size\":\"0x%lx\",\"X\":\"0x%llx\","
		  "\"window_size\":\"0x%lx\",\"page_size\":%ld,\"aslr\":%s,\"kernel_version\":",
		  rt.bar_name, rt.bar_base, rt.bar_size, rt.slice, RT_SLICE_SIZE, rt.X,
		  RT_WINDOW_SIZE, sysconf(_SC_PAGESIZE),
		  (personality(0xffffffff) & ADDR_NO_RANDOMIZE) ? "false" : "true");
	rb_str(&x, u.version);
	rt_emit("init", "0", 0, 0, 0, x.p);
	free(x.p);

	/* The monitor: wait for the scenario, then record the teardown. */
	pid_t pid = fork();
	if (pid < 0)
		rt_fatal("fork monitor: %s", strerror(errno));
	if (pid > 0) {
		for (int i = 0; i < RT_NFD; i++)
			close(rt.fd[i]);
		/* SIGTERM/SIGINT (e.g. a timeout): kill the scenario, still record. */
		rt_scenario = pid;
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = rt_on_term;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		int st = 0;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		char ret[32];
		int code;
		if (WIFEXITED(st)) {
			code = WEXITSTATUS(st);
			snprintf(ret, sizeof ret, "exit %d", code);
		} else {
			code = 128 + WTERMSIG(st);
			snprintf(ret, sizeof ret, "signal %d", WTERMSIG(st));
		}
		struct rt_buf e = { 0 };
		rb_printf(&e, "\"mismatches\":%d", rt.sh->mismatches);
		rt_emit("exit", ret, 0, 0, 0, e.p);
		if (!code && rt.sh->mismatches)
			code = 1;
		exit(code);
	}

	/* The scenario: reserve a virtual window, then leave it free. */
	void *w = mmap(NULL, RT_WINDOW_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (w == MAP_FAILED)
		rt_fatal("mmap window: %s", strerror(errno));
	munmap(w, RT_WINDOW_SIZE);
	rt.W = w;
}
