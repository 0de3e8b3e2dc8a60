#!/usr/bin/env python3
# gen.py - writes pairs.jsonl, the labelled evaluation set of the watchlist
# name matcher (common/namematch.c): base identities drawn from names.py,
# written as a registry operator types them (native Cyrillic, or Latin with
# diacritics), against the same person as a passport MRZ of their country
# writes them (positives, each labelled with the variations applied), and
# against other people with similar names and dates (hard negatives).
# The transliteration schemes here are written from the published tables,
# independently of common/translit.c and common/namematch.c.
# Deterministic: a fixed seed. Usage: python3 gen.py > pairs.jsonl
# See docs/namematch.md, "The labelled set".
import json
import os
import random
import sys

sys.dont_write_bytecode = True     # no __pycache__ beside the data
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from names import GROUPS, WEIGHTS, SIMILAR_SURNAMES, COMMON, \
    SIMILAR_GIVEN  # noqa: E402

SEED = 20250604
POS_PER_ID = 4
NEG_PER_ID = 3

rng = random.Random(SEED)

VOWELS = set("аеёиоуыэюяәөұүіїєў" + "aeiouy")


def cap(s):
    return "-".join(w[:1].upper() + w[1:] for w in s.split("-"))


def title(s):
    return " ".join(cap(w) for w in s.split(" "))


# ---- Cyrillic to Latin --------------------------------------------------

BASE = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e",
    "ж": "zh", "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia",
    # Kazakh, written as the Russian letter each pairs with
    "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u",
    "һ": "h", "і": "i",
    # Ukrainian, Belarusian, Uzbek, Tajik
    "ї": "i", "є": "ie", "ґ": "g", "ў": "u", "ҳ": "h", "ҷ": "j", "ӣ": "i",
    "ӯ": "u", "'": "", "’": "",
}


def iotated_ctx(prev):
    """Start of a word, after a vowel or a hard or soft sign."""
    return prev is None or prev in VOWELS or prev in "ъь'’"


def run(word, rule):
    """rule(ch, prev, nxt, i) -> Latin."""
    out = []
    low = word.lower()
    for i, ch in enumerate(low):
        prev = low[i - 1] if i > 0 else None
        nxt = low[i + 1] if i + 1 < len(low) else None
        out.append(rule(ch, prev, nxt, i))
    return "".join(out)


def words(s):
    return s.replace("-", " ").split()


def scheme_icao(lang="default"):
    """Doc 9303 Part 3 (2021) 6.B, Russian passports since 2013."""
    def rule(ch, prev, nxt, i):
        if ch == "ъ":
            return "ie"
        if lang == "ukr":
            first = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
            if i == 0 and ch in first:
                return first[ch]
            if ch == "г":
                return "h"
            if ch == "и":
                return "y"
        if lang == "blr":
            if ch == "ё":
                return "io"
            if ch == "г":
                return "h"
        return BASE.get(ch, ch)
    return lambda s: " ".join(run(w, rule) for w in words(s)).upper()


def scheme_bgn(yo="yo"):
    """BGN/PCGN 1947 for Russian (diacritics dropped)."""
    def rule(ch, prev, nxt, i):
        if ch == "е":
            return "ye" if iotated_ctx(prev) else "e"
        if ch == "ё":
            if yo == "yo":
                return "yo"
            return "ye" if iotated_ctx(prev) else "e"
        if ch in "йы":
            return "y"
        if ch == "ю":
            return "yu"
        if ch == "я":
            return "ya"
        if ch == "є":
            return "ye"
        if ch == "ї":
            return "yi"
        return BASE.get(ch, ch)
    return lambda s: " ".join(run(w, rule) for w in words(s)).upper()


def scheme_gost():
    """GOST 7.79-2000 system B, marks dropped as an MRZ drops them."""
    def rule(ch, prev, nxt, i):
        m = {"ж": "zh", "й": "j", "х": "x", "щ": "shh", "ю": "yu",
             "я": "ya", "ё": "yo", "ы": "y", "є": "ye", "ї": "yi"}
        if ch == "ц":
            return "c" if nxt is not None and nxt in "иеыйіея" else "cz"
        return m.get(ch, BASE.get(ch, ch))
    return lambda s: " ".join(run(w, rule) for w in words(s)).upper()


def scheme_mvd2010():
    """Russian passports 2010-2013 (MVD order 995): Й I, Ц TC."""
    def rule(ch, prev, nxt, i):
        if ch == "ц":
            return "tc"
        if ch == "ъ":
            return ""
        return BASE.get(ch, ch)
    return lambda s: " ".join(run(w, rule) for w in words(s)).upper()


