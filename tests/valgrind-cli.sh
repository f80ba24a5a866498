#!/bin/sh
# The CLI's main paths under valgrind: no leaks, no invalid accesses.
# (Skipped in the sanitizer build, where ASan does this job instead.)
. "${top_srcdir:-.}/tests/lib.sh"
if [ "${HVX_SANITIZERS:-no}" != no ]; then
  echo "SKIP: sanitizer build (ASan checks leaks there)"; exit 77
fi
require valgrind

# The real binary, not libtool's wrapper script.
bin=${top_builddir}/.libs/hvx
[ -x "$bin" ] || bin=$HVX
vg() {
  valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 "$bin" "$@"
}

mkpattern "$T/src.raw" 4
for fmt in $("$bin" formats); do
  vg create -f "$fmt" "$T/new.$fmt" 1M >/dev/null ||
    fail "valgrind: create -f $fmt"
  vg convert -O "$fmt" "$T/src.raw" "$T/out.$fmt" >/dev/null ||
    fail "valgrind: convert -O $fmt"
  vg info "$T/out.$fmt" >/dev/null || fail "valgrind: info $fmt"
  vg info --output=json "$T/out.$fmt" >/dev/null || fail "valgrind: info json $fmt"
  vg check "$T/out.$fmt" >/dev/null || fail "valgrind: check $fmt"
  vg compare "$T/src.raw" "$T/out.$fmt" >/dev/null || fail "valgrind: compare $fmt"
  vg digest "$T/out.$fmt" >/dev/null || fail "valgrind: digest $fmt"
done
# An error path too: the failure must not leak either.
set +e
vg info "$T/missing" >/dev/null 2>&1
[ $? -eq 1 ] || fail "valgrind: error path exit code"
set -e
echo ok
