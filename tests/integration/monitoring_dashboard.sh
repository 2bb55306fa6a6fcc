#!/usr/bin/env bash
# The Grafana dashboard and the alert rules in docs/monitoring use only metrics the
# programs write. The names are read from the sources (every "lcbp3_..." metric literal in
# common/ and tools/, with the five standard gauges of each lc_metrics_run prefix), plus
# node_exporter's node_textfile_* and the binlog archiver's announced names; then the
# programs run against real MariaDB and Redis (backup run, a ship to a broken target,
# integrity all --deep, the GC, a drill, a restore) and every name in the textfiles they
# write must be among them. The dashboard is valid JSON that imports as it is
# (__inputs DS_PROMETHEUS, every datasource "${DS_PROMETHEUS}", schemaVersion, unique
# panel ids, panels inside the 24-column grid and not overlapping, every $variable
# defined); every metric in a dashboard query, a rule or a rules test is a known one, so a
# renamed metric fails here; README.md's table lists every metric. Last, a real
# Prometheus scrapes those textfiles (served as node_exporter's textfile collector
# serves them) with both rule files loaded: every dashboard query is valid PromQL and
# returns data when its metrics were written, every rule evaluates without error, and
# the alerts that must (not) fire on that data do (not).
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

command -v promtool >/dev/null || lc_fail "promtool is missing (Debian package 'prometheus'; ./dev deps installs it)"
command -v prometheus >/dev/null || lc_fail "prometheus is missing (Debian package 'prometheus'; ./dev deps installs it)"
mon="$LC_SOURCE_DIR/docs/monitoring"
dashboard="$mon/lcbp3-dashboard.json"
lc_assert_file_exists "$dashboard"
lc_assert_file_exists "$mon/README.md"
jq empty "$dashboard" || lc_fail "$dashboard is not valid JSON"

# Names a program will write but does not yet: the rules and the dashboard may use them.
# Move a name out of this list once the sources write it (the check below says so).
announced=""
# node_exporter's textfile collector (the directory [metrics] textfile is in)
node_names="node_textfile_mtime_seconds node_textfile_scrape_error"

lc_log "metric names in the sources"
python3 - "$LC_SOURCE_DIR" >"$LC_TMP/source-names" <<'EOF' || lc_fail "reading metric names from the sources"
import re, sys, pathlib
root = pathlib.Path(sys.argv[1])
text = {p: p.read_text(errors="replace") for d in ("common", "tools") for p in (root / d).rglob("*.[ch]")}
# lc_metrics_run: {"tool", "prefix", ...} gets prefix + each "%s_<suffix>" of metrics_run.c
suffixes = re.findall(r'"%s_([a-z0-9_]+)"', text[root / "common/metrics_run.c"])
assert len(suffixes) >= 5, suffixes
prefixes = set()
for src in text.values():
    prefixes.update(re.findall(r'struct lc_metrics_run \w+ = \{\s*"[a-z-]+",\s*"(lcbp3_[a-z0-9_]+)"', src))
assert prefixes, "no lc_metrics_run prefix found"
names = {p + "_" + s for p in prefixes for s in suffixes}
# other literals: names of databases (defaults, the restore's staging name that
# privileges.c probes) and prefixes are not metrics
not_metrics = {"lcbp3_production", "lcbp3_drill", "lcbp3_restore_",
               "lcbp3_restore_1_1_old"} | prefixes
for src in text.values():
    names.update(n for n in re.findall(r'"(lcbp3_[a-z0-9_]+)"', src) if n not in not_metrics)
print("\n".join(sorted(names)))
EOF
[ "$(wc -l <"$LC_TMP/source-names")" -ge 40 ] || lc_fail "only $(wc -l <"$LC_TMP/source-names") metric names in the sources"
for n in $announced; do
    grep -qx "$n" "$LC_TMP/source-names" &&
        lc_fail "announced metric '$n' is now in the sources: remove it from \$announced in $0"
