#!/usr/bin/env bash
# SHA-1 throughput of bt against OpenSSL on this machine, in one go:
#   1. whether HotSpot uses its SHA-1 intrinsic (-XX:+PrintFlagsFinal: UseSHA1Intrinsics);
#   2. `openssl speed -evp sha1` at each piece size, on one process and with -multi 2;
#   3. the JMH benchmarks HashBenchmark (1 and 2 threads) and ReadAndHashBenchmark, short config;
#   4. a table of MiB/s and bt/OpenSSL ratios.
#
# Usage: bt-benchmarks/hash-baseline.sh            (build first: see README "Benchmarks")
# Env:   OPENSSL_SECONDS (3)  seconds per openssl measurement
#        JMH_QUICK (-f 1 -wi 2 -w 1 -i 3 -r 1)  JMH options for HashBenchmark
#        JMH_READ (-f 1 -wi 2 -w 2 -i 4 -r 2)   JMH options for ReadAndHashBenchmark
#        SIZES ("16384 65536 262144 1048576 4194304 16777216")
#        SKIP_READ=1  skip ReadAndHashBenchmark
# Needs: java 17, openssl (3.x for -bytes), python3 (to read JMH's JSON). Takes about 7 minutes.
# The second core is often busy with other work here: `uptime` is printed before and after, and
# the 2-thread figures are compared with `openssl speed -multi 2` from the same run.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
jar="$here/target/benchmarks.jar"
if [[ ! -f "$jar" ]]; then
  echo "no $jar: build it with 'mvn -B -q package -DskipTests' from the repository root" >&2
  exit 1
