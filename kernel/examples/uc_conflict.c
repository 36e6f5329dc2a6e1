/*
 * uc_conflict: an O_DSYNC (uncached-minus) /dev/mem mmap over a range
 * reserved write-back (kernel-semantics.md §1.7, §1.8).
 *
 *   mmap(2 pages of X, devmem)            -> [X, X+2P) write-back
 *   mmap(same range, devmem_sync)         memtype_reserve resolves to WB,
 *       UC- -> WB is not allowed: "map pfn expected mapping type
 *       uncached-minus ... got write-back", remap_pfn_range fails, mmap EAGAIN
 *   mmap(X+0x8000, 2 pages, devmem_sync)  disjoint: [X+0x8000, +2P) uncached-minus
 *   munmap both: clean
 */
#include "../runtime.c"

int main(int argc, char **argv)
{
	rt_init(argc, argv);

	rt_expect("W+0x0", 0);
	rt_mmap(0, 2 * RT_P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, RT_FD_RW, 0);
	rt_expect("MAP_FAILED", EAGAIN);
	rt_mmap(0x10000, 2 * RT_P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE,
		RT_FD_SYNC, 0);
	rt_expect("W+0x10000", 0);
	rt_mmap(0x10000, 2 * RT_P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE,
		RT_FD_SYNC, 0x8000);
	rt_expect("ok", 0);
	rt_touch(0x10000, 1);

	rt_expect("0", 0);
	rt_munmap(0x10000, 2 * RT_P);
	rt_expect("0", 0);
	rt_munmap(0, 2 * RT_P);
	return rt_finish();
}
