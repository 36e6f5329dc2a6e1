/*
 * mremap_fixed: the pfnmap selftest's "mremap_fixed" case (§5.4 test 3).
 *
 *   addr1 = mmap(2 pages of X)                     -> E = [X, X+2P)
 *   addr2 = anonymous 2 pages at W+0x100000
 *   mremap(addr1, 2P, 2P, MAYMOVE|FIXED, addr2)    the new VMA keeps VM_PAT,
 *                                                  the source loses it (untrack_pfn_clear)
 *   munmap(addr2, 2P)                              exact free through the moved PTEs
 *   munmap(addr1, 2P)                              a hole now: nothing
 */
#include "../runtime.c"

int main(int argc, char **argv)
{
	rt_init(argc, argv);

	rt_expect("W+0x0", 0);
	rt_mmap(0, 2 * RT_P, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, RT_FD_RO, 0);
	rt_expect("ok", 0);
	rt_touch(0, 0);
	rt_expect("ok", 0);
	rt_touch(RT_P, 0);

	rt_expect("W+0x100000", 0);
	rt_mmap_anon(0x100000, 2 * RT_P, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE);
	rt_expect("W+0x100000", 0);
	rt_mremap(0, 2 * RT_P, 2 * RT_P, MREMAP_MAYMOVE | MREMAP_FIXED, 0x100000);

	rt_expect("0", 0);
	rt_munmap(0x100000, 2 * RT_P);
	rt_expect("0", 0);
	rt_munmap(0, 2 * RT_P);
	return rt_finish();
}
