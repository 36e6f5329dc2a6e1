#!/usr/bin/env python3
"""Print recorded pfnmap-kernel-run files (kernel/recorded/*.ndjson) as a
compact Markdown summary: one line per step with the call and its result,
then the kept kernel log lines, the memtype entries of the slice and the
VMAs ({pf,ar} = VM_PFNMAP, VM_PAT).  Usage: summarize.py FILE.ndjson ..."""
import sys,json
for f in sys.argv[1:]:
  recs=[json.loads(l) for l in open(f)]
  print("### "+recs[0]["program"]+"\n")
  print("X = 0x%s (slice %d)\n" % (recs[1]["X"][2:], recs[1]["slice"]))
  print("```")
  for d in recs[2:]:
    mt=" ".join("[%s,%s) %s%s"%(m["start"],m["end"],m["type"],"" if m["count"]==1 else " x%d"%m["count"]) for m in (d["memtype"] or [])) or "(none)"
    ret=d["ret"]+(" "+d["err"] if d["err"] else "")
    print("%d  %s = %s" % (d["step"], d["call"], ret))
    for k in d["klog"]: print("     log: "+k)
    print("     memtype: "+mt)
    vs=[]
    for v in d["vmas"]:
      fl=",".join(x for x in ("pf","ar") if v.get(x))
      vs.append("%s[%s,%s)%s pgoff=%s {%s}"%("child:" if v["proc"]=="child" else "",v["start"],v["end"],v["perms"],v["pgoff"],fl))
    if vs: print("     vmas: "+"  ".join(vs))
  print("```\n")