def scheme_mvd1997():
    """Russian passports 1997-2010: Й Y, Ю YU, Я YA."""
    def rule(ch, prev, nxt, i):
        m = {"й": "y", "ю": "yu", "я": "ya"}
        return m.get(ch, BASE.get(ch, ch))
    return lambda s: " ".join(run(w, rule) for w in words(s)).upper()


def scheme_ukr():
    """Ukrainian national, Cabinet resolution 55 of 2010."""
    def rule(ch, prev, nxt, i):
        first = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
        other = {"є": "ie", "ї": "i", "й": "i", "ю": "iu", "я": "ia"}
        if ch in first:
            return first[ch] if i == 0 else other[ch]
        if ch == "г":
            return "gh" if prev == "з" else "h"
        if ch == "и":
            return "y"
        return BASE.get(ch, ch)
    return lambda s: " ".join(run(w, rule) for w in words(s)).upper()


def scheme_kz_passport(r):
    """Kazakh passport-office habits, chosen once per document."""
    zh = "j" if r.random() < 0.2 else "zh"
    kh = "h" if r.random() < 0.3 else "kh"
    yi = "i" if r.random() < 0.3 else "y"
    ye = r.random() < 0.6
    ss = r.random() < 0.15
    gh = "gh" if r.random() < 0.15 else "g"
    q = "q" if r.random() < 0.1 else "k"
    ng = "ng" if r.random() < 0.15 else "n"
    oe = "oe" if r.random() < 0.1 else "o"
    ae = "ae" if r.random() < 0.1 else "a"
    off = r.random() < 0.03

    def rule(ch, prev, nxt, i):
        if ch == "ж":
            return zh
        if ch in "хһ":
            return kh
        if ch == "й":
            return yi
        if ch == "е":
            return "ye" if ye and i > 0 and iotated_ctx(prev) else "e"
        if ch == "ё":
            return "yo"
        if ch == "с" and ss and prev is not None and nxt is not None \
                and prev in VOWELS and nxt in VOWELS:
            return "ss"
        m = {"ғ": gh, "қ": q, "ң": ng, "ө": oe, "ә": ae, "ю": "yu",
             "я": "ya", "ы": "y"}
        return m.get(ch, BASE.get(ch, ch))

    def f(s):
        out = []
        for w in words(s):
            t = run(w, rule)
            if off and t.endswith("ov"):
                t = t[:-2] + "off"
            out.append(t)
        return " ".join(out).upper()
    return f


KZ2021 = {
    "а": "a", "ә": "ä", "б": "b", "в": "v", "г": "g", "ғ": "ğ", "д": "d",
    "е": "e", "ё": "io", "ж": "j", "з": "z", "и": "i", "й": "i", "к": "k",
    "қ": "q", "л": "l", "м": "m", "н": "n", "ң": "ñ", "о": "o", "ө": "ö",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "ū", "ү": "ü",
    "ф": "f", "х": "h", "һ": "h", "ц": "ts", "ч": "ç", "ш": "ş", "щ": "şş",
    "ъ": "", "ы": "y", "і": "i", "ь": "", "э": "e", "ю": "iu", "я": "ia",
}


def scheme_kz2021():
    """The Kazakh Latin alphabet of 2021 (decree 637), with diacritics."""
    def rule(ch, prev, nxt, i):
        return KZ2021.get(ch, BASE.get(ch, ch))
    return lambda s: " ".join(title(run(w, rule)) for w in words(s))


UZ = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ё": "yo", "ж": "j",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "х": "x", "ц": "ts", "ч": "ch", "ш": "sh", "ъ": "", "ь": "", "э": "e",
    "ю": "yu", "я": "ya", "ў": "o'", "қ": "q", "ғ": "g'", "ҳ": "h",
}


def scheme_uz():
    """Uzbek Latin alphabet (1995, revised); the MRZ drops apostrophes."""
    def rule(ch, prev, nxt, i):
        if ch == "е":
            return "ye" if i == 0 else "e"
        return UZ.get(ch, BASE.get(ch, ch))
    return lambda s: " ".join(run(w, rule) for w in words(s)) \
        .replace("'", "").upper()


def scheme_tjk():
    """Tajik passports: BGN-like, Ҳ H, Ҷ J, Қ Q, Ғ GH."""
    def rule(ch, prev, nxt, i):
        m = {"ҳ": "h", "ҷ": "j", "қ": "q", "ғ": "gh", "ӯ": "u", "ӣ": "i",
             "й": "y", "ю": "yu", "я": "ya", "ё": "yo"}
        if ch == "е":
            return "ye" if iotated_ctx(prev) else "e"
        return m.get(ch, BASE.get(ch, ch))
    return lambda s: " ".join(run(w, rule) for w in words(s)).upper()


