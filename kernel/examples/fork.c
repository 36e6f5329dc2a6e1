/*
 * fork: the pfnmap selftest's "fork" case (kernel-semantics.md §5.4 test 6).
 *
 *   mmap(2 pages of X, PROT_READ, MAP_SHARED)   -> entry E = [X, X+2P)
 *   fork(); the child reads both pages and is held alive
 *       legacy VM_PAT: track_pfn_copy makes a second, strict reservation of
 *       the same range for the child (a duplicate entry), child VMA has VM_PAT
 *   the child exits: its entry is freed (exact match)
 *   munmap(2P): the parent's entry is freed
 */
#include "../runtime.c"

static int child_reads(void)
{
	int bad = 0;
	bad |= rt_probe(rt_va(0), 0) != 0;
	bad |= rt_probe(rt_va(RT_P), 0) != 0;
	return bad;
}

int main(int argc, char **argv)
{
	rt_init(argc, argv);

	rt_expect("W+0x0", 0);
	rt_mmap(0, 2 * RT_P, PROT_READ, MAP_SHARED | MAP_FIXED_NOREPLACE, RT_FD_RO, 0);
	rt_expect("ok", 0);
	rt_touch(0, 0);
	rt_expect("ok", 0);
	rt_touch(RT_P, 0);

	rt_expect("child", 0);
	if (rt_fork(child_reads) == 0) {
		rt_expect("exit 0", 0);
		rt_child_exit();
	}

	rt_expect("0", 0);
	rt_munmap(0, 2 * RT_P);
	return rt_finish();
}