done
{
    cat "$LC_TMP/source-names"
    printf '%s\n' $announced $node_names
} | sort -u >"$LC_TMP/known-names"

lc_log "the programs write their textfiles"
lc_start_mariadb
lc_seed_mariadb
lc_create_admin_user
lc_start_redis
lc_seed_redis
mkdir -p "$LC_TMP/target"
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf" target.local.url="file://$LC_TMP/target"
lc_expect_exit 0 -- lc_tool backup --config "$conf" run
: >"$LC_TMP/notadir"   # a target that cannot be written: a failure and a pending set
lc_write_config "$LC_TMP/down.conf" target.local.url="file://$LC_TMP/target" \
    target.down.url="file://$LC_TMP/notadir/x"
lc_expect_exit 74 -- lc_tool backup --config "$LC_TMP/down.conf" ship
lc_expect_exit '0|1|2|3' -- lc_tool integrity --config "$conf" all --deep
lc_expect_exit 0 -- lc_tool reservations-gc --config "$conf"
aconf="$LC_TMP/admin.conf"
lc_write_config "$aconf" target.local.url="file://$LC_TMP/target" \
    mariadb.user="$LC_ADMIN_USER" mariadb.password_file="$LC_ADMIN_PASSWORD_FILE"
# the default [dr] rpo_database = 0s cannot be met by a set: 1, "target missed"
lc_expect_exit 1 -- lc_tool dr --config "$aconf" drill --report "$LC_TMP/drills"
lc_expect_exit 0 -- lc_tool restore --config "$aconf" db latest --into lcbp3_mon --yes
textfiles="$LC_TMP/metrics"
for f in lcbp3.prom lcbp3-ship.prom lcbp3-integrity.prom lcbp3-gc.prom lcbp3-dr.prom lcbp3-restore.prom; do
    lc_assert_file_exists "$textfiles/$f"