def scheme_german():
    """Duden transcription of Russian, as German registries write it."""
    def rule(ch, prev, nxt, i):
        if ch == "е":
            return "je" if iotated_ctx(prev) else "e"
        if ch == "ё":
            return "o" if prev is not None and prev in "жчшщ" else "jo"
        if ch == "с":
            return "ss" if prev is not None and nxt is not None and \
                prev in VOWELS and nxt in VOWELS else "s"
        if ch == "ь":
            return "j" if nxt is not None and nxt in VOWELS else ""
        if ch == "й":
            return "j" if nxt is not None and nxt in VOWELS else "i"
        m = {"в": "w", "ж": "sch", "з": "s", "х": "ch", "ц": "z",
             "ч": "tsch", "ш": "sch", "щ": "schtsch", "ю": "ju", "я": "ja",
             "ы": "y"}
        return m.get(ch, BASE.get(ch, ch))

    def f(s):
        out = []
        for w in words(s):
            t = run(w, rule)
            if t.endswith("ii"):
                t = t[:-1]
            out.append(t)
        return " ".join(out).upper()
    return f


MRZ_LATIN = {
    "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ğ": "g", "ñ": "n",
    "ş": "s", "ç": "c", "ū": "u", "ı": "i", "é": "e", "ə": "a",
}
MRZ_TURKISH = {"ö": "o", "ü": "u", "ş": "s", "ç": "c", "ğ": "g", "ı": "i"}


def mrz_latin(s, table=MRZ_LATIN):
    out = []
    for ch in s.replace("İ", "i").lower():
        out.append(table.get(ch, MRZ_LATIN.get(ch, ch)))
    return "".join(out).replace("'", "").replace("-", " ").upper()


AZE = {
    "Мамедов": "MAMMADOV", "Алиев": "ALIYEV", "Гасанов": "HASANOV",
    "Гусейнов": "HUSEYNOV", "Керимов": "KARIMOV", "Велиев": "VALIYEV",
    "Исмаилов": "ISMAYILOV", "Аббасов": "ABBASOV", "Рзаев": "RZAYEV",
    "Гулиев": "GULIYEV", "Джафаров": "JAFAROV", "Бабаев": "BABAYEV",
    "Эльчин": "ELCHIN", "Рашад": "RASHAD", "Орхан": "ORKHAN",
    "Тофиг": "TOFIG", "Вугар": "VUGAR", "Ильхам": "ILHAM", "Мамед": "MAMMAD",
    "Гусейн": "HUSEYN", "Фарид": "FARID", "Эмин": "EMIN",
    "Севиндж": "SEVINJ", "Айтен": "AYTAN", "Гюнай": "GUNAY",
    "Лейла": "LEYLA", "Наргиз": "NARGIZ", "Севиль": "SEVIL",
    "Нигяр": "NIGAR", "оглы": "OGLU", "кызы": "GIZI",
}


def scheme_aze(s):
    """Azerbaijani passports write the Azerbaijani form of the name."""
    out = []
    for w in s.split():
        base = w
        suf = ""
        for fem in ("ова", "ева"):
            if w.endswith(fem) and (w[:-1] in AZE):
                base, suf = w[:-1], "A"
        if base in AZE:
            out.append(AZE[base] + suf)
        else:
            out.append(scheme_bgn()(w))
    return " ".join(out)


