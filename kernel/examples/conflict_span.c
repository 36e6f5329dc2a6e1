/*
 * conflict_span: a request spanning two existing entries of different types
 * (kernel-semantics.md §1.4: fails even in non-strict mode).
 *
 *   mmap(page X, devmem)             -> [X, X+P) write-back
 *   mmap(page X+P, devmem_sync)      -> [X+P, X+2P) uncached-minus
 *   mmap([X, X+2P), devmem)          first overlap resolves to write-back, the
 *       second entry differs: "conflicting memory types", -EBUSY,
 *       remap_pfn_range fails, mmap EAGAIN
 *   munmap both: clean
 */
#include "../runtime.c"

int main(int argc, char **argv)
{
	rt_init(argc, argv);

	rt_expect("W+0x0", 0);
	rt_mmap(0, RT_P, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, RT_FD_RW, 0);
	rt_expect("W+0x1000", 0);
	rt_mmap(RT_P, RT_P, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, RT_FD_SYNC, RT_P);
	rt_expect("MAP_FAILED", EAGAIN);
	rt_mmap(0x10000, 2 * RT_P, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, RT_FD_RW, 0);

	rt_expect("0", 0);
	rt_munmap(0, 2 * RT_P);
	return rt_finish();
}
