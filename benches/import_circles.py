#!/usr/bin/env python3
"""Import circles between the top-level modules of src/ at a git revision:
   python3 benches/import_circles.py REV"""
import subprocess, sys, re, itertools
rev = sys.argv[1]; repo = sys.argv[2] if len(sys.argv) > 2 else '.'
files = subprocess.run(['git','-C',repo,'ls-tree','-r','--name-only',rev,'src'],capture_output=True,text=True).stdout.split()
edges = {}
for f in files:
    if not f.endswith('.rs') or f in ('src/main.rs',): continue
    text = subprocess.run(['git','-C',repo,'show',f'{rev}:{f}'],capture_output=True,text=True).stdout
    # comments do not import
    text = '\n'.join(l for l in text.splitlines() if not l.strip().startswith('//'))
    own = f[4:].removesuffix('.rs').removesuffix('/mod').split('/')[0]
    if own == 'lib': own = 'crate'
    deps = set(re.findall(r'crate::([a-z_]+)', text)) - {own}
    if own == 'crate':
        deps = set()  # the root declares modules; its own uses are listed below
        deps |= set(re.findall(r'\b(model|render|session|output|search|timings|threads|diagnostic)::', text))
    edges.setdefault(own, set()).update(d for d in deps)
# crate root items referenced as crate::build etc. count as edges to 'crate'
mods = set(edges)
for m in list(edges):
    edges[m] = {d if d in mods else 'crate' for d in edges[m]}
# strongly connected components (Tarjan)
index, low, stack, on, out = {}, {}, [], set(), []
def sc(v, c=[0]):
    index[v]=low[v]=c[0]; c[0]+=1; stack.append(v); on.add(v)
    for w in edges.get(v,()):
        if w not in index: sc(w); low[v]=min(low[v],low[w])
        elif w in on: low[v]=min(low[v],index[w])
    if low[v]==index[v]:
        comp=[]
        while True:
            w=stack.pop(); on.discard(w); comp.append(w)
            if w==v: break
        if len(comp)>1: out.append(sorted(comp))
for v in list(edges):
    if v not in index: sc(v)
print("circles:", out if out else "none")
