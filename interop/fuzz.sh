#!/usr/bin/env bash
# Coverage-guided fuzzing (Jazzer) of every @FuzzTest target, one after the other, for a few
# minutes each; then a table of executions, coverage and findings per target.
#
# Targets are found by looking for @FuzzTest in */src/test/java: module, class and method, named
# Class#method (e.g. InputFuzzTest#metainfo, TrackerFuzzTest#udpRequest). Each runs as
#   JAZZER_FUZZ=1 mvn -B -o -pl <module> -am test -Dtest='Class#method' ...
# with libFuzzer's -max_total_time set to MINUTES (overriding the annotation's maxDuration). The
# generated corpus goes to <module>/.cifuzz-corpus/ (gitignored) and is reused by the next run; a
# finding is written by Jazzer next to the seed corpus, src/test/resources/<package>/
# <Class>Inputs/<method>/crash-<sha1>, which plain `mvn test` replays from then on: fix the bug,
# keep the file. Logs are in target/fuzz/ (under the repository root).
#
# Usage: interop/fuzz.sh                       (from anywhere in the repository)
# Env:   MINUTES  minutes per target (default 10; fractions such as 0.5 are allowed)
#        TARGETS  space-separated Class#method or method names to run (default: all), e.g.
#                 TARGETS="metainfo TrackerFuzzTest#udpRequest"
#        LIST=1   only list the targets
# Exit:  0 if no target found anything, 1 if one did (or failed to run), 2 for bad usage.
# Needs: java 17, mvn with the project's dependencies in the local repository (runs offline).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

minutes="${MINUTES:-10}"
seconds="$(awk -v m="$minutes" 'BEGIN { s = int(m * 60); if (s < 1) s = 1; print s }')"
logs="$root/target/fuzz"
mkdir -p "$logs"

# module class method, one a line, for every @FuzzTest method
all_targets() {
  grep -rl --include='*.java' '@FuzzTest' -- */src/test/java 2>/dev/null | sort | while read -r f; do
    module="${f%%/src/test/java/*}"
    class="$(basename "$f" .java)"
    awk -v m="$module" -v c="$class" '
      /@FuzzTest/ { want = 1; next }
      want && /void [A-Za-z0-9_]+\(/ {
        match($0, /void [A-Za-z0-9_]+\(/); name = substr($0, RSTART + 5, RLENGTH - 6)
        print m, c, name; want = 0
      }' "$f"
  done
}

selected() {
  local class="$1" method="$2" t
  [[ -z "${TARGETS:-}" ]] && return 0
  for t in $TARGETS; do
    [[ "$t" == "$class#$method" || "$t" == "$method" ]] && return 0
  done
  return 1
}

mapfile -t targets < <(all_targets)
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "no @FuzzTest targets found under */src/test/java" >&2
  exit 2
fi
if [[ "${LIST:-}" == 1 ]]; then
  printf '%s\n' "${targets[@]}" | awk '{ printf "%-12s %s#%s\n", $1, $2, $3 }'
  exit 0
fi

rows=()
failed=0
ran=0
for line in "${targets[@]}"; do
  read -r module class method <<<"$line"
  selected "$class" "$method" || continue
  ran=$((ran + 1))
  log="$logs/$class-$method.log"
  inputs="$(find "$module/src/test/resources" -type d -path "*/${class}Inputs/$method" 2>/dev/null \
    | head -1)"
  before="$( (ls "$inputs" 2>/dev/null || true) | grep -c '^crash-\|^timeout-\|^slow-unit-\|^oom-' \
    || true)"
  echo "== $class#$method ($module): fuzzing for $seconds s, log $log"
  rc=0
  JAZZER_FUZZ=1 mvn -B -o -pl "$module" -am test -Dtest="$class#$method" \
    -Dsurefire.failIfNoSpecifiedTests=false \
    -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1="-max_total_time=$seconds" \
    >"$log" 2>&1 || rc=$?
  # libFuzzer's status lines: "#1234 NEW cov: 567 ft: 890 corp: ... exec/s: 1000 rss: ..."
  # and at the end "Done 123456 runs in 60 second(s)"; surefire may keep them in its reports.
  out="$(cat "$log" "$module"/target/surefire-reports/*"$class"-output.txt 2>/dev/null || true)"
  execs="$(grep -o 'Done [0-9]* runs' <<<"$out" | tail -1 | awk '{ print $2 }')"
  if [[ -z "$execs" ]]; then # stopped by a finding: the last status line's count
    execs="$(grep -oE '^#[0-9]+' <<<"$out" | tail -1 | tr -d '#')"
  fi
  cov="$(grep -oE 'cov: [0-9]+' <<<"$out" | tail -1 | awk '{ print $2 }')"
  ft="$(grep -oE 'ft: [0-9]+' <<<"$out" | tail -1 | awk '{ print $2 }')"
  rate="$(grep -oE 'exec/s: [0-9]+' <<<"$out" | tail -1 | awk '{ print $2 }')"
  after="$( (ls "$inputs" 2>/dev/null || true) | grep -c '^crash-\|^timeout-\|^slow-unit-\|^oom-' \
    || true)"
  findings=$((after - before))
  if [[ $rc -ne 0 && $findings -eq 0 ]]; then
    findings="?" # failed without writing an input: a build error, or a crash of the JVM
  fi
  if [[ "$findings" != 0 ]]; then
    failed=1
    grep -E '== Java Exception|FuzzTestFindingException|Expecting|AssertionError' "$log" \
      | head -5 | sed 's/^/   /' || true
  fi
  rows+=("$(printf '%-34s %12s %8s %8s %8s %9s' "$class#$method" "${execs:--}" "${cov:--}" \
    "${ft:--}" "${rate:--}" "$findings")")
done

if [[ $ran -eq 0 ]]; then
  echo "no target matches TARGETS=$TARGETS (LIST=1 lists them)" >&2
  exit 2
fi
echo
printf '%-34s %12s %8s %8s %8s %9s\n' target executions cov ft exec/s findings
printf '%s\n' "${rows[@]}"
if [[ $failed -ne 0 ]]; then
  echo
  echo "findings: see the logs in $logs and the crash-* inputs under src/test/resources"
fi
exit $failed
