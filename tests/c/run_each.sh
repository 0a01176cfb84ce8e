#!/usr/bin/env bash
# Runs each test program (optionally under a wrapper such as valgrind), goes on
# after a failure, and ends with "LABEL: N passed, N failed".
#
#   tests/c/run_each.sh LABEL "WRAPPER..." PROGRAM...
set -uo pipefail
label=$1 wrapper=$2
shift 2
passed=0 failed=0
for program in "$@"; do
    if $wrapper "$program"; then
        passed=$((passed + 1))
    else
        echo "FAILED: $wrapper $program" >&2
        failed=$((failed + 1))
    fi
done
echo "$label: $passed passed, $failed failed"
[ "$failed" = 0 ]
