#!/usr/bin/env python3
"""population.py - a realistic generated population for population.sh, and
an INDEPENDENT computation of who overstays (docs/stay-rules.md,
docs/policy.md, docs/stay-states.md), written here from the documents, not
by calling Shekara's binaries.

  population.py gen DIR TODAY    travellers crossing at four posts over the
                                 year before TODAY (fixed seed): DIR/
                                 permits.csv, DIR/batch-POST-N.json (the
                                 posts' pushes), DIR/expect.json (the
                                 overstayers as of TODAY: doc -> days)
  population.py compare EXPECT GOT [NATIONALITY]
                                 GOT is the rows of the overstay query (a
                                 JSON list); exit 1 unless they are exactly
                                 the expected documents and day counts
"""
import datetime as dt
import json
import random
import sys

POSTS = ["ALA01", "NQZ01", "KHR02", "AST03"]
SEED = 20261127

# The rules of config/policy.yaml that matter over the past year (all in
# force since 2023-11-10 at the latest): nationality -> (N, M, P or None),
# or None for "visa required".
EAEU = (90, 180, None)
BILATERAL = (90, 180, None)
FREE30 = (90, 180, 30)
FREE14 = (42, 180, 14)
RULES = {
    "RUS": EAEU, "KGZ": EAEU, "BLR": EAEU, "ARM": EAEU,
    "GEO": BILATERAL, "UKR": BILATERAL, "MNG": BILATERAL,
    "UZB": FREE30, "TJK": FREE30, "TUR": FREE30, "USA": FREE30,
    "DEU": FREE30, "KOR": FREE30, "CHN": FREE30,
    "IND": FREE14, "IRN": FREE14,
    "AFG": None, "PAK": None, "EGY": None, "NGA": None, "BGD": None,
}
CITIZENS = {"KAZ"}
# permits: kind -> (own days per entry?, replaces a visa?)
PERMITS = {
    "visa": (True, True),
    "work_permit": (False, False),
    "residence_permit": (False, True),
    "refugee": (False, True),
    "asylum": (False, True),
    "repatriate": (False, True),
}

SURNAMES = ["IVANOV", "PETROV", "SIDOROV", "KARIMOV", "RAHIMOV", "YILMAZ",
            "SMITH", "MUELLER", "WANG", "LI", "KIM", "SINGH", "KHAN",
            "AHMADI", "HASSAN", "OKAFOR", "RAHMAN", "BERIDZE", "BATBAYAR",
            "SHEVCHENKO", "ALIEV", "TURSUNOV", "NAZAROV", "DEMIR", "PARK",
            "GARCIA", "ROSSI", "NOVAK", "HOFFMANN", "TANAKA"]
GIVEN = ["ALEXANDER", "DMITRY", "OLGA", "ANNA", "AZIZ", "BOBUR", "MEHMET",
         "JOHN", "MARIA", "WEI", "MIN", "RAJ", "AHMAD", "FATIMA", "CHINEDU",
         "GIORGI", "BAT", "OKSANA", "RUSTAM", "SARDOR", "ELIF", "JI", "LUCA",
         "PETRA", "JONAS", "YUKI", "LAYLA", "OMAR", "NINO", "TIMUR"]


def d(s):
    return dt.date.fromisoformat(s)


def iso(x):
    return x.isoformat()


# ---- the independent computation ------------------------------------------

def lawful_until(rule, earlier_days, e):
    """Entry mode (docs/stay-rules.md): staying continuously from day e,
    the last day X such that every day e..X is lawful; e - 1 when e itself
    is not. earlier_days: the set of days of presence before e that count.
    """
    n, m, p = rule
    x = e - dt.timedelta(days=1)
    day = e
    while True:
        lo = day - dt.timedelta(days=m - 1)
        used = sum(1 for y in earlier_days if lo <= y < e)
        used += (day - e).days + 1
        if used > n or (p is not None and (day - e).days + 1 > p):
            return x
        x = day
        day += dt.timedelta(days=1)


