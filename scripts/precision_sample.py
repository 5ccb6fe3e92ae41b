#!/usr/bin/env python3
"""Validation precision sample (docs/precision/validation-labels.toml): choose the
instances deterministically and dump them for reading while labelling.

  scripts/precision_sample.py sample [N_FILES] [N_PER_VENDOR]
      -> lines "Vendor/file.svd<TAB>peripheral" (the labels use `sample 3 20`)
  scripts/precision_sample.py dump Vendor/file.svd PERIPH...
      -> name, groupName, description, derivedFrom, registers and fields
  scripts/precision_sample.py sample 3 20 | scripts/precision_sample.py dumpall
      -> the same for every sampled instance (derived ones shortened)

Reads only the SVD XML (Python standard library); runs nothing of hal-gen.

Rule: for each vendor folder of ../shared/corpus/validation.tsv, its files are
ordered by their sha256 (column 3) and the first N_FILES kept; every
<peripheral> of those files (derived ones included) goes in a pool, the pool is
ordered by sha256("Vendor/file.svd/PERIPHERAL") and the first N_PER_VENDOR
instances are kept. Nothing about the classifier enters the choice.
"""
import hashlib, os, sys
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.abspath(__file__))
MAIN = os.environ.get("HALGEN_ROOT", os.path.dirname(ROOT))
TSV = os.path.join(MAIN, "../shared/corpus/validation.tsv")
CORPUS = os.path.join(MAIN, ".cache/validation")

def strip_ns(root):
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    return root

def load(rel):
    return strip_ns(ET.parse(os.path.join(CORPUS, rel)).getroot())

def txt(el, tag, default=""):
    c = el.find(tag)
    return " ".join(c.text.split()) if c is not None and c.text else default

def peripherals(root):
    ps = root.find("peripherals")
    return [] if ps is None else ps.findall("peripheral")

def sample(n_files, n_per):
    by_vendor = {}
    for line in open(TSV):
        cols = line.rstrip("\n").split("\t")
        if cols[0] == "vendor":
            continue
        by_vendor.setdefault(cols[0], []).append((cols[2], cols[1]))
    out = []
    for vendor in sorted(by_vendor):
        files = [f for _, f in sorted(by_vendor[vendor])][:n_files]
        pool = []
        for f in files:
            rel = f"{vendor}/{f}"
            try:
                root = load(rel)
            except Exception as e:
                print(f"# {rel}: unreadable XML ({e})", file=sys.stderr)
                continue
            for p in peripherals(root):
                name = txt(p, "name")
                key = hashlib.sha256(f"{rel}/{name}".encode()).hexdigest()
                pool.append((key, rel, name))
        for _, rel, name in sorted(pool)[:n_per]:
            out.append((rel, name))
    return out

def regs_of(node, prefix=""):
    rs = node.find("registers")
    if rs is None:
        return []
    out = []
    for el in rs:
        if el.tag == "register":
            out.append((prefix, el))
        elif el.tag == "cluster":
            name = txt(el, "name")
            out.append((prefix, el))
            for pr, r in regs_of_cluster(el, prefix + name + "."):
                out.append((pr, r))
    return out

def regs_of_cluster(cl, prefix):
    out = []
    for el in cl:
        if el.tag == "register":
            out.append((prefix, el))
        elif el.tag == "cluster":
            out.append((prefix, el))
            out.extend(regs_of_cluster(el, prefix + txt(el, "name") + "."))
    return out

def dump(rel, names, maxregs=40, short=False):
    root = load(rel)
    byname = {txt(p, "name"): p for p in peripherals(root)}
    for n in names:
        p = byname.get(n)
        if p is None:
            print(f"!! {n} not found"); continue
        der = p.get("derivedFrom") or ""
        src = byname.get(der, p) if der else p
        print(f"=== {n}  group={txt(p,'groupName') or txt(src,'groupName')}  derivedFrom={der}  base={txt(p,'baseAddress')}")
        print(f"    desc: {(txt(p,'description') or txt(src,'description'))[:200]}")
        ints = [txt(i,'name') for i in p.findall('interrupt')]
        if ints: print(f"    irq: {' '.join(ints)}")
        if short and der:
            continue
        regs = regs_of(src)
        for i, (pr, r) in enumerate(regs):
            if i >= maxregs:
                print(f"    ... {len(regs)-maxregs} more regs: " + " ".join(pr+txt(x,'name') for pr,x in regs[maxregs:maxregs+60])); break
            kind = "C" if r.tag == "cluster" else ""
            fs = r.find("fields")
            fl = []
            if fs is not None:
                for f in fs.findall("field"):
                    fl.append(txt(f, "name"))
            d = txt(r, "description")[:70]
            dim = txt(r, "dim")
            print(f"    {kind}{txt(r,'addressOffset')} {pr}{txt(r,'name')}{'['+dim+']' if dim else ''} | {d} | {' '.join(fl)[:230]}")

if __name__ == "__main__":
    if sys.argv[1] == "sample":
        nf = int(sys.argv[2]) if len(sys.argv) > 2 else 3
        npv = int(sys.argv[3]) if len(sys.argv) > 3 else 20
        for rel, name in sample(nf, npv):
            print(f"{rel}\t{name}")
    elif sys.argv[1] == "dump":
        dump(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "dumpall":
        # dump the sampled peripherals of every file in a sample list on stdin
        import collections
        g = collections.OrderedDict()
        for line in sys.stdin:
            rel, name = line.rstrip("\n").split("\t")
            g.setdefault(rel, []).append(name)
        for rel, ns in g.items():
            print(f"######## {rel}")
            dump(rel, ns, maxregs=int(os.environ.get("MAXREGS", "25")), short=True)
