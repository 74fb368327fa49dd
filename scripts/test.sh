#!/usr/bin/env bash
# The whole test suite: set-up, format, lint, type check, then every test (unit, swtpm
# integration, end-to-end) in one vitest run. Ends with a line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ZTP_SETUP_EXTRA="${ZTP_SETUP_EXTRA:-poppler-utils chromium cups cups-bsd printer-driver-cups-pdf zbar-tools cups-client}" bash scripts/setup.sh || exit 1

status=0
step() {
  echo "== $1"
  shift
  if ! "$@"; then echo "== FAILED: $*"; status=1; fi
}
step "format" npx prettier --check . --log-level warn
step "lint" npx eslint .
step "typecheck" npx tsc --noEmit -p tsconfig.json
step "typecheck renderer" npx tsc --noEmit -p tsconfig.renderer.json

mkdir -p .test-results
rm -f .test-results/vitest.json
echo "== tests"
npx vitest run --reporter=default --reporter=json --outputFile.json=.test-results/vitest.json
test_status=$?
[ $test_status -eq 0 ] || status=1

if [ -f .test-results/vitest.json ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(".test-results/vitest.json", "utf8"));
    // A file that failed outside its tests (a hook, an import) counts once, even if its
    // tests show as skipped because of it.
    const failedSuites = r.testResults.filter((s) => s.status === "failed" && !s.assertionResults.some((a) => a.status === "failed")).length;
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests + failedSuites} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  '
else
  echo "0 passed, 1 failed"
fi
exit $status
