/*
 * mremap_shrink: the pfnmap selftest's "mremap_shrink" case (§5.4 test 4).
 *
 *   mmap(2 pages of X)                 -> E = [X, X+2P)
 *   mremap(addr1, 2P, P, 0)            tail unmapped: END match shrinks E to [X, X+P)
 *   munmap(addr1, 2P) (teardown)       exact free of [X, X+P): clean
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

	rt_expect("W+0x0", 0);
	rt_mremap(0, 2 * RT_P, RT_P, 0, 0);

	rt_expect("0", 0);
	rt_munmap(0, 2 * RT_P);
	return rt_finish();
}