# Foreign names typed in Cyrillic by a registry operator.
FOREIGN_CYR = {
    "Müller": "Мюллер", "Schmidt": "Шмидт", "Schneider": "Шнайдер",
    "Fischer": "Фишер", "Weber": "Вебер", "Meyer": "Майер",
    "Wagner": "Вагнер", "Becker": "Беккер", "Schulz": "Шульц",
    "Hoffmann": "Гофман", "Schäfer": "Шефер", "Koch": "Кох",
    "Bauer": "Бауэр", "Richter": "Рихтер", "Klein": "Кляйн", "Wolf": "Вольф",
    "Schröder": "Шрёдер", "Neumann": "Нойман", "Schwarz": "Шварц",
    "Zimmermann": "Циммерман", "Krüger": "Крюгер", "Hartmann": "Хартман",
    "Lange": "Ланге", "Köhler": "Кёлер",
    "Jürgen": "Юрген", "Günter": "Гюнтер", "Klaus": "Клаус",
    "Dieter": "Дитер", "Uwe": "Уве", "Jörg": "Йорг", "Stefan": "Штефан",
    "Andreas": "Андреас", "Matthias": "Маттиас", "Wolfgang": "Вольфганг",
    "Sebastian": "Себастьян", "Sabine": "Сабине", "Ursula": "Урсула",
    "Katharina": "Катарина", "Jutta": "Ютта", "Brigitte": "Бригитте",
    "Anja": "Аня", "Doris": "Дорис", "Bärbel": "Бербель", "Gisela": "Гизела",
    "Yılmaz": "Йылмаз", "Kaya": "Кая", "Demir": "Демир", "Şahin": "Шахин",
    "Çelik": "Челик", "Yıldız": "Йылдыз", "Öztürk": "Озтюрк",
    "Aydın": "Айдын", "Özdemir": "Оздемир", "Arslan": "Арслан",
    "Doğan": "Доган", "Kılıç": "Кылыч", "Aslan": "Аслан", "Çetin": "Четин",
    "Koç": "Коч", "Kurt": "Курт", "Özkan": "Озкан", "Şimşek": "Шимшек",
    "Mehmet": "Мехмет", "Mustafa": "Мустафа", "Ahmet": "Ахмет",
    "Ali": "Али", "Hüseyin": "Хюсейн", "Hasan": "Хасан",
    "İbrahim": "Ибрахим", "Yusuf": "Юсуф", "Ömer": "Омер", "Murat": "Мурат",
    "Emre": "Эмре", "Çağrı": "Чагры", "Ayşe": "Айше", "Fatma": "Фатма",
    "Emine": "Эмине", "Zeynep": "Зейнеп", "Özge": "Озге", "Elif": "Элиф",
    "Şule": "Шуле", "Gülşen": "Гюльшен", "Hatice": "Хатидже",
    "Büşra": "Бюшра",
}


def passport(ident, r):
    """The names as the MRZ of the holder's passport writes them, and the
    scheme's name."""
    g, nat = ident["group"], ident["nat"]
    if GROUPS[g]["script"] == "lat":
        tab = MRZ_TURKISH if nat == "TUR" else MRZ_LATIN
        return (lambda s: mrz_latin(s, tab)), "mrz_latin"
    if g == "azerbaijani" and nat == "AZE":
        return scheme_aze, "aze_native"
    if nat == "UKR":
        return scheme_ukr(), "ukr_national"
    if nat == "BLR":
        return scheme_icao("blr"), "icao_blr"
    if nat == "UZB":
        return scheme_uz(), "uz_latin"
    if nat == "TJK":
        return scheme_tjk(), "tjk_passport"
    if nat == "KGZ":
        return scheme_bgn(r.choice(["yo", "e"])), "bgn"
    if nat == "KAZ":
        if r.random() < 0.7:
            return scheme_kz_passport(r), "kz_passport"
        return scheme_icao(), "icao"
    if nat == "RUS":
        x = r.random()
        if x < 0.7:
            return scheme_icao(), "icao"
        if x < 0.85:
            return scheme_mvd1997(), "mvd1997"
        return scheme_mvd2010(), "mvd2010"
    return scheme_icao(), "icao"


# ---- people ----------------------------------------------------------

def feminine(surname, group):
    gd = GROUPS[group]
    if gd.get("nogender"):
        return surname
    s = surname
    for m, f in (("ський", "ська"), ("цький", "цька"), ("ский", "ская"),
                 ("цкий", "цкая"), ("ой", "ая")):
        if s.endswith(m):
            return s[:-len(m)] + f
    if s.endswith(("ов", "ев", "ёв", "ин", "ын", "ін")):
        return s + "а"
    if s.endswith(("аў", "оў", "ёў")):
        return s[:-1] + "ва"
    if s.endswith("ұлы"):
        return s[:-3] + "қызы"
    return s


