#!/usr/bin/env bash
# A/B test of fresh bt downloaders: variants (a jar plus JVM options) alternate with a libtorrent
# downloader, each round against a new seeder, so that the machine's load hits them alike.
#
# Each round runs, in order: libtorrent downloader ("lt"), then every variant as a bt downloader,
# each a new process downloading SIZE from a new seeder process on 127.0.0.1. It prints every
# run (rate from the downloader's complete event, its wall and CPU time, the load) and at the end
# each one's median, range and ratio to lt's median.
#
# Usage: VARIANTS="old=/tmp/old.jar|;new=bt-cli/target/bt.jar|-XX:SharedArchiveFile=bt.jsa" \
#          interop/fresh_ab.sh
# Env:   VARIANTS  name=JAR|JVM OPTIONS, separated by ';' (options may be empty)
#        SIZE      bytes (default 536870912); the data and torrent are made once in DATA
#        DATA      directory for them (default /tmp/bt-fresh-ab)
#        REPEAT    rounds (default 3)
#        SEEDER    lt (default) or bt: a bt seeder runs the variant's own jar (bt -> bt), and
#                  SEED_JAR for the lt round (bt -> libtorrent)
#        SEED_JAR  the jar for making the torrent and for SEEDER=bt's lt round (default
#                  bt-cli/target/bt.jar)
#        WRAP      a command to run each bt downloader under, e.g. interop/thread_cpu.py (per-thread
#                  CPU and a progress timeline, printed after the run)
#        OUT       prefix of the log files (default /tmp/bt-fresh-ab): OUT.log, OUT.NAME.RUN.err
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
py=/usr/bin/python3
# shellcheck source=lib.sh
. "$here/lib.sh"
size="${SIZE:-536870912}"
repeat="${REPEAT:-3}"
seeder="${SEEDER:-lt}"
seed_jar="${SEED_JAR:-$root/bt-cli/target/bt.jar}"
tmp="${DATA:-/tmp/bt-fresh-ab}"
out="${OUT:-/tmp/bt-fresh-ab}"
[[ -n "${VARIANTS:-}" ]] || { echo "set VARIANTS (see the header)" >&2; exit 2; }
mkdir -p "$tmp/src"
if [[ ! -f "$tmp/src/data.bin" ]] || [[ "$(stat -c %s "$tmp/src/data.bin")" != "$size" ]]; then
  head -c "$size" /dev/urandom >"$tmp/src/data.bin"
  java -jar "$seed_jar" create "$tmp/src/data.bin" -o "$tmp/data.torrent" \
    --piece-length 1048576 --no-date --json >/dev/null
fi
torrent="$tmp/data.torrent"
IFS=';' read -ra vars <<<"$VARIANTS"
names=(lt)
for v in "${vars[@]}"; do names+=("${v%%=*}"); done
spec_of() {
  local v
  for v in "${vars[@]}"; do [[ "${v%%=*}" == "$1" ]] && echo "${v#*=}"; done
}
declare -A res
: >"$out.log"
echo "== $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $size bytes; seeder $seeder" \
  | tee -a "$out.log"
for ((r = 1; r <= repeat; r++)); do
  for name in "${names[@]}"; do
    sport="$(free_port)"
    dport="$(free_port)"
    spec=""
    [[ "$name" != lt ]] && spec="$(spec_of "$name")"
    jar="${spec%%|*}"
    opts="${spec#*|}"
    if [[ "$seeder" == lt ]]; then
      "$py" -u "$here/lt_peer.py" seed --torrent "$torrent" --dir "$tmp/src" --port "$sport" \
        >"$tmp/seed.out" 2>/dev/null &
    else
      java -Xmx256m -jar "${jar:-$seed_jar}" seed "$torrent" "$tmp/src" --port "$sport" --json \
        >"$tmp/seed.out" 2>/dev/null &
    fi
    spid=$!
    wait_for_line "$tmp/seed.out" '"listening"' 60 "$spid" || { echo "seeder failed" >&2; exit 1; }
    rm -rf "$tmp/dl"
    mkdir -p "$tmp/dl"
    load="$(cut -d' ' -f1 /proc/loadavg)"
    if [[ "$name" == lt ]]; then
      /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$py" -u "$here/lt_peer.py" download \
        --torrent "$torrent" --dir "$tmp/dl" --port "$dport" --peer "127.0.0.1:$sport" \
        --timeout 300 >"$tmp/dl.out" 2>"$tmp/dl.err"
    else
      # shellcheck disable=SC2086
      /usr/bin/time -f "%e %U %S" -o "$tmp/time" ${WRAP:-} java -Xmx256m $opts -jar "$jar" \
        download "$torrent" -o "$tmp/dl" --port "$dport" --peer "127.0.0.1:$sport" \
        --timeout 300 --json >"$tmp/dl.out" 2>"$tmp/dl.err"
    fi
    kill "$spid" 2>/dev/null
    wait "$spid" 2>/dev/null
    line="$(grep '"complete"' "$tmp/dl.out" | tail -1)"
    rate="$(sed -n 's/.*"rateMiBps":\([0-9.]*\).*/\1/p' <<<"$line")"
    secs="$(sed -n 's/.*"seconds":\([0-9.]*\).*/\1/p' <<<"$line")"
    read -r wall u s <"$tmp/time"
    cmp -s "$tmp/src/data.bin" "$tmp/dl/data.bin" || rate=""
    printf '%-10s run %d: %7s MiB/s %6s s  wall %5s  cpu %4.1f (user %s sys %s)  load %s\n' \
      "$name" "$r" "${rate:-FAILED}" "$secs" "$wall" "$(awk "BEGIN {print $u + $s}")" "$u" "$s" \
      "$load" | tee -a "$out.log"
    [[ -n "$rate" ]] && res[$name]="${res[$name]:-} $rate"
    cp "$tmp/dl.err" "$out.$name.$r.err" 2>/dev/null
    grep -E "THCPU|THTL" "$tmp/dl.err" | tee -a "$out.log"
  done
done
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg); medians (min..max), ratio to lt's median" \
  | tee -a "$out.log"
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
ltm="$(median "${res[lt]:-}")"
for name in "${names[@]}"; do
  [[ -n "${res[$name]:-}" ]] || continue
  tr ' ' '\n' <<<"${res[$name]}" | grep . | sort -n \
    | awk -v n="$name" -v b="${ltm:-0}" '{a[NR] = $1} END {m = a[int((NR + 1) / 2)];
        printf "%-10s median %7.1f  (%s..%s)  %s\n", n, m, a[1], a[NR],
          (b > 0 ? sprintf("%.2fx", m / b) : "-")}'
done | tee -a "$out.log"
