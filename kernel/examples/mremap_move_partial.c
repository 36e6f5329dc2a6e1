/*
 * mremap_move_partial: move only the second page of a VM_PAT VMA
 * (kernel-semantics.md §2.6 "derived caveat", not reported upstream).
 *
 *   mmap(2 pages of X)                               -> E = [X, X+2P)
 *   mremap(addr+P, P, P, MAYMOVE|FIXED, W+0x100000)   the new VMA [X+P) keeps
 *       VM_PAT; untrack_pfn_clear() runs on the whole source VMA before it is
 *       split, so the remaining head [X, X+P) has no VM_PAT any more
 *   munmap(W+0x100000, P)                           tail free: END match shrinks E
 *   munmap(addr, P)                                 no VM_PAT: nothing freed
 *   derived expectation: [X, X+P) leaks
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
	rt_mremap(RT_P, RT_P, RT_P, MREMAP_MAYMOVE | MREMAP_FIXED, 0x100000);

	rt_expect("0", 0);
	rt_munmap(0x100000, RT_P);
	rt_expect("0", 0);
	rt_munmap(0, RT_P);
	return rt_finish();
}
