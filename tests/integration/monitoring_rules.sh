#!/usr/bin/env bash
# The Prometheus alert rules shipped in docs/monitoring load (promtool check rules) and
# fire as their unit tests say on series shaped as the tools write them (promtool test
# rules: critical, warning and unknown checks, a backup too old, a corrupt set, a
# sequence over 90 %, a checker that stopped running), and stay silent on healthy ones.
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
lc_pass