def patronymic(father, sex, group):
    """Russian-style (and Ukrainian, Belarusian) patronymic from a father's
    given name; None when the group has none."""
    gd = GROUPS[group]
    if gd.get("nopatronymic") or gd["script"] == "lat":
        return None
    f = father
    if group == "ukrainian":
        if f.endswith("ій"):
            return f + "ович" if sex == "M" else f[:-1] + "ївна"
        if f.endswith("о"):
            return f[:-1] + ("ович" if sex == "M" else "івна")
        if f.endswith("а"):
            return f[:-1] + ("айович" if sex == "M" else "аївна")
        if f.endswith("ь"):
            return f + "ович" if sex == "M" else f[:-1] + "івна"
        return f + ("ович" if sex == "M" else "івна")
    if group == "belarusian":
        if f == "Павел":
            f = "Паўл"
        if f.endswith("й"):
            return f[:-1] + ("евіч" if sex == "M" else "еўна")
        return f + ("авіч" if sex == "M" else "аўна")
    if group == "azerbaijani":
        return f + (" оглы" if sex == "M" else " кызы")
    if group == "kazakh" and rng.random() < 0.4:
        return f + ("ұлы" if sex == "M" else "қызы")
    if group == "kyrgyz" and rng.random() < 0.4:
        return f + (" уулу" if sex == "M" else " кызы")
    special = {"Павел": "Павл", "Лев": "Льв", "Пётр": "Петр"}
    if f in ("Илья", "Никита"):
        st = f[:-1]
        return st + ("ич" if sex == "M" else ("инична" if f == "Илья"
                                             else "ична"))
    if f == "Яков":
        return "Яковлев" + ("ич" if sex == "M" else "на")
    f = special.get(f, f)
    if f in ("Георгий", "Дмитрий"):
        return f[:-1] + ("евич" if sex == "M" else "евна")
    if f.endswith("ий"):
        return f[:-2] + ("ьевич" if sex == "M" else "ьевна")
    if f.endswith("й"):
        return f[:-1] + ("евич" if sex == "M" else "евна")
    if f.endswith("ь"):
        return f[:-1] + ("евич" if sex == "M" else "евна")
    if f[-1] in "жшчщц":
        return f + ("евич" if sex == "M" else "евна")
    if f[-1] in "аяеиоуыэюяәөұүі":
        return f + ("вич" if sex == "M" else "вна")
    return f + ("ович" if sex == "M" else "овна")


def rand_date(r, lo=1945, hi=2007):
    y = r.randint(lo, hi)
    m = r.randint(1, 12)
    d = r.randint(1, 28)
    return (y, m, d)


def iso(d):
    return "%04d-%02d-%02d" % d


def pick_group(r):
    gs = sorted(WEIGHTS)
    return r.choices(gs, weights=[WEIGHTS[g] for g in gs])[0]


def make_identity(r, group=None, sex=None, surname=None, given=None,
                  father=None, date=None):
    group = group or pick_group(r)
    gd = GROUPS[group]
    sex = sex or r.choice("MF")
    if surname is None:
        surname = r.choice(gd["surname"])
        if group == "kazakh" and gd.get("uly") and r.random() < 0.08:
            surname = r.choice(gd["male"]) + "ұлы"
    given = given or r.choice(gd["male" if sex == "M" else "female"])
    father = father or r.choice(gd["male"])
    pat = patronymic(father, sex, group)
    if gd["script"] == "lat" and r.random() < 0.25:
        other = r.choice(gd["male" if sex == "M" else "female"])
        if other != given:
            pat = other      # a second given name
    return {
        "group": group, "sex": sex, "surname_m": surname,
        "surname": surname if sex == "M" else feminine(surname, group),
        "given": given, "father": father, "patronymic": pat,
        "date": date or rand_date(r), "nat": r.choice(gd["nat"]),
    }


def record(surname, given, date, nat):
    return {"surname": surname, "given_names": given, "birth_date": date,
            "nationality": nat}


def watch_record(ident, with_pat=True):
    given = ident["given"]
    if with_pat and ident["patronymic"]:
        given += " " + ident["patronymic"]
    return record(ident["surname"], given, iso(ident["date"]), ident["nat"])


def trav_record(ident, r, with_pat=False, scheme=None):
    if scheme is None:
        scheme, name = passport(ident, r)
    else:
        name = None
    given = ident["given"]
    if with_pat and ident["patronymic"]:
        given += " " + ident["patronymic"]
    return record(scheme(ident["surname"]), scheme(given),
                  iso(ident["date"]), ident["nat"]), name


# ---- variations --------------------------------------------------------

CYR_ROWS = ["йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю"]
LAT_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]


