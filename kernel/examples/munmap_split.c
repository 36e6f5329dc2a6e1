/*
 * munmap_split: the pfnmap selftest's "munmap_split" case (kernel-semantics.md
 * §5.4 test 2), including its fixture and teardown, on this program's slice.
 *
 *   addr1 = mmap(2 pages of X, PROT_READ, MAP_SHARED)   -> entry E = [X, X+2P)
 *   read both pages (fixture probe)
 *   munmap(addr1, P)        head of a VM_PAT VMA: "freeing invalid memtype"
 *   addr2 = mmap(NULL, P, X) same first page again: a second, overlapping entry
 *   munmap(addr2, P)        exact free of the second entry
 *   munmap(addr1, 2P)       tail: END match shrinks E to [X, X+P), which leaks
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

	rt_expect("0", 0);
	rt_munmap(0, RT_P);
	rt_expect(NULL, 0);
	void *addr2 = rt_mmap(RT_ANY, RT_P, PROT_READ, MAP_SHARED, RT_FD_RO, 0);

	if (addr2 != MAP_FAILED) {
		rt_expect("0", 0);
		rt_munmap(rt_off(addr2), RT_P);
	}
	rt_expect("0", 0);
	rt_munmap(0, 2 * RT_P);
	return rt_finish();
}
