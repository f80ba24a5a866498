#!/bin/sh
# The man pages render without groff warnings and do not drift from the
# code: every hvx command and option is in hvx(1), every public header
# and exported function in libhvx(3), and they name nothing that is gone.
. "${top_srcdir:-.}/tests/lib.sh"
require groff
require nm
D=$top_srcdir/docs
LIB=${HVX_LIBRARY:-${top_builddir:-.}/.libs/libhvx.so}

for page in "$D/hvx.1" "$D/libhvx.3"; do
  LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" 2>"$T/warn" ||
    fail "groff failed on $page"
  [ ! -s "$T/warn" ] || { cat "$T/warn" >&2; fail "groff warns about $page"; }
  # plain text for the checks below: '\-' as '-', no hyphenation, long
  # lines so that no name is split
  groff -man -Tascii -P-cbou -rHY=0 -rLL=300n "$page" 2>/dev/null >"$T/$(basename "$page").txt"
  grep -q '^NAME' "$T/$(basename "$page").txt" || fail "$page: no NAME section"
done

# hvx(1): each command of 'hvx --help' has its section, and each option
# its usage line shows is described.
"$HVX" --help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p' >"$T/commands"
[ -s "$T/commands" ] || fail "no commands parsed from hvx --help"
while read -r cmd; do
  grep -Eq "^ +hvx +$cmd( |\$)" "$T/hvx.1.txt" ||
    fail "hvx.1 has no section for 'hvx $cmd'"
  "$HVX" "$cmd" --help >"$T/usage" 2>&1 || true
  for opt in $(grep -Eo '(^|[[ ])--?[a-zA-Z][a-z-]*' "$T/usage" | tr -d '[ '); do
    grep -Eq -- "(^|[^a-z-])$opt([^a-z-]|\$)" "$T/hvx.1.txt" ||
      fail "hvx.1 does not describe option $opt of 'hvx $cmd'"
  done
done <"$T/commands"

# libhvx(3): each public header and exported function is named, and each
# function named is exported.
for h in "$top_srcdir"/include/hvx/*.h; do
  grep -q "<hvx/$(basename "$h")>" "$T/libhvx.3.txt" ||
    fail "libhvx.3 does not mention <hvx/$(basename "$h")>"
done
nm -D --defined-only "$LIB" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' |
  grep '^hvx_' | sort -u >"$T/exported"
[ -s "$T/exported" ] || fail "no hvx_ functions exported by $LIB"
grep -Eo 'hvx_[a-z0-9_]+\(\)' "$T/libhvx.3.txt" | tr -d '()' | sort -u \
  >"$T/documented"
missing=$(comm -23 "$T/exported" "$T/documented" | tr '\n' ' ')
[ -z "$missing" ] || fail "libhvx.3 does not mention: $missing"
stale=$(comm -13 "$T/exported" "$T/documented" | tr '\n' ' ')
[ -z "$stale" ] || fail "libhvx.3 mentions functions not exported: $stale"
echo "ok"
