/*
 * private_fork: fork() of a COW PFNMAP whose first page was written
 * (kernel-semantics.md §2.9 B/C).
 *
 *   mmap(2 pages of X, PROT_READ|PROT_WRITE, MAP_PRIVATE)  -> E = [X, X+2P)
 *   write the first page               PTE 0 becomes an anonymous page
 *   fork()                             track_pfn_copy needs the prot from PTE 0,
 *                                      get_pat_info fails (-EINVAL), so
 *                                      copy_page_range and dup_mmap fail; dup_mm
 *                                      turns any failure into NULL and copy_mm
 *                                      returns -ENOMEM: fork() fails with ENOMEM.
 *                                      With the dc84bc2aba85 backport the child
 *                                      VMA has no VM_PAT, so its teardown neither
 *                                      WARNs nor frees anything
 *   munmap(2P)                         vm_pgoff fallback, exact free: clean
 */
#include "../runtime.c"

int main(int argc, char **argv)
{
	rt_init(argc, argv);

	rt_expect("W+0x0", 0);
	rt_mmap(0, 2 * RT_P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED_NOREPLACE, RT_FD_RW, 0);
	rt_expect("ok", 0);
	rt_touch(0, 1);

	rt_expect("-1", ENOMEM);
	if (rt_fork(NULL) == 0)
		rt_child_exit();

	rt_expect("0", 0);
	rt_munmap(0, 2 * RT_P);
	return rt_finish();
}