def neighbours(ch, rows):
    for row in rows:
        i = row.find(ch)
        if i >= 0:
            return [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
    return []


def typo(word, r, rows):
    """One typing error: a neighbouring key, a letter left out, a letter
    doubled by a neighbour, or two letters swapped. Never at the end of a
    feminine -a (that would be the other gender form)."""
    low = word.lower()
    n = len(low)
    for _ in range(50):
        kind = r.choice(["sub", "del", "ins", "swap"])
        i = r.randrange(n)
        if i == n - 1 and low[-1] in "аa":
            continue
        if kind == "sub":
            nb = neighbours(low[i], rows)
            if not nb:
                continue
            t = low[:i] + r.choice(nb) + low[i + 1:]
        elif kind == "del":
            t = low[:i] + low[i + 1:]
        elif kind == "ins":
            nb = neighbours(low[i], rows)
            if not nb:
                continue
            t = low[:i + 1] + r.choice(nb) + low[i + 1:]
        else:
            if i + 1 >= n or low[i] == low[i + 1]:
                continue
            t = low[:i] + low[i + 1] + low[i] + low[i + 2:]
        if t == low:
            continue
        if word.isupper():
            return t.upper()
        if word[:1].isupper():
            return t[:1].upper() + t[1:]
        return t
    return None


def truncate(surname, given, length):
    """An MRZ name field of length characters (Doc 9303 Part 3, 4.6)."""
    f = surname.replace(" ", "<") + "<<" + given.replace(" ", "<")
    if len(f) <= length:
        return None
    f = f[:length].rstrip("<")
    if "<<" in f:
        s, g = f.split("<<", 1)
    else:
        s, g = f, ""
    return s.replace("<", " "), g.replace("<", " ")


def positive(ident, r):
    """One positive pair: the variation label, the watchlist and traveller
    records."""
    gd = GROUPS[ident["group"]]
    lat = gd["script"] == "lat"
    kinds = [("translit", 3), ("patronymic_one_side", 2), ("swapped", 1),
             ("truncated", 2.5), ("typo_watchlist", 1.5),
             ("typo_traveller", 1), ("birth_year_only", 1),
             ("birth_year_month", 0.5), ("birth_day_month_swapped", 0.5),
             ("birth_unknown", 0.4), ("nationality_missing", 0.5),
             ("nationality_differs", 0.5), ("latin_watchlist", 1),
             ("other_scheme", 1.2)]
    if ident["group"] == "kazakh":
        kinds.append(("kz_latin_2021", 1.5))
    if ident["group"] in ("german", "turkish"):
        kinds.append(("foreign_in_cyrillic", 1.5))
    main = r.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
    extra = None
    if r.random() < 0.35:
        extra = r.choice(["birth_year_only", "patronymic_one_side",
                          "nationality_missing", "swapped"])
        if extra == main or (main.startswith("birth") and
                             extra.startswith("birth")) or \
                (main == "truncated" and extra == "swapped"):
            extra = None
    w = watch_record(ident, with_pat=False)
    t, scheme_name = trav_record(ident, r)
    label = [main]

    def apply(kind):
        nonlocal w, t
        if kind == "translit":
            pass
        elif kind == "patronymic_one_side":
            if not ident["patronymic"] or main in ("latin_watchlist",
                                                   "foreign_in_cyrillic"):
                return False
            if r.random() < 0.75:
                w["given_names"] += " " + ident["patronymic"]
            else:
                t2, _ = trav_record(ident, r, with_pat=True)
                if t2["surname"] != t["surname"] or main != "translit":
                    return False
                t["given_names"] = t2["given_names"]
        elif kind == "swapped":
            if not t["given_names"]:
                return False
            first = t["given_names"].split()[0]
            rest = t["given_names"].split()[1:]
            t["surname"], t["given_names"] = first, \
                " ".join([t["surname"]] + rest)
        elif kind == "truncated":
            full, _ = trav_record(ident, r, with_pat=True)
            # TD1 when the name is long enough, else nothing to cut
            cut = truncate(full["surname"], full["given_names"], 30)
            if cut is None or not cut[1]:
                return False
            t["surname"], t["given_names"] = cut
            w = watch_record(ident, with_pat=True)
        elif kind == "typo_watchlist":
            parts = [("surname", w["surname"])] + \
                [("given_names", x) for x in w["given_names"].split()[:1]]
            field, word = r.choice(parts)
            if len(word) < 5:
                return False
            rows = LAT_ROWS if lat else CYR_ROWS
            tw = typo(word, r, rows)
            if tw is None:
                return False
            if field == "surname":
                w["surname"] = tw
            else:
                g = w["given_names"].split()
                g[0] = tw
                w["given_names"] = " ".join(g)
        elif kind == "typo_traveller":
            field = r.choice(["surname", "given_names"])
            word = t[field].split()[0] if t[field] else ""
            if len(word) < 5:
                return False
            tw = typo(word, r, LAT_ROWS)
            if tw is None:
                return False
            g = t[field].split()
            g[0] = tw
            t[field] = " ".join(g)
        elif kind == "birth_year_only":
            if w["birth_date"] is None:
                return False
            w["birth_date"] = w["birth_date"][:4]
        elif kind == "birth_year_month":
            w["birth_date"] = w["birth_date"][:7]
        elif kind == "birth_day_month_swapped":
            y, m, d = ident["date"]
            if d > 12 or d == m:
                d = r.choice([x for x in range(1, 13) if x != m])
                ident["date"] = (y, m, d)
                t["birth_date"] = iso(ident["date"])
            w["birth_date"] = iso((y, d, m))
        elif kind == "birth_unknown":
            w["birth_date"] = None
        elif kind == "nationality_missing":
            if r.random() < 0.7:
                w["nationality"] = None
            else:
                t["nationality"] = None
        elif kind == "nationality_differs":
            other = [n for n in ("KAZ", "RUS", "KGZ", "UZB", "UKR", "TUR")
                     if n != t["nationality"]]
            w["nationality"] = r.choice(other)
        elif kind == "latin_watchlist":
            if lat:
                w["surname"] = mrz_latin(ident["surname"])
                w["given_names"] = mrz_latin(ident["given"])
            else:
                sch = r.choice([scheme_bgn(), scheme_gost(), scheme_icao(),
                                scheme_mvd1997()])
                w["surname"] = sch(ident["surname"])
                w["given_names"] = sch(ident["given"])
        elif kind == "other_scheme":
            if lat:
                return False
            name, sch = r.choice([("bgn", scheme_bgn(r.choice(["yo", "e"]))),
                                  ("gost", scheme_gost()),
                                  ("mvd2010", scheme_mvd2010()),
                                  ("mvd1997", scheme_mvd1997()),
                                  ("kz_passport", scheme_kz_passport(r)),
                                  ("german", scheme_german())])
            t["surname"] = sch(ident["surname"])
            t["given_names"] = sch(ident["given"])
            label[0] = "scheme_" + name
        elif kind == "kz_latin_2021":
            sch = scheme_kz2021()
            s, g = sch(ident["surname"]), sch(ident["given"])
            if r.random() < 0.5:
                t["surname"], t["given_names"] = mrz_latin(s), mrz_latin(g)
            else:
                t["surname"], t["given_names"] = s, g   # with diacritics
        elif kind == "foreign_in_cyrillic":
            s, g = FOREIGN_CYR.get(ident["surname"]), \
                FOREIGN_CYR.get(ident["given"])
            if s is None or g is None:
                return False
            w["surname"], w["given_names"] = s, g
        return True

    if not apply(main):
        return None
    if extra is not None and apply(extra):
        label.append(extra)
    if main in ("translit",):
        label[0] = "translit_" + scheme_name
    return "+".join(label), w, t


def negative(ident, r):
    """One hard negative: another person, told apart by a name, a birth
    date at the precision both sides know, or a patronymic."""
    g = ident["group"]
    gd = GROUPS[g]
    kinds = [("sibling", 1.5), ("twin", 0.7), ("gender_form", 0.8),
             ("spouse", 0.6), ("parent_child", 0.7),
             ("same_given_other_surname", 1),
             ("same_name_other_year", 1.5), ("same_name_other_day", 1),
             ("similar_surname", 1.2), ("common_name", 0.5),
             ("patronymic_conflict", 0.7), ("same_birth_date", 0.4),
             ("twin_similar_given", 0.25)]
    kind = r.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
    y, m, d = ident["date"]
    other = None
    year_only = False
    if kind == "sibling":
        dy = r.choice([-1, 1]) * r.randint(1, 15)
        sex = r.choice("MF")
        gv = r.choice([x for x in gd["male" if sex == "M" else "female"]
                       if x != ident["given"]])
        other = make_identity(r, g, sex, ident["surname_m"], gv,
                              ident["father"], (y + dy, r.randint(1, 12),
                                                r.randint(1, 28)))
    elif kind == "twin":
        sex = ident["sex"]
        gv = r.choice([x for x in gd["male" if sex == "M" else "female"]
                       if x != ident["given"]])
        other = make_identity(r, g, sex, ident["surname_m"], gv,
                              ident["father"], ident["date"])
    elif kind == "twin_similar_given":
        if gd["script"] == "lat":
            return None
        a, b = r.choice(SIMILAR_GIVEN)
        sex = "F" if a[-1] in "аяь" and a not in ("Игорь",) else "M"
        base = make_identity(r, g, sex, ident["surname_m"], a,
                             ident["father"], ident["date"])
        other = make_identity(r, g, sex, ident["surname_m"], b,
                              ident["father"], ident["date"])
        other["nat"] = base["nat"]
        ident = base
    elif kind == "gender_form":
        if gd.get("nogender"):
            return None
        sex = "F" if ident["sex"] == "M" else "M"
        gv = ident["given"] + "а" if sex == "F" and \
            ident["given"] + "а" in gd["female"] else None
        if sex == "M" and ident["given"].endswith("а") and \
                ident["given"][:-1] in gd["male"]:
            gv = ident["given"][:-1]
        if gv is None:
            gv = r.choice(gd["male" if sex == "M" else "female"])
        other = make_identity(r, g, sex, ident["surname_m"], gv,
                              ident["father"], ident["date"])
    elif kind == "spouse":
        sex = "F" if ident["sex"] == "M" else "M"
        other = make_identity(r, g, sex, ident["surname_m"],
                              date=(y + r.randint(-6, 6) or 1, r.randint(1, 12),
                                    r.randint(1, 28)))
        if other["date"] == ident["date"]:
            return None
    elif kind == "parent_child":
        sex = r.choice("MF")
        other = make_identity(r, g, sex, ident["surname_m"],
                              father=ident["given"] if ident["sex"] == "M"
                              else None,
                              date=(y + r.randint(20, 35), r.randint(1, 12),
                                    r.randint(1, 28)))
        if other["given"] == ident["given"]:
            return None
    elif kind == "same_given_other_surname":
        sn = r.choice([x for x in gd["surname"] if x != ident["surname_m"]])
        other = make_identity(r, g, ident["sex"], sn, ident["given"],
                              ident["father"], ident["date"])
        other["nat"] = ident["nat"]
    elif kind == "same_name_other_year":
        dy = r.choice([-1, 1]) * r.randint(1, 20)
        other = dict(ident, date=(y + dy, r.randint(1, 12), r.randint(1, 28)))
        year_only = r.random() < 0.4
    elif kind == "same_name_other_day":
        while True:
            nd = (y, r.randint(1, 12), r.randint(1, 28))
            if nd != ident["date"] and nd != (y, d, m):
                break
        other = dict(ident, date=nd)
    elif kind == "similar_surname":
        a, b = r.choice(SIMILAR_SURNAMES)
        grp = "kazakh" if any(c in a + b for c in "әғқңөұүі") else g
        if GROUPS[grp]["script"] == "lat":
            grp = "russian"
        base = make_identity(r, grp)
        base["surname_m"] = a
        base["surname"] = a if base["sex"] == "M" else feminine(a, grp)
        other = dict(base, surname_m=b,
                     surname=b if base["sex"] == "M" else feminine(b, grp),
                     date=(base["date"][0], r.randint(1, 12),
                           r.randint(1, 28)))
        if other["date"] == base["date"]:
            return None
        ident = base
        year_only = r.random() < 0.6
    elif kind == "common_name":
        sn = r.choice(COMMON)
        grp = "kazakh" if any(c in sn for c in "әғқңөұүі") else \
            ("ukrainian" if sn == "Шевченко" else
             "korean" if sn == "Ким" else "russian")
        base = make_identity(r, grp, surname=sn)
        other = make_identity(r, grp, base["sex"], sn, base["given"],
                              date=(base["date"][0] + r.choice([-1, 1]) *
                                    r.randint(1, 10), r.randint(1, 12),
                                    r.randint(1, 28)))
        ident = base
    elif kind == "patronymic_conflict":
        if not ident["patronymic"] or " " in ident["patronymic"]:
            return None
        f2 = r.choice([x for x in gd["male"] if x != ident["father"]])
        other = make_identity(r, g, ident["sex"], ident["surname_m"],
                              ident["given"], f2,
                              (y, r.randint(1, 12), r.randint(1, 28)))
        if not other["patronymic"] or \
                other["patronymic"] == ident["patronymic"]:
            return None
        w = watch_record(ident, with_pat=True)
        w["birth_date"] = w["birth_date"][:4]
        t, _ = trav_record(other, r, with_pat=True)
        return kind, w, t
    elif kind == "same_birth_date":
        other = make_identity(r, date=ident["date"])
        if other["surname"] == ident["surname"]:
            return None
    w = watch_record(ident, with_pat=r.random() < 0.5)
    if year_only:
        w["birth_date"] = w["birth_date"][:4]
    t, _ = trav_record(other, r)
    if w["birth_date"] and t["birth_date"].startswith(w["birth_date"]) and \
            kind not in ("similar_surname",) and \
            w["surname"] == ident["surname"] and \
            other["given"] == ident["given"] and \
            other["surname"] == ident["surname"]:
        return None     # nothing would tell them apart
    return kind, w, t


def main():
    pairs = []
    n_ids = sum(WEIGHTS.values())
    for _ in range(n_ids):
        ident = make_identity(rng)
        made = 0
        for _ in range(20):
            if made == POS_PER_ID:
                break
            p = positive(dict(ident), rng)
            if p is not None:
                pairs.append((True,) + p)
                made += 1
        made = 0
        for _ in range(20):
            if made == NEG_PER_ID:
                break
            p = negative(dict(ident), rng)
            if p is not None:
                pairs.append((False,) + p)
                made += 1
    rng.shuffle(pairs)
    out = sys.stdout
    for i, (label, var, w, t) in enumerate(pairs):
        obj = {"id": "nm%05d" % (i + 1), "label": label, "variation": var,
               "watchlist": w, "traveller": t}
        out.write(json.dumps(obj, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
