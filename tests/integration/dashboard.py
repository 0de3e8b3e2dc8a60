#!/usr/bin/python3
# dashboard.py - drive the dashboard in Debian's headless Chromium
# (python3-selenium + chromium-driver), run by dashboard.sh against a real
# centrald: a wrong password is refused on the form, the right one logs in,
# every chart is drawn, and every drawn bar's data-key / data-value (and
# every post health row) equals exactly what the API answers the same
# session; no error in the browser's console; a screenshot is saved; the
# logout button ends the session.
#
# usage: dashboard.py URL USER PASSWORD SCREENSHOT
# Exit 0 on success; any failure (including a browser that cannot start)
# exits non-zero with one line saying what.
import json
import sys
import time

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError as e:  # a skipped browser test is a failure
    print("dashboard.py: FAIL: python3-selenium missing: %s" % e)
    sys.exit(1)

URL, USER, PASSWORD, SHOT = sys.argv[1:5]
WAIT = 30

FLOW_SERIES = ("entries", "exits", "net")


def fail(msg):
    print("dashboard.py: FAIL: %s" % msg, flush=True)
    raise SystemExit(1)


def start_browser():
    opt = Options()
    opt.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--window-size=1400,3000",
              # The test's own CA signs the centre's certificate.
              "--ignore-certificate-errors",
              "--no-first-run", "--disable-extensions"):
        opt.add_argument(a)
    opt.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        return webdriver.Chrome(service=Service("/usr/bin/chromedriver"),
                                options=opt)
    except Exception as e:
        fail("chromium did not start: %s" % str(e).splitlines()[0])


def api(drv, path):
    """GET path with the browser's own session (its cookie)."""
    res = drv.execute_async_script("""
        var done = arguments[arguments.length - 1];
        fetch(arguments[0], {credentials: 'same-origin'})
          .then(function (r) { return r.text().then(function (t) {
              done({status: r.status, body: t}); }); })
          .catch(function (e) { done({status: 0, body: String(e)}); });
    """, path)
    if res["status"] != 200:
        fail("GET %s: HTTP %s %s" % (path, res["status"], res["body"][:200]))
    return json.loads(res["body"])


def drawn(drv, chart):
    """(series, key) -> value of every bar the chart drew."""
    fig = drv.find_element(By.ID, chart)
    state = fig.get_attribute("data-state")
    if state != "ready":
        fail("chart %s is %s: %s" % (chart, state, fig.text[:200]))
    got = {}
    for e in fig.find_elements(By.CSS_SELECTOR, "svg .datum"):
        k = (e.get_attribute("data-series"), e.get_attribute("data-key"))
        if k in got:
            fail("chart %s drew %s twice" % (chart, k))
        got[k] = int(e.get_attribute("data-value"))
    return got


def compare(chart, got, want):
    if got != want:
        miss = sorted(set(want) - set(got))[:5]
        extra = sorted(set(got) - set(want))[:5]
        diff = sorted(k for k in set(got) & set(want)
                      if got[k] != want[k])[:5]
        fail("chart %s differs from the API: missing %s, extra %s, "
             "different %s" % (chart, miss, extra,
                               [(k, got[k], want[k]) for k in diff]))
    print("dashboard.py: %-18s %4d bars equal to the API" % (chart, len(got)),
          flush=True)


def flows_want(data, field):
    want = {}
    for r in data["rows"]:
        for s in FLOW_SERIES:
            want[(s, r[field])] = r[s]
    return want


def counts_want(rows):
    return {("count", "" if r["key"] is None else r["key"]): r["count"]
            for r in rows}


def main():
    drv = start_browser()
    try:
        run(drv)
    finally:
        drv.quit()


def console_errors(drv):
    return [e for e in drv.get_log("browser") if e.get("level") == "SEVERE"]


