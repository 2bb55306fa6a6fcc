#!/usr/bin/env bash
# The Prometheus alert rules shipped in docs/monitoring load (promtool check rules) and
# fire as their unit tests say on series shaped as the tools write them (promtool test
# rules: critical, warning and unknown checks, a backup too old, a corrupt set, a
# sequence over 90 %, a checker that stopped running; a backup, a target, the GC, a drill
# or the binlog archiver in trouble), and stay silent on healthy ones. Every alert has a
# severity label (critical or warning), a summary, a description and a runbook_url that
# names a file of this repository; no alert name is defined twice.
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

command -v promtool >/dev/null || lc_fail "promtool is missing (Debian package 'prometheus'; ./dev deps installs it)"
rules_dir="$LC_SOURCE_DIR/docs/monitoring"
n=0
for rules in "$rules_dir"/*.rules.yml; do
    lc_expect_exit 0 -- promtool check rules "$rules"
    lc_assert_file_contains "$LC_OUT" "SUCCESS: [1-9][0-9]* rules found"
    tests="${rules%.yml}.test.yml"
    lc_assert_file_exists "$tests"
    lc_expect_exit 0 -- promtool test rules "$tests"   # rule_files resolve next to it
    lc_assert_file_contains "$LC_OUT" "SUCCESS"
    n=$((n + 1))
done
[ "$n" -gt 0 ] || lc_fail "no *.rules.yml in $rules_dir"

# promtool's YAML is the reference; the files keep one layout (alert, expr, for, labels,
# annotations at fixed indents), which is what this reads
python3 - "$LC_SOURCE_DIR" "$rules_dir"/*.rules.yml <<'EOF' || lc_fail "alert labels and annotations"
import os, re, sys
root, errors, seen = sys.argv[1], [], {}
for path in sys.argv[2:]:
    name = os.path.basename(path)
    blocks = re.split(r"^\s*- alert: ", open(path).read(), flags=re.M)[1:]
    if not blocks:
        errors.append("%s: no alert" % name)
    for b in blocks:
        alert = b.split("\n", 1)[0].strip()
        where = "%s: %s" % (name, alert)
        if alert in seen:
            errors.append("%s: also defined in %s" % (where, seen[alert]))
        seen[alert] = name
        fields = dict(re.findall(r"^\s+(severity|summary|description|runbook_url): *(.*)$", b, re.M))
        if fields.get("severity") not in ("critical", "warning"):
            errors.append("%s: severity %r, want critical or warning" % (where, fields.get("severity")))
        for k in ("summary", "description", "runbook_url"):
            if not fields.get(k, "").strip('"'):
                errors.append("%s: no %s" % (where, k))
        url = fields.get("runbook_url", "").strip('"').split("#")[0]
        if url and not os.path.isfile(os.path.join(root, url)):
            errors.append("%s: runbook_url %s: no such file in the repository" % (where, url))
if errors:
    sys.exit("\n".join(errors))
print("# %d alerts, each with severity, summary, description and an existing runbook_url" % len(seen), file=sys.stderr)
EOF
lc_pass
