#!/usr/bin/env python3
# feedgen_names.py - writes tests/tools/feedgen_names.h, the name stock of
# feedgen's person alerts and permit holders, from the labelled set's stock
# (tests/data/namematch/names.py): per group its nationalities, surnames in
# both gender forms (in the order names.py lists them: for Russian that is
# the published frequency ranking, Иванов Смирнов Кузнецов ...), given
# names and patronymics as a registry operator types them. Run from the
# repository root: python3 tests/tools/feedgen_names.py > tests/tools/feedgen_names.h
import random
import sys

sys.path.insert(0, "tests/data/namematch")
import gen  # noqa: E402  (feminine(), patronymic())
import names  # noqa: E402

gen.rng = random.Random(4)


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def table(name, items):
    out = ["static const char *const %s[] = {" % name]
    line = "\t"
    for s in items:
        piece = cstr(s) + ", "
        if len((line + piece).expandtabs()) > 78:
            out.append(line.rstrip())
            line = "\t"
        line += piece
    out.append(line.rstrip().rstrip(","))
    out.append("};")
    return "\n".join(out)


print("/* feedgen_names.h - written by tests/tools/feedgen_names.py from")
print(" * tests/data/namematch/names.py; do not edit. */")
print()
groups = []
for g, d in names.GROUPS.items():
    msur = d["surname"]
    fsur = [gen.feminine(s, g) for s in msur]
    pm, pf = [], []
    for f in d["male"]:
        for sex, lst in (("M", pm), ("F", pf)):
            p = gen.patronymic(f, sex, g)
            if p and p not in lst:
                lst.append(p)
    for n, items in (("msur", msur), ("fsur", fsur), ("male", d["male"]),
                     ("female", d["female"]), ("pm", pm), ("pf", pf)):
        print(table("ng_%s_%s" % (g, n), items or [""]))
    nat = d["nat"]
    print(table("ng_%s_nat" % g, nat))
    print()
    groups.append((g, len(msur), len(d["male"]), len(d["female"]),
                   len(pm), len(pf), len(nat), d["script"] == "lat"))
print("#define NG(g, latin) { #g, ng_##g##_msur, ng_##g##_fsur, "
      "ng_##g##_male, \\\n\tng_##g##_female, ng_##g##_pm, ng_##g##_pf, "
      "ng_##g##_nat, \\\n\tNELEM(ng_##g##_msur), NELEM(ng_##g##_male), "
      "NELEM(ng_##g##_female), \\\n\tNELEM(ng_##g##_pm), NELEM(ng_##g##_pf), "
      "NELEM(ng_##g##_nat), latin }")
print()
print("#define NAME_GROUPS \\")
print(", \\\n".join("\tNG(%s, %d)" % (g[0], g[7]) for g in groups))