def build_stays(crossings):
    """docs/stay-states.md: admitted crossings in time order; an entry opens
    a stay unless one is open; an exit closes it, or alone is a one-day stay;
    stays sharing or overlapping a day merge. Returns [(entry, exit|None)]."""
    out, open_ = [], None
    for c in sorted(crossings, key=lambda c: (c["at"], c["post"], c["seq"])):
        if c["outcome"] != "admit":
            continue
        if c["direction"] == "entry":
            if open_ is None:
                open_ = c["day"]
        elif open_ is not None:
            out.append([open_, max(c["day"], open_)])
            open_ = None
        else:
            out.append([c["day"], c["day"]])
    if open_ is not None:
        out.append([open_, None])
    out.sort(key=lambda s: s[0])
    merged = []
    for s in out:
        if merged:
            last = merged[-1]
            if last[1] is None or s[0] <= last[1]:
                if last[1] is not None and (s[1] is None or s[1] > last[1]):
                    last[1] = s[1]
                continue
        merged.append(list(s))
    return merged


def counted_days(stays, permits, upto):
    """The days of presence up to day upto that the visa-free rule counts:
    every day of a stay that no kept permit covers (a visa or an own-days
    permit covers, of a stay entered while valid, its first stay_days)."""
    days = set()
    for a, b in stays:
        b = upto if b is None or b > upto else b
        covered = []
        for pm in permits:
            f, u = pm["from"], pm["until"]
            if PERMITS[pm["kind"]][0] and pm.get("stay_days"):
                if not (f <= a <= u):
                    continue
                f = a
                u = min(u, a + dt.timedelta(days=pm["stay_days"] - 1))
            covered.append((f, u))
        day = a
        while day <= b:
            if not any(f <= day <= u for f, u in covered):
                days.add(day)
            day += dt.timedelta(days=1)
    return days


def allowed_until(nat, stays, permits):
    """The last lawful day of the open stay (docs/stay-states.md)."""
    e = stays[-1][0]
    rule = RULES.get(nat)
    kept = [p for p in permits
            if p["kind"] == "visa" or rule is not None or PERMITS[p["kind"]][1]]
    valid = [p for p in kept if p["from"] <= e <= p["until"]]
    perm = [p for p in valid if p["kind"] != "visa"]
    visa = [p for p in valid if p["kind"] == "visa"]
    c = None
    if perm:
        c = max(perm, key=lambda p: p["until"])
    elif visa:
        c = max(visa, key=lambda p: p["until"])
    if c is not None:
        last = c["until"]
        if PERMITS[c["kind"]][0] and c.get("stay_days"):
            last = min(last, e + dt.timedelta(days=c["stay_days"] - 1))
        if rule is not None:
            cut = [list(s) for s in stays]
            cut[-1][1] = last
            days = counted_days(cut, kept, last)
            last = lawful_until(rule, days, last + dt.timedelta(days=1))
        return last
    if rule is None:
        return e - dt.timedelta(days=1)
    days = counted_days(stays[:-1], kept, e - dt.timedelta(days=1))
    return lawful_until(rule, days, e)


def expect(travellers, crossings, permits, today):
    by_doc = {}
    for c in crossings:
        by_doc.setdefault(c["doc"], []).append(c)
    perm_by_doc = {}
    for p in permits:
        perm_by_doc.setdefault(p["doc"], []).append(p)
    out = {}
    for t in travellers:
        if t["nat"] in CITIZENS:
            continue
        stays = build_stays(by_doc.get(t["doc"], []))
        if not stays or stays[-1][1] is not None:
            continue
        au = allowed_until(t["nat"], stays, perm_by_doc.get(t["doc"], []))
        if au < today:
            out[t["doc"]] = {"days": (today - au).days, "nat": t["nat"],
                             "allowed_until": iso(au)}
    return out


# ---- the population --------------------------------------------------------

