/*
 * mprotect_split: kernel-semantics.md §2.9 E (split, then unmap everything).
 *
 *   mmap(2 pages of X)                 -> E = [X, X+2P)
 *   mprotect(addr, P, PROT_NONE)       split into A = [0,P) and B = [P,2P), both VM_PAT
 *   munmap(addr, 2P)                   A first: "freeing invalid memtype [X, X+P)";
 *                                      B: END match shrinks E to [X, X+P) -> leak
 */
#include "../runtime.c"

int main(int argc, char **argv)
{
	rt_init(argc, argv);

	rt_expect("W+0x0", 0);
	rt_mmap(0, 2 * RT_P, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, RT_FD_RO, 0);
	rt_expect("ok", 0);
	rt_touch(0, 0);

	rt_expect("0", 0);
	rt_mprotect(0, RT_P, PROT_NONE);

	rt_expect("0", 0);
	rt_munmap(0, 2 * RT_P);
	return rt_finish();
}
