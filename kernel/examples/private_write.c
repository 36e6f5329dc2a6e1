/*
 * private_write: a COW PFNMAP (MAP_PRIVATE of /dev/mem), first page written,
 * then unmapped (kernel-semantics.md §2.9 B).
 *
 *   mmap(2 pages of X, PROT_READ|PROT_WRITE, MAP_PRIVATE)  -> E = [X, X+2P),
 *                                      vm_pgoff = pfn of X
 *   write the first page               PTE 0 becomes an anonymous page
 *   munmap(2P)                         with 04c35ab3bdae: follow_phys refuses
 *                                      the anon page, get_pat_info falls back to
 *                                      vm_pgoff, exact free: clean
 */
#include "../runtime.c"

int main(int argc, char **argv)
{
	rt_init(argc, argv);

	rt_expect("W+0x0", 0);
	rt_mmap(0, 2 * RT_P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED_NOREPLACE, RT_FD_RW, 0);
	rt_expect("ok", 0);
	rt_touch(0, 1);
	rt_expect("ok", 0);
	rt_touch(RT_P, 0);

	rt_expect("0", 0);
	rt_munmap(0, 2 * RT_P);
	return rt_finish();
}
