/**
 * Events in kernel vocabulary, one line each: commands as the syscalls a C program would
 * make, facts as the kernel functions that made them, reservations as pat_memtype_list and
 * printk show them.
 */
import { errnoName } from '../state/errno.ts';
import { CATTR_NAMES, modeIndex } from '../state/cacheMode.ts';
import { hex } from '../state/geometry.ts';
import type { Command } from './commands.ts';
import type { Event, Owner } from './codecs.ts';

const P = 4096;
const owner = (o?: Owner): string => (!o ? '' : 'ctx' in o ? ` (ctx ${o.ctx})` : 'lineage' in o ? ` (VM_PAT lineage ${o.lineage})` : ` (kernel handle ${o.kernel})`);
const cattr = (m: string): string => CATTR_NAMES[modeIndex(m)] ?? m;
const mem = (a: number, b: number): string => `[mem ${hex(a)}-${hex(b - 1)}]`;
const ret = (r: number): string => (r < 0 ? errnoName(r) : r > 0xffff ? hex(r) : String(r));

export const commandText = (c: Command): string => {
  switch (c.kind) {
    case 'mmap': {
      const file = c.driver ? `driver(${c.driver}${c.driver === 'partial' ? ` ${hex(c.remapLen ?? P)}` : ''}, ${c.cacheMode})` : `/dev/mem${c.cacheMode === 'UC-' ? '|O_DSYNC' : ''}`;
      const flags = `${c.shared ? 'MAP_SHARED' : 'MAP_PRIVATE'}${c.fixedAddr !== undefined ? '|MAP_FIXED' : ''}`;
      const prot = c.shared ? 'PROT_READ' : 'PROT_READ|PROT_WRITE';
      return `pid ${c.pid}: mmap(${c.fixedAddr !== undefined ? hex(c.fixedAddr) : 'NULL'}, ${hex(c.len)}, ${prot}, ${flags}, ${file}, ${hex(c.pfn * P)})${c.fault ? ` [fault: ${c.fault}]` : ''}`;
    }
    case 'munmap':
      return `pid ${c.pid}: munmap(${hex(c.addr)}, ${hex(c.len)})${c.fault ? ` [fault: ${c.fault}]` : ''}`;
    case 'mprotect':
      return `pid ${c.pid}: mprotect(${hex(c.addr)}, ${hex(c.len)}, ${c.prot})${c.fault ? ` [fault: ${c.fault}]` : ''}`;
    case 'madvise':
      return `pid ${c.pid}: madvise(${hex(c.addr)}, ${hex(c.len)}, ${c.advice})${c.fault ? ` [fault: ${c.fault}]` : ''}`;
    case 'mremap':
      return `pid ${c.pid}: mremap(${hex(c.oldAddr)}, ${hex(c.oldLen)}, ${hex(c.newLen)}, ${c.flags.length ? c.flags.join('|') : '0'}${c.newAddr !== undefined ? `, ${hex(c.newAddr)}` : ''})`;
    case 'fork':
      return `pid ${c.pid}: fork()${c.fault ? ` [fault: ${c.fault} on VMA #${c.faultVma ?? 0}]` : ''}`;
    case 'exit':
      return `pid ${c.pid}: exit(0)`;
    case 'write_fault':
      return `pid ${c.pid}: *(char *)${hex(c.addr)} = 1  (write fault)`;
    case 'vmf_insert_pfn':
      return `pid ${c.pid}: read fault at ${hex(c.addr)} (driver fault handler: vmf_insert_pfn)`;
    case 'zap_vma_ptes':
      return `kernel: zap_vma_ptes(pid ${c.pid} ${hex(c.addr)}, ${hex(c.len)})`;
    case 'unmap_mapping_range':
      return `kernel: unmap_mapping_range(/dev/mem, ${hex(c.pfn * P)}, ${hex(c.nrPages * P)})`;
    case 'memremap_pages':
      return `kernel: memremap_pages(${mem(c.pfn * P, (c.pfn + c.nrPages) * P)})`;
    case 'memunmap_pages':
      return `kernel: memunmap_pages(handle ${c.handle})`;
    case 'ioremap':
      return `kernel: ioremap(${mem(c.pfn * P, (c.pfn + c.nrPages) * P)}, ${c.cacheMode})`;
    case 'iounmap':
      return `kernel: iounmap(handle ${c.handle})`;
  }
};

export const eventText = (e: Event): string => {
  switch (e.type) {
    case 'syscall':
      return `${commandText(e.cmd)} = ${ret(e.ret)}${e.signal ? ` (${e.signal})` : ''}`;
    case 'kernel_call':
      return `${commandText(e.cmd)} = ${ret(e.ret)}`;
    case 'mmap_region':
      return `mmap_region: new VMA pid ${e.pid} ${hex(e.addr)}-${hex(e.addr + e.nrPages * P)} pgoff ${hex(e.pgoff)} ${e.shared ? 'shared' : 'private'} ${e.prot}${e.driver ? ' (driver)' : ''}`;
    case 'vm_flags_set':
      return `vm_flags_set(pid ${e.pid} ${hex(e.addr)}, ${e.flags.join('|')}${e.lineage !== undefined ? `; lineage ${e.lineage}` : ''})`;
    case 'vm_flags_clear':
      return `vm_flags_clear(pid ${e.pid} ${hex(e.addr)}, ${e.flags.join('|')})`;
    case 'vm_area_dup':
      return `vm_area_dup(${e.reason}: pid ${e.pid} ${hex(e.addr)}+${e.nrPages}p → pid ${e.dstPid} ${hex(e.dstAddr)}) = ${e.ret === 0 ? 'ok' : ret(e.ret)}`;
    case 'vm_area_free':
      return `vm_area_free(pid ${e.pid} ${hex(e.addr)}-${hex(e.addr + e.nrPages * P)})`;
    case 'set_pte_range':
      return `set PTEs pid ${e.pid} ${hex(e.addr)}+${e.nrPages}p → pfn ${hex(e.pfn)} ${cattr(e.cacheMode)}`;
    case 'zap_pte_range':
      return `zap PTEs pid ${e.pid} ${hex(e.addr)}+${e.nrPages}p`;
    case 'move_page_tables':
      return `move_page_tables(pid ${e.pid} ${hex(e.addr)} → ${hex(e.newAddr)}, ${e.nrPages}p)`;
    case 'copy_page_range':
      return `copy_page_range(pid ${e.pid} → pid ${e.dstPid}, ${hex(e.addr)}+${e.nrPages}p) = ${ret(e.ret)}`;
    case 'wp_page_copy':
      return `wp_page_copy(pid ${e.pid} ${hex(e.addr)}): PTE replaced by an anonymous COW page`;
    case 'remap_pfn_range':
      return `remap_pfn_range(pid ${e.pid} ${hex(e.addr)}, pfn ${hex(e.pfn)}, ${hex(e.nrPages * P)}, ${cattr(e.cacheMode)})${e.whole ? '' : ' [partial VMA]'}`;
    case 'remap_pfn_range_done':
      return `remap_pfn_range = ${ret(e.ret)}`;
    case 'pfnmap_track':
      return `pfnmap_track(pfn ${hex(e.pfn)}, ${hex(e.nrPages * P)}, ${cattr(e.cacheMode)})`;
    case 'pfnmap_untrack':
      return `pfnmap_untrack(pfn ${hex(e.pfn)}, ${hex(e.nrPages * P)})`;
    case 'pfnmap_setup_cachemode':
      return `pfnmap_setup_cachemode(pfn ${hex(e.pfn)}, ${hex(e.nrPages * P)}) = ${ret(e.ret)}: ${cattr(e.cacheMode)}`;
    case 'track_pfn_remap':
      return `track_pfn_remap(pid ${e.pid} ${hex(e.addr)}, pfn ${hex(e.pfn)}, ${hex(e.nrPages * P)}) = ${ret(e.ret)}`;
    case 'track_pfn_copy':
      return `track_pfn_copy(pid ${e.pid} ${hex(e.addr)} → pid ${e.dstPid}) = ${ret(e.ret)}`;
    case 'untrack_pfn':
      return `untrack_pfn(pid ${e.pid} ${hex(e.addr)}, ${e.pfn !== undefined ? `pfn ${hex(e.pfn)}` : 'no usable first PTE'}, size ${hex(e.nrPages * P)})${e.ret ? ` = ${ret(e.ret)}` : ''}`;
    case 'untrack_pfn_copy':
      return `untrack_pfn_copy(pid ${e.pid} ${hex(e.addr)}, pfn ${hex(e.pfn)}, ${hex(e.nrPages * P)})`;
    case 'untrack_pfn_clear':
      return `untrack_pfn_clear(pid ${e.pid} ${hex(e.addr)}): VM_PAT cleared`;
    case 'memtype_reserve':
      return e.ret === 0
        ? `memtype_reserve added ${mem(e.startPaddr, e.endPaddr)}, req ${cattr(e.reqType)}, ret ${cattr(e.newType)}${owner(e.owner)}`
        : `x86/PAT: memtype_reserve failed ${mem(e.startPaddr, e.endPaddr)}, req ${cattr(e.reqType)} = ${ret(e.ret)}${e.printk ? ` (${e.printk})` : ''}`;
    case 'memtype_free':
      return e.match === 'none'
        ? `x86/PAT: freeing invalid memtype ${mem(e.startPaddr, e.endPaddr)}`
        : `memtype_free ${mem(e.startPaddr, e.endPaddr)}: ${e.match === 'exact' ? 'entry removed' : e.match === 'part' ? 'cut out of its entry' : 'END match, entry shrunk'}${owner(e.owner)}`;
    case 'pfnmap_track_ctx_alloc':
      return `pfnmap_track_ctx_alloc: ctx ${e.ctxId} {pfn ${hex(e.pfn)}, size ${hex(e.nrPages * P)}, kref 1}`;
    case 'pfnmap_track_ctx_attach':
      return `vma->pfnmap_track_ctx = ctx ${e.ctxId} (pid ${e.pid} ${hex(e.addr)})`;
    case 'kref_get':
      return `kref_get(ctx ${e.ctxId}) → ${e.kref}`;
    case 'kref_put':
      return `kref_put(ctx ${e.ctxId}) → ${e.kref}`;
    case 'pfnmap_track_ctx_release':
      return `pfnmap_track_ctx_release(ctx ${e.ctxId}): kfree`;
    case 'copy_process':
      return `copy_process: pid ${e.childPid} (child of pid ${e.pid})`;
    case 'mmput':
      return `mmput(pid ${e.pid}): address space gone`;
    case 'memremap_pages':
      return `memremap_pages = handle ${e.handle} (${cattr(e.cacheMode)})`;
    case 'memunmap_pages':
      return `memunmap_pages(handle ${e.handle})`;
    case 'ioremap':
      return `ioremap = handle ${e.handle} (${cattr(e.cacheMode)})`;
    case 'iounmap':
      return `iounmap(handle ${e.handle})`;
    case 'warn':
      return `WARNING: ${e.message}`;
  }
};

/** Commands at the left margin, the facts they caused indented under them. */
export const traceText = (events: readonly Event[]): string[] =>
  events.map((e) => (e.type === 'syscall' || e.type === 'kernel_call' ? eventText(e) : `    ${eventText(e)}`));