fi
command -v openssl >/dev/null || { echo "openssl not found" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 not found (needed to read JMH's JSON)" >&2; exit 1; }

secs="${OPENSSL_SECONDS:-3}"
sizes="${SIZES:-16384 65536 262144 1048576 4194304 16777216}"
jmh_quick="${JMH_QUICK:--f 1 -wi 2 -w 1 -i 3 -r 1}"
jmh_read="${JMH_READ:--f 1 -wi 2 -w 2 -i 4 -r 2}"
out="$(mktemp -d "${TMPDIR:-/tmp}/bt-hash-baseline.XXXXXX")"
trap 'rm -rf "$out"' EXIT

echo "== machine"
echo "before: $(uptime)"
echo "cpus: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
grep -qw sha_ni /proc/cpuinfo && echo "cpu flags: sha_ni" || echo "cpu flags: no sha_ni"
java -version 2>&1 | head -1
openssl version
flags="$(java -XX:+UnlockDiagnosticVMOptions -XX:+PrintFlagsFinal -version 2>/dev/null)"
sha1_intrinsic="$(awk '$2 == "UseSHA1Intrinsics" { print $4 }' <<<"$flags")"
echo "UseSHA1Intrinsics = ${sha1_intrinsic:-unknown}; UseSHA = $(awk '$2 == "UseSHA" { print $4 }' <<<"$flags")"
if [[ "$sha1_intrinsic" != "true" ]]; then
  echo "WARNING: the JVM does not use its SHA-1 intrinsic: expect the JDK near BouncyCastle's speed"
fi

# openssl speed prints "sha1  <n>k" (1000s of bytes per second) as its last line for -bytes N.
echo
echo "== openssl speed -evp sha1 -seconds $secs"
have_bytes=1
openssl speed -evp sha1 -seconds 1 -bytes 16384 >/dev/null 2>&1 || have_bytes=0
: >"$out/openssl.tsv"
if [[ $have_bytes == 1 ]]; then
  for n in $sizes; do
    for multi in 1 2; do
      extra=()
      [[ $multi == 2 ]] && extra=(-multi 2)
      k="$(openssl speed -evp sha1 -seconds "$secs" -bytes "$n" "${extra[@]}" 2>/dev/null \
        | awk '$1 == "sha1" || $1 == "evp" { v = $NF } END { sub(/k$/, "", v); print v }')"
      printf '%s\t%s\t%s\n' "$n" "$multi" "$k" >>"$out/openssl.tsv"
      printf '  %9d bytes, %d process(es): %sk bytes/s\n' "$n" "$multi" "$k"
    done
  done
else
  # Without -bytes (OpenSSL 1.x) the largest size is 16384 (or 8192): only it is compared.
  for multi in 1 2; do
    extra=()
    [[ $multi == 2 ]] && extra=(-multi 2)
    k="$(openssl speed -evp sha1 -seconds "$secs" "${extra[@]}" 2>/dev/null \
      | awk '$1 == "sha1" || $1 == "evp" { v = $NF } END { sub(/k$/, "", v); print v }')"
    printf '%s\t%s\t%s\n' 16384 "$multi" "$k" >>"$out/openssl.tsv"
    echo "  16384 bytes (largest default size), $multi process(es): ${k}k bytes/s"
  done
fi

# JMH refuses to start while another JMH run holds /tmp/jmh.lock: wait for it instead of failing.
run_jmh() {
  local log="$1"
  shift
  for attempt in $(seq 1 60); do
    if java -jar "$jar" "$@" >"$log" 2>&1; then
      return 0
    fi
    if grep -q 'Unable to acquire the JMH lock' "$log"; then
      echo "  (another JMH run holds the lock; waiting, attempt $attempt)"
      sleep 20
      continue
    fi
    cat "$log" >&2
    return 1
  done
  echo "gave up waiting for the JMH lock" >&2
  return 1
}

size_params="$(tr ' ' ',' <<<"$sizes")"
echo
echo "== JMH HashBenchmark, 1 thread ($jmh_quick)"
# shellcheck disable=SC2086
run_jmh "$out/hash1.log" 'bt\.benchmarks\.HashBenchmark\.(jdk|bouncy)' $jmh_quick -t 1 -p size="$size_params" \
  -rf json -rff "$out/hash1.json"
echo "== JMH HashBenchmark, 2 threads (jdkHeap, jdkDirect)"
# shellcheck disable=SC2086
run_jmh "$out/hash2.log" 'bt\.benchmarks\.HashBenchmark\.jdk' $jmh_quick -t 2 \
  -p size="$size_params" -rf json -rff "$out/hash2.json"
if [[ "${SKIP_READ:-0}" != 1 ]]; then
  echo "== JMH ReadAndHashBenchmark, 1 thread ($jmh_read)"
  # shellcheck disable=SC2086
  run_jmh "$out/read1.log" 'bt\.benchmarks\.ReadAndHashBenchmark\.' $jmh_read -t 1 \
    -rf json -rff "$out/read1.json"
  echo "== JMH ReadAndHashBenchmark, 2 JMH threads (channelHeap, channelDirect, mapped)"
  # shellcheck disable=SC2086
  run_jmh "$out/read2.log" 'bt\.benchmarks\.ReadAndHashBenchmark\.(channel|mapped)' $jmh_read \
    -t 2 -rf json -rff "$out/read2.json"
fi

echo
echo "after: $(uptime)"
echo
python3 - "$out" <<'PY'
import json, os, sys

out = sys.argv[1]
MIB = 1 << 20

openssl = {}
for line in open(os.path.join(out, "openssl.tsv")):
    n, multi, k = line.split("\t")
    if k.strip():
        openssl[(int(n), int(multi))] = float(k) * 1000 / MIB


def load(name):
    path = os.path.join(out, name)
    return json.load(open(path)) if os.path.exists(path) else []


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")  # JMH writes "NaN" for the error of a single iteration


def stats(r):
    """MiB/s: mean, 99.9% error, best iteration."""
    m = r["secondaryMetrics"]["bytes"]
    best = max(x for it in m["rawData"] for x in it)
    return num(m["score"]) / MIB, num(m["scoreError"]) / MIB, best / MIB


def ratio(x, base):
    return f"{x / base:5.2f}" if base else "  n/a"


def size_label(n):
    return f"{n >> 20} MiB" if n >= MIB else f"{n >> 10} KiB"


def row(label, threads, st, base):
    mean, err, best = st
    return (f"{label:>20} | {threads:>2} | {base or 0:7.0f} | {mean:6.0f} ±{err:5.0f} | {best:6.0f} | "
            f"{ratio(mean, base)} | {ratio(best, base)}")


HEADER = (f"{'':>20} | {'t':>2} | {'openssl':>7} | {'bt mean':>13} | {'best':>6} | "
          f"{'ratio':>5} | {'best':>5}")

for s in sorted({n for n, _ in openssl}):
    o1, o2 = openssl.get((s, 1)), openssl.get((s, 2))
    if o1 and o2 and o2 < 1.8 * o1:
        print(f"NOTE: openssl -multi 2 at {size_label(s)} ran only {o2 / o1:.2f}x one process: "
              "the second core was busy with other work then")

print("SHA-1 of one piece in memory, MiB/s; ratio = bt / `openssl speed -evp sha1` at the same size")
print("(t = threads; openssl with -multi 2 for t = 2; 'best' = best iteration, the figure least")
print(" disturbed by other work on a shared machine)")
print(HEADER)
runs = [(r, 1) for r in load("hash1.json")] + [(r, 2) for r in load("hash2.json")]
order = {"jdkHeap": 0, "jdkDirect": 1, "bouncyCastle": 2}
for r, t in sorted(runs, key=lambda x: (int(x[0]["params"]["size"]), x[1],
                                        order.get(x[0]["benchmark"].rsplit(".", 1)[1], 9))):
    size = int(r["params"]["size"])
    name = r["benchmark"].rsplit(".", 1)[1]
    print(row(f"{size_label(size)} {name}", t, stats(r), openssl.get((size, t))))

read = load("read1.json") + load("read2.json")
if read:
    pl = int(read[0]["params"]["pieceLength"])
    mib = int(read[0]["params"].get("fileMiB", 256))
    base = pl if (pl, 1) in openssl else max(s for s, _ in openssl)
    print()
    print(f"Read a {mib} MiB file from the page cache and check every {size_label(pl)} piece, MiB/s;")
    print(f"ratio against openssl at {size_label(base)} (-multi 2 for t = 2)")
    print(HEADER)

    def threads_of(r):
        name = r["benchmark"].rsplit(".", 1)[1]
        return int(name[-1]) if name.startswith(("recheck", "create")) else r["threads"]

    for r in sorted(read, key=lambda r: (threads_of(r), r["benchmark"])):
        t = threads_of(r)
        print(row(r["benchmark"].rsplit(".", 1)[1], t, stats(r), openssl.get((base, t))))
PY