def generate(outdir, today):
    rnd = random.Random(SEED)
    start = today - dt.timedelta(days=365)
    travellers, crossings, permits = [], [], []
    births = set()

    def person(nat):
        while True:
            b = dt.date(1955, 1, 1) + dt.timedelta(days=rnd.randrange(17000))
            if (nat, b) not in births:
                births.add((nat, b))
                break
        t = {"doc": "%s:%s%07d" % (nat, rnd.choice("ABCNP"),
                                    len(travellers) + 1),
             "nat": nat, "surname": rnd.choice(SURNAMES),
             "given": rnd.choice(GIVEN), "birth": iso(b),
             "sex": rnd.choice("MF")}
        travellers.append(t)
        return t

    def cross(t, day, direction, outcome="admit"):
        hour = 10 if direction == "entry" else 16
        crossings.append({"doc": t["doc"], "t": t, "day": day,
                          "at": "%sT%02d:00:00" % (iso(day), hour),
                          "direction": direction, "outcome": outcome,
                          "post": rnd.choice(POSTS), "seq": 0})

    def permit(t, kind, f, u, stay_days=None, employer=None):
        permits.append({"id": "%s-%d" % (kind[:2].upper(), len(permits) + 1),
                        "doc": t["doc"], "t": t, "kind": kind, "from": f,
                        "until": u, "stay_days": stay_days,
                        "employer": employer})

    def day_in(a, b):
        return a + dt.timedelta(days=rnd.randrange(max(1, (b - a).days + 1)))

    def stays_of(t, first, nstays, lengths, last_open):
        """Sequential stays from first; the last open if last_open."""
        day = first
        for k in range(nstays):
            if day > today:
                return
            cross(t, day, "entry")
            if k == nstays - 1 and last_open:
                return
            ex = day + dt.timedelta(days=lengths(k) - 1)
            if ex > today:
                return          # still in the country
            cross(t, ex, "exit")
            day = ex + dt.timedelta(days=rnd.randrange(10, 120))

    free = [n for n, r in RULES.items() if r is not None]
    visa_req = [n for n, r in RULES.items() if r is None]

    # 1. Visa-free visitors: 1..3 stays, earlier ones in the window, some
    #    still here, some past their days.
    for _ in range(2200):
        t = person(rnd.choice(free))
        n, m, p = RULES[t["nat"]]
        cap = p or n

        def length(k, cap=cap):
            r = rnd.random()
            if r < 0.75:
                return rnd.randint(1, cap)
            if r < 0.9:
                return rnd.randint(cap, cap + 3)
            return rnd.randint(cap + 1, cap + 60)
        stays_of(t, day_in(start, today), rnd.randint(1, 3), length,
                 rnd.random() < 0.35)
        if rnd.random() < 0.03:     # a refused attempt does not count
            cross(t, day_in(start, today), "entry", "refuse")

    # 2. Visa holders (and a few admitted without one).
    for _ in range(400):
        t = person(rnd.choice(visa_req))
        f = day_in(start, today - dt.timedelta(days=20))
        u = f + dt.timedelta(days=rnd.choice([30, 60, 90, 180, 365]))
        sd = rnd.choice([None, None, 30, 60, 90])
        if rnd.random() < 0.93:
            permit(t, "visa", f, u, sd)
        e = day_in(f, min(u, today))
        cross(t, e, "entry")
        if rnd.random() < 0.5:
            ex = e + dt.timedelta(days=rnd.randint(1, 120))
            if ex <= today:
                cross(t, ex, "exit")

    # 3. Labour migrants from visa-free states: a work permit; some leave
    #    when it ends, some stay on (their visa-free days after it, then
    #    overstaying), some permits are still running.
    for _ in range(500):
        t = person(rnd.choice(["UZB", "TJK", "KGZ", "TUR", "RUS"]))
        f = day_in(start, today - dt.timedelta(days=60))
        u = f + dt.timedelta(days=rnd.randint(60, 330))
        permit(t, "work_permit", f, u, None, "Employer %d" % rnd.randint(1, 40))
        e = day_in(f, f + dt.timedelta(days=20))
        if e > today:
            continue
        cross(t, e, "entry")
        r = rnd.random()
        if r < 0.35:
            ex = u + dt.timedelta(days=rnd.randint(-10, 5))
            if e <= ex <= today:
                cross(t, ex, "exit")

    # 4. Residence permits of visa-required nationals (some ended).
    for _ in range(200):
        t = person(rnd.choice(visa_req))
        f = day_in(start, today - dt.timedelta(days=30))
        u = f + dt.timedelta(days=rnd.randint(60, 700))
        permit(t, "residence_permit", f, u)
        cross(t, day_in(f, min(u, today)), "entry")

    # 5. Refugees and repatriates, and citizens (never in a stay state).
    for kind in ("refugee", "repatriate"):
        for _ in range(40):
            t = person(rnd.choice(visa_req + ["UZB", "CHN", "MNG"]))
            f = day_in(start, today - dt.timedelta(days=30))
            permit(t, kind, f, f + dt.timedelta(days=rnd.randint(30, 900)))
            cross(t, day_in(f, today), "entry")
    for _ in range(100):
        t = person("KAZ")
        cross(t, day_in(start, today - dt.timedelta(days=200)), "entry")

    # Each post numbers its crossings in time order.
    by_post = {p: [] for p in POSTS}
    for c in crossings:
        by_post[c["post"]].append(c)
    for post, cs in by_post.items():
        cs.sort(key=lambda c: (c["at"], c["doc"]))
        for i, c in enumerate(cs):
            c["seq"] = i + 1
        for b in range(0, len(cs), 1000):
            items = []
            for c in cs[b:b + 1000]:
                t = c["t"]
                st, num = t["doc"].split(":")
                # Noon-ish in Almaty (UTC+5): the civil day is c["day"].
                local = dt.datetime.fromisoformat(c["at"])
                utc = local - dt.timedelta(hours=5)
                items.append({
                    "seq": c["seq"],
                    "recorded_at": utc.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "direction": c["direction"], "lane": 1 + c["seq"] % 4,
                    "officer": "KZ%04d" % (c["seq"] % 50),
                    "outcome": c["outcome"],
                    "document": {"type": "P", "issuing_state": st,
                                 "number": num, "nationality": t["nat"],
                                 "surname": t["surname"],
                                 "given_names": t["given"],
                                 "birth_date": t["birth"], "sex": t["sex"],
                                 "expiry_date": "2033-01-01"}})
            with open("%s/batch-%s-%04d.json" % (outdir, post, b // 1000),
                      "w") as f:
                json.dump({"version": 1, "post": post, "crossings": items}, f)

    with open(outdir + "/permits.csv", "w") as f:
        f.write("id,kind,issuing_state,number,nationality,surname,"
                "given_names,birth_date,valid_from,valid_until,stay_days,"
                "employer\n")
        for p in permits:
            t = p["t"]
            st, num = t["doc"].split(":")
            f.write(",".join([p["id"], p["kind"], st, num, t["nat"],
                              t["surname"], t["given"], t["birth"],
                              iso(p["from"]), iso(p["until"]),
                              str(p["stay_days"] or ""),
                              p["employer"] or ""]) + "\n")

    exp = expect(travellers, crossings, permits, today)
    with open(outdir + "/expect.json", "w") as f:
        json.dump(exp, f, sort_keys=True)
    kinds = {}
    for p in permits:
        kinds[p["kind"]] = kinds.get(p["kind"], 0) + 1
    print("%d travellers, %d crossings, permits %s; %d overstaying as of %s"
          % (len(travellers), len(crossings), kinds, len(exp), iso(today)))


def compare(expect_path, got_path, nat=None):
    exp = json.load(open(expect_path))
    if nat:
        exp = {k: v for k, v in exp.items() if v["nat"] == nat}
    rows = json.load(open(got_path))
    got = {}
    for r in rows:
        k = "%s:%s" % (r["issuing_state"], r["number"])
        if k in got:
            print("twice in the answer: %s" % k)
            return 1
        got[k] = r["days_overstayed"]
    bad = 0
    for k in sorted(set(exp) | set(got)):
        if k not in got:
            print("missing: %s (expected %d days, allowed until %s)"
                  % (k, exp[k]["days"], exp[k]["allowed_until"]))
            bad += 1
        elif k not in exp:
            print("not an overstayer: %s (answer says %d days)" % (k, got[k]))
            bad += 1
        elif exp[k]["days"] != got[k]:
            print("%s: expected %d days (allowed until %s), answer %d"
                  % (k, exp[k]["days"], exp[k]["allowed_until"], got[k]))
            bad += 1
    if bad:
        print("%d difference(s) among %d expected, %d answered"
              % (bad, len(exp), len(got)))
        return 1
    print("exactly the %d expected overstayers, every day count equal"
          % len(exp))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "gen":
        generate(sys.argv[2], d(sys.argv[3]))
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3],
                         sys.argv[4] if len(sys.argv) == 5 else None))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