done
# written names: every one known from the sources (no name built at run time escapes)
sed -n 's/^\([a-z_:][a-z0-9_:]*\)[{ ].*/\1/p' "$textfiles"/*.prom | sort -u >"$LC_TMP/written-names"
unknown=$(comm -23 "$LC_TMP/written-names" "$LC_TMP/known-names")
[ -z "$unknown" ] || lc_fail "written but not found in the sources: $unknown"
for f in "$textfiles"/*.prom; do  # promtool's lint, for information (it is not the format)
    promtool check metrics <"$f" >"$LC_TMP/lint" 2>&1 ||
        sed "s|^|# note: promtool check metrics $(basename "$f"): |" "$LC_TMP/lint" >&2
done

lc_log "the dashboard, the rules and README.md use known metrics"
python3 - "$LC_SOURCE_DIR" "$LC_TMP/known-names" "$announced" <<'EOF' || lc_fail "docs/monitoring checks"
import json, re, sys, pathlib
root = pathlib.Path(sys.argv[1])
mon = root / "docs/monitoring"
known = set(open(sys.argv[2]).read().split())
announced = set(sys.argv[3].split())
errors = []
NAME = re.compile(r"\b(?:lcbp3|node_textfile)_[A-Za-z0-9_]*")

def strip_name_regex(expr, where):
    """{__name__=~"re"} matchers: the regex must match a known name; then drop them."""
    for rx in re.findall(r'__name__\s*=~\s*"([^"]*)"', expr):
        if not any(re.fullmatch(rx, n) for n in known):
            errors.append("%s: __name__=~\"%s\" matches no known metric" % (where, rx))
    return re.sub(r'__name__\s*=~\s*"[^"]*"', "", expr)

def names_in(expr, where):
    expr = strip_name_regex(expr, where)
    # label matchers' values (file=~".*lcbp3-gc\\.prom") are not metric names
    expr = re.sub(r'(\w+\s*[=!]~?\s*)"(?:[^"\\]|\\.)*"', r'\1""', expr)
    return set(NAME.findall(expr))

def check(expr, where):
    found = names_in(expr, where)
    for n in sorted(found - known):
        errors.append("%s: unknown metric '%s' in: %s" % (where, n, expr))
    return found

# ---- the dashboard
d = json.load(open(mon / "lcbp3-dashboard.json"))
DS = "${DS_PROMETHEUS}"
inputs = d.get("__inputs", [])
if not any(i.get("name") == "DS_PROMETHEUS" and i.get("type") == "datasource" and i.get("pluginId") == "prometheus" for i in inputs):
    errors.append("dashboard: no __inputs entry DS_PROMETHEUS (datasource, prometheus)")
if not 36 <= d.get("schemaVersion", 0) <= 39:
    errors.append("dashboard: schemaVersion %r (want 36..39)" % d.get("schemaVersion"))
if d.get("id") is not None:
    errors.append("dashboard: id must be null to import")
for k in ("uid", "title"):
    if not d.get(k):
        errors.append("dashboard: no %s" % k)
variables = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
for want in ("job", "instance"):
    if want not in variables:
        errors.append("dashboard: no templating variable '%s'" % want)
builtin = {"__rate_interval", "__interval", "__range", "__interval_ms", "__range_s", "__all"}
def ds_ok(ds, where):
    if not isinstance(ds, dict) or ds.get("uid") != DS or ds.get("type") != "prometheus":
        errors.append("%s: datasource %r, want {type: prometheus, uid: %s}" % (where, ds, DS))
def vars_ok(text, where):
    for v in re.findall(r"\$\{?(\w+)", text):
        if v not in variables and v not in builtin and v != "DS_PROMETHEUS":
            errors.append("%s: undefined variable $%s" % (where, v))

queries = []   # (where, expr, kind) kind: promql | label_values
for name, v in variables.items():
    ds_ok(v.get("datasource"), "variable %s" % name)
    q = v.get("query")
    q = q.get("query") if isinstance(q, dict) else q
    m = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\)\s*", q or "")
    if not m:
        errors.append("variable %s: query %r is not label_values(SELECTOR, LABEL)" % (name, q))
        continue
    vars_ok(q, "variable %s" % name)
    check(m.group(1), "variable %s" % name)
    queries.append(("variable %s" % name, m.group(1), "label_values:" + m.group(2)))

all_panels = []
for p in d.get("panels", []):
    all_panels.append(p)
    all_panels.extend(p.get("panels", []))
ids = [p.get("id") for p in all_panels]
dup = sorted({i for i in ids if ids.count(i) > 1 or i is None}, key=str)
if dup:
    errors.append("dashboard: panel ids not unique or missing: %s" % dup)
boxes = []
used = set()
for p in all_panels:
    where = "panel %s %r" % (p.get("id"), p.get("title"))
    if not p.get("title"):
        errors.append(where + ": no title")
    g = p.get("gridPos", {})
    if not all(isinstance(g.get(k), int) for k in "hwxy") or g["x"] < 0 or g["x"] + g["w"] > 24 or g["h"] < 1:
        errors.append(where + ": gridPos %r outside the 24-column grid" % g)
    else:
        for other, og in boxes:
            if g["x"] < og["x"] + og["w"] and og["x"] < g["x"] + g["w"] and g["y"] < og["y"] + og["h"] and og["y"] < g["y"] + g["h"]:
                errors.append("%s overlaps %s" % (where, other))
        boxes.append((where, g))
    if p.get("type") == "row":
        continue
    ds_ok(p.get("datasource"), where)
    targets = p.get("targets") or []
    if not targets:
        errors.append(where + ": no query")
    refs = [t.get("refId") for t in targets]
    if len(set(refs)) != len(refs):
        errors.append(where + ": refIds not unique: %s" % refs)
    for t in targets:
        ds_ok(t.get("datasource"), where + " " + str(t.get("refId")))
        expr = t.get("expr", "")
        vars_ok(expr, where)
        found = check(expr, where)
        if not found:
            errors.append(where + ": query uses no lcbp3 metric: " + expr)
        used |= found
        queries.append((where, expr, "promql"))
    vars_ok(json.dumps(p.get("description", "")), where)
for name in variables:
    if not any("$" + name in q[1] or "${%s}" % name in q[1] for q in queries):
        errors.append("variable %s is used by no query" % name)

# ---- the rules and their tests: every lcbp3_* / node_textfile_* token
for f in sorted(mon.glob("*.rules*.yml")):
    text = f.read_text()
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        used |= check(line, "%s:%d" % (f.name, lineno))

# ---- README.md: its metric table lists every known metric, and only those
readme = (mon / "README.md").read_text()
table = set(re.findall(r"^\|\s*`((?:lcbp3|node_textfile)_[a-z0-9_]+)", readme, re.M))
for n in sorted(known - table):
    errors.append("README.md: metric '%s' is not in the table" % n)
for n in sorted(table - known):
    errors.append("README.md: the table lists '%s', which nothing writes" % n)
for n in sorted(announced - table):
    pass
for n in sorted(known - used):
    print("# note: %s is on no panel and in no rule" % n, file=sys.stderr)

json.dump([{"where": w, "expr": e, "kind": k} for w, e, k in queries], open(sys.argv[2] + ".queries.json", "w"))
if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
EOF

lc_log "a real Prometheus scrapes the textfiles with the rules loaded"
# node_exporter's textfile collector serves the *.prom files of its directory together,
# with node_textfile_mtime_seconds{file} per file and node_textfile_scrape_error: this
# serves the same from $textfiles (node_exporter itself is not a dependency).
exporter_port=$(lc_free_port)
cat >"$LC_TMP/textfile_exporter.py" <<'EOF'
import http.server, os, sys
directory, port = sys.argv[1], int(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = []
        names = sorted(n for n in os.listdir(directory) if n.endswith(".prom"))
        for n in names:
            body.append(open(os.path.join(directory, n)).read())
        body.append("# TYPE node_textfile_mtime_seconds gauge\n")
        for n in names:
            body.append('node_textfile_mtime_seconds{file="%s"} %d\n' % (os.path.join(directory, n), os.stat(os.path.join(directory, n)).st_mtime))
        body.append("# TYPE node_textfile_scrape_error gauge\nnode_textfile_scrape_error 0\n")
        data = "".join(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
EOF
lc__launch "$LC_TMP/exporter.log" python3 "$LC_TMP/textfile_exporter.py" "$textfiles" "$exporter_port"
lc_at_exit kill "$LC__PID"
prom_port=$(lc_free_port)
mkdir -p "$LC_TMP/prometheus"
cp "$mon"/*.rules.yml "$LC_TMP/prometheus/"
cat >"$LC_TMP/prometheus/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - "*.rules.yml"
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ["127.0.0.1:$exporter_port"]
EOF
lc__launch "$LC_TMP/prometheus.log" prometheus --config.file="$LC_TMP/prometheus/prometheus.yml" \
    --storage.tsdb.path="$LC_TMP/prometheus/data" --web.listen-address="127.0.0.1:$prom_port" \
    --log.level=warn
lc_at_exit kill "$LC__PID"
python3 - "http://127.0.0.1:$prom_port" "$LC_TMP/known-names.queries.json" "$LC_TMP/written-names" <<'EOF' ||
import json, re, sys, time, urllib.parse, urllib.request
base, queries, written = sys.argv[1], json.load(open(sys.argv[2])), set(open(sys.argv[3]).read().split())
written |= {"node_textfile_mtime_seconds", "node_textfile_scrape_error"}

def get(path, **params):
    url = base + path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)

deadline = time.time() + 60
while True:   # up, and at least 5 scrapes and a few rule evaluations
    try:
        up = get("/api/v1/query", query='count_over_time(up{job="node"}[1m])')["data"]["result"]
        if up and float(up[0]["value"][1]) >= 5:
            break
    except OSError:
        pass
    if time.time() > deadline:
        sys.exit("prometheus did not scrape the textfiles within 60 s")
    time.sleep(0.5)
errors = []
target = get("/api/v1/targets")["data"]["activeTargets"][0]
if target["health"] != "up":
    errors.append("scrape of the textfiles: %s %s" % (target["health"], target.get("lastError")))
time.sleep(3)
groups = get("/api/v1/rules")["data"]["groups"]
n_rules = 0
for g in groups:
    for r in g["rules"]:
        n_rules += 1
        if r.get("health") != "ok":
            errors.append("rule %s: %s %s" % (r["name"], r.get("health"), r.get("lastError")))
if n_rules < 20:
    errors.append("prometheus loaded only %d rules" % n_rules)
active = {}
for a in get("/api/v1/alerts")["data"]["alerts"]:
    active.setdefault(a["labels"]["alertname"], []).append(a["labels"])
# the broken target failed; the drill missed the default RPO 0
for want, labels in (("LCBP3TargetShipFailed", {"target": "down"}), ("LCBP3DrillTargetMissed", {})):
    if not any(all(l.get(k) == v for k, v in labels.items()) for l in active.get(want, [])):
        errors.append("alert %s %s is not active on the real metrics: %s" % (want, labels, sorted(active)))
# what was fine must not alert
for name in ("LCBP3BackupNoRecentSuccess", "LCBP3BackupFailed", "LCBP3TargetStale", "LCBP3MetricsFileStale",
             "LCBP3MetricsFileUnreadable", "LCBP3GCNotRunning", "LCBP3GCFailing", "LCBP3GCDeletingMany",
             "LCBP3DrillTooOld", "LCBP3DrillFailed", "LCBP3IntegrityNotRunning", "LCBP3BackupTooOld",
             "LCBP3BackupNone", "LCBP3BackupCorrupt", "LCBP3MariaDBDown", "LCBP3RedisDown"):
    if name in active:
        errors.append("alert %s is active on healthy metrics: %s" % (name, active[name]))
for a in active.get("LCBP3TargetShipFailed", []):
    if a.get("target") != "down":
        errors.append("LCBP3TargetShipFailed for a target that worked: %s" % a)

subst = {"$job": ".*", "$instance": ".*", "$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}
NAME = re.compile(r"\b(?:lcbp3|node_textfile)_[A-Za-z0-9_]*")
n_data = 0
for q in queries:
    expr = q["expr"]
    for k, v in subst.items():
        expr = expr.replace(k, v)
    try:
        if q["kind"].startswith("label_values:"):
            label = q["kind"].split(":", 1)[1]
            res = get("/api/v1/series", **{"match[]": expr})["data"]
            got = [s[label] for s in res if label in s]
        else:
            got = get("/api/v1/query", query=expr)["data"]["result"]
    except urllib.error.HTTPError as e:
        errors.append("%s: prometheus refuses %r: %s" % (q["where"], expr, e.read().decode(errors="replace")))
        continue
    names = set(NAME.findall(re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)))
    # a query over written metrics shows data (a filter such as "> 0" may rightly show none)
    if names and names <= written and not got and not re.search(r"[<>]=?\s*\d+\s*$", expr):
        errors.append("%s: no data on the real metrics for %r" % (q["where"], expr))
    n_data += bool(got)
print("# %d rules ok, %d of %d dashboard queries with data, active alerts: %s" % (n_rules, n_data, len(queries), sorted(active)), file=sys.stderr)
if errors:
    sys.exit("\n".join(errors))
EOF
    {
        tail -n 20 "$LC_TMP/prometheus.log" >&2
        lc_fail "the dashboard and the rules on a real Prometheus"
    }
lc_pass