def run(drv):
    w = WebDriverWait(drv, WAIT)
    drv.get(URL + "/")
    w.until(EC.visibility_of_element_located((By.ID, "login-form")))
    if drv.find_element(By.ID, "dash").is_displayed():
        fail("the dashboard shows before logging in")

    # A wrong password is refused on the form, with a message.
    drv.find_element(By.ID, "login-user").send_keys(USER)
    drv.find_element(By.ID, "login-password").send_keys(PASSWORD + "x")
    drv.find_element(By.ID, "login-submit").click()
    w.until(EC.visibility_of_element_located((By.ID, "login-error")))
    msg = drv.find_element(By.ID, "login-error").text
    if "Wrong user or password" not in msg:
        fail("a wrong password says %r" % msg)
    if drv.find_element(By.ID, "dash").is_displayed():
        fail("the dashboard shows after a wrong password")
    # So far the browser logged only the two refusals it was meant to
    # get (GET /api/v1/me before login, the wrong password): 401s.
    for e in console_errors(drv):
        m = e.get("message", "")
        if "401" not in m or not ("/api/v1/me" in m or "/api/v1/login" in m):
            fail("browser console error before login: %s" % m)

    # The right one: every chart drawn.
    pw = drv.find_element(By.ID, "login-password")
    if pw.get_attribute("value") != "":
        fail("the password field keeps a refused password")
    pw.send_keys(PASSWORD)
    drv.find_element(By.ID, "login-submit").click()
    try:
        w.until(lambda d: d.find_element(By.TAG_NAME, "body")
                .get_attribute("data-loaded") == "true")
    except Exception:
        fail("the dashboard did not finish loading: %s" %
             drv.find_element(By.TAG_NAME, "body").text[:400])
    t_loaded = time.time()
    err = drv.find_element(By.ID, "error")
    if err.is_displayed():
        fail("the page shows an error: %s" % err.text)
    who = drv.find_element(By.ID, "user").text
    if USER not in who:
        fail("the header names %r, not %s" % (who, USER))

    frm = drv.find_element(By.ID, "range-from").get_attribute("value")
    to = drv.find_element(By.ID, "range-to").get_attribute("value")
    q = "from=%s&to=%s" % (frm, to)

    d = api(drv, "/api/v1/stats/flows?%s&by=day" % q)
    if len(d["rows"]) != 30:
        fail("flows by day: %d buckets, not 30" % len(d["rows"]))
    if d["totals"]["entries"] == 0 or d["totals"]["exits"] == 0:
        fail("flows by day: no traffic in the range %s" % d["totals"])
    compare("flows-day", drawn(drv, "flows-day"), flows_want(d, "bucket"))
    d = api(drv, "/api/v1/stats/flows?to=%s&by=month" % to)
    compare("flows-month", drawn(drv, "flows-month"),
            flows_want(d, "bucket"))
    d = api(drv, "/api/v1/stats/flows?%s&by=all&group=post" % q)
    if len(d["rows"]) < 2:
        fail("flows by post: %d posts" % len(d["rows"]))
    compare("flows-post", drawn(drv, "flows-post"), flows_want(d, "key"))
    d = api(drv, "/api/v1/stats/flows?%s&by=all&group=nationality" % q)
    compare("flows-nationality", drawn(drv, "flows-nationality"),
            flows_want(d, "key"))
    for by in ("nationality", "region"):
        d = api(drv, "/api/v1/stats/overstayers?by=%s" % by)
        if d["total"] == 0:
            fail("overstayers by %s: none" % by)
        compare("over-" + by, drawn(drv, "over-" + by), counts_want(d["rows"]))
    d = api(drv, "/api/v1/stats/hits?%s" % q)
    if sum(r["count"] for r in d["totals"]) == 0:
        fail("hits: none in the range")
    compare("hits-kind", drawn(drv, "hits-kind"), counts_want(d["totals"]))

    # The post health table: a row per post, the API's numbers, late
    # and stale posts highlighted.
    d = api(drv, "/api/v1/stats/posts")
    fig = drv.find_element(By.ID, "posts")
    if fig.get_attribute("data-state") != "ready":
        fail("posts table: %s" % fig.get_attribute("data-state"))
    rows = fig.find_elements(By.CSS_SELECTOR, "tr.datum-row")
    if [r.get_attribute("data-key") for r in rows] != \
            [p["code"] for p in d["rows"]]:
        fail("posts table rows %s, API %s" %
             ([r.get_attribute("data-key") for r in rows],
              [p["code"] for p in d["rows"]]))
    nlate = nstale = 0
    for tr, p in zip(rows, d["rows"]):
        cls = tr.get_attribute("class").split()
        if ("late" in cls) != p["late"] or ("stale" in cls) != p["stale"]:
            fail("post %s: classes %s, API late %s stale %s" %
                 (p["code"], cls, p["late"], p["stale"]))
        nlate += p["late"]
        nstale += p["stale"]
        for f in ("unsent", "audit_unsent", "feed_cursor", "feed_behind",
                  "feed_age_s"):
            c = tr.find_element(By.CSS_SELECTOR, '[data-field="%s"]' % f)
            v = c.get_attribute("data-value")
            want = "" if p[f] is None else str(p[f])
            # An age grows by the seconds between the page's request and
            # ours; everything else is exact.
            if f == "feed_age_s" and v != "" and want != "" and \
                    int(v) > 0 and 0 <= int(want) - int(v) <= \
                    time.time() - t_loaded + 2:
                continue
            if v != want:
                fail("post %s %s: drawn %r, API %r" % (p["code"], f, v,
                                                        want))
        if (p["late"] or p["stale"]) and \
                tr.value_of_css_property("background-color") in \
                ("rgba(0, 0, 0, 0)", "transparent"):
            fail("late or stale post %s is not highlighted" % p["code"])
    if nlate == 0 or nstale == 0:
        fail("no late or no stale post to see highlighted")
    print("dashboard.py: posts              %4d rows equal to the API, "
          "%d late, %d stale highlighted" % (len(rows), nlate, nstale),
          flush=True)

    # Accessible: a title on every chart, a table under it.
    for f in drv.find_elements(By.CSS_SELECTOR, "figure.chart"):
        if f.get_attribute("id") == "posts":
            continue
        if not f.find_elements(By.CSS_SELECTOR, "svg > title") or \
                not f.find_elements(By.CSS_SELECTOR, "details table"):
            fail("chart %s has no title or no table" % f.get_attribute("id"))

    errs = console_errors(drv)
    if errs:
        fail("browser console errors: %s" % errs[:3])
    drv.save_screenshot(SHOT)
    print("dashboard.py: screenshot %s" % SHOT, flush=True)

    # Logging out ends the session.
    drv.find_element(By.ID, "logout").click()
    w.until(EC.visibility_of_element_located((By.ID, "login-form")))
    res = drv.execute_async_script("""
        var done = arguments[arguments.length - 1];
        fetch('/api/v1/stats/posts', {credentials: 'same-origin'})
          .then(function (r) { done(r.status); });""")
    if res != 401:
        fail("after logout the API answers %s, not 401" % res)
    errs = [e for e in console_errors(drv) if "/api/v1/stats/posts" not in
            e.get("message", "")]
    if errs:
        fail("browser console errors: %s" % errs[:3])
    print("dashboard.py: PASS", flush=True)


if __name__ == "__main__":
    main()
