#!/usr/bin/env python3
# sample-feed.py POLICY_YAML TODAY - three feed batches (JSON lines, the
# format of docs/feed.md) of sample registry data around the civil day TODAY
# (YYYY-MM-DD): the stay policy; an officer, document alerts, person alerts
# typed in Cyrillic, a visa, stay states; then a delete. Used by `make demo`
# and tests/integration/checks.sh (whose assertions depend on these records)
# with build/bin/feedapply.
import datetime, json, sys
pol = open(sys.argv[1], encoding="utf-8").read()
ver = [l.split(":", 1)[1].strip() for l in pol.splitlines()
       if l.startswith("version:")][0]
t = datetime.date.fromisoformat(sys.argv[2])
d = lambda n: (t + datetime.timedelta(days=n)).isoformat()
def holder(st, num, nat, sur, giv, bd):
    return {"issuing_state": st, "number": num, "nationality": nat,
            "surname": sur, "given_names": giv, "birth_date": bd}
def person(st, num, nat, bd):
    return {"issuing_state": st, "number": num, "nationality": nat,
            "birth_date": bd}
def batch(frm, entries):
    for i, e in enumerate(entries):
        e["pos"] = frm + i + 1
        e.move_to_end("pos", last=False)
    return {"version": 1, "from": frm, "to": frm + len(entries),
            "entries": entries}
from collections import OrderedDict as O
def up(kind, id, data):
    return O([("op", "upsert"), ("kind", kind), ("id", id), ("data", data)])
print(json.dumps(batch(0, [up("policy", "policy", {"version": ver, "yaml": pol})]),
                 ensure_ascii=False))
b2 = [
    up("officer", "KZ0042", {"id": "KZ0042", "name": "Test officer",
        "pin_hash": "$pbkdf2-sha256$i=100000$c2FsdA$aGFzaA", "active": True}),
    up("document_alert", "da-stolen-1", {"issuing_state": "UZB",
        "number": "AA1234567", "reason": "stolen", "since": d(-30)}),
    up("document_alert", "da-lost-other", {"issuing_state": "UZB",
        "number": "AA1234568", "reason": "lost", "since": d(-30)}),
    # Typed in Cyrillic by the operator; the MRZ says PETROV<<SERGEI.
    up("person_alert", "pa-petrov", {"kind": "entry_ban",
        "surname": "Петров", "given_names": "Сергей",
        "birth_date": "1975-03-14", "nationality": "RUS", "until": None,
        "severity": 4, "source": "Пограничная служба"}),
    # A different person with a similar name must not match.
    up("person_alert", "pa-other", {"kind": "wanted",
        "surname": "Петренко", "given_names": "Ольга",
        "birth_date": "1961", "nationality": "UKR", "until": None,
        "severity": 2, "source": "Interpol"}),
    up("permit", "pm-visa-1", {"kind": "visa",
        "holder": holder("NGA", "A07654321", "NGA", "ADEYEMI", "FOLAKE",
                         "1988-09-09"),
        "valid_from": d(-10), "valid_until": d(80), "entries": None,
        "entries_used": 0, "stay_days": 30, "employer": None,
        "region": None}),
    # 10 days used in the window before today.
    up("stay_state", "ss-clean", {"person": person("RUS", "C00000001",
        "RUS", "1990-05-12"), "stays": [[d(-40), d(-31)]], "rule": None}),
    # In the country since 100 days ago: 90 lawful, 11 over.
    up("stay_state", "ss-over", {"person": person("RUS", "O00000003",
        "RUS", "1970-01-01"), "stays": [[d(-100), None]],
        "rule": "EAEU"}),
]
print(json.dumps(batch(1, b2), ensure_ascii=False))
# A third batch: a delete (the lost document is found again).
print(json.dumps(batch(1 + len(b2), [O([("op", "delete"),
    ("kind", "document_alert"), ("id", "da-lost-other")])])))
