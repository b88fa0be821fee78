#!/usr/bin/env bash
# bt stream against real programs, on 127.0.0.1 only (issue 17's proof).
#
# 1. ffmpeg makes a test video: testsrc + a sine tone, MINUTES long, H.264 at about 1 Mbit/s
#    plus AAC, as an MP4 with its index (moov atom) at the END, as cameras write it, and the same
#    streams remuxed into an MKV. One single-file torrent each (bt create, PIECE-byte pieces).
# 2. Proof, for the MP4 and then the MKV: a libtorrent seeder (lt_peer.py) capped at about twice
#    the video's bit rate; `bt stream` downloads from it; while it downloads, `ffprobe URL` and
#    `ffmpeg -i URL -f null -` read the URL (ffprobe has to jump to the moov at the end of the
#    MP4) and decode the whole video, which must end without an error; `curl` range requests
#    (first bytes, middle, suffix, open-ended, one past the end for 416) must return exactly the
#    file's bytes (cmp). Fails (exit 1) on any of these.
# 3. Figures (unless SHORT=1), MP4 only, each client against a fresh capped seeder, one at a
#    time: `bt stream`, a libtorrent streaming client (stream_bench.py lt: set_piece_deadline over
#    a window plus sequential_download), and a plain `bt download`: time to first byte from the
#    start, after each of SEEKS random seeks (median, 95th percentile), and the whole file's
#    download time. See stream_bench.py for exactly what is timed. Figures are printed, never
#    failed on; the table ends with the goal's ratios (issue 17: first-byte times <= 0.5x
#    libtorrent's, total <= 1.1x a plain bt download).
#
# Usage: interop/stream.sh               (from anywhere in the repository)
# Env:   MINUTES  video length in minutes (default 3; SHORT=1: 0.33, and no figures)
#        PIECE    piece length in bytes (default 262144)
#        SEEKS    random seeks per streaming client (default 20)
#        CAP      the seeder's upload cap in bytes/s (default: twice the video's bit rate)
#        PARTS    which parts, default "proof figures"
#        BUILD=1  build bt-cli/target/bt.jar first; KEEP=1 keep the temporary directory
# Needs: ffmpeg and ffprobe (apt-get install ffmpeg), curl, java 17, Debian's /usr/bin/python3
#        with python3-libtorrent. The machine's load is printed before and after.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
jar="$root/bt-cli/target/bt.jar"
py=/usr/bin/python3
short="${SHORT:-0}"
if [[ "$short" == 1 ]]; then
  minutes="${MINUTES:-0.33}"
  parts="${PARTS:-proof}"
else
  minutes="${MINUTES:-3}"
  parts="${PARTS:-proof figures}"
fi
piece="${PIECE:-262144}"
seeks="${SEEKS:-20}"

for p in ffmpeg ffprobe curl java; do
  command -v "$p" >/dev/null || { echo "stream.sh: $p not found (apt-get install ffmpeg curl)" >&2; exit 1; }
done
"$py" -c 'import libtorrent' 2>/dev/null \
  || { echo "stream.sh: $py cannot import libtorrent (apt-get install python3-libtorrent)" >&2; exit 1; }
if [[ "${BUILD:-0}" == 1 || ! -f "$jar" ]]; then
  echo "building $jar ..." >&2
  (cd "$root" && mvn -B -q -o -pl bt-cli -am package -DskipTests) >&2
fi

tmp="$(mktemp -d /tmp/bt-stream.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do
    [[ -n "$p" ]] && kill "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [[ "${KEEP:-0}" == 1 ]]; then
    echo "kept $tmp" >&2
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=lib.sh
. "$here/lib.sh"

fail=0
bad() {
  echo "FAILED: $*"
  fail=1
}
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

echo "== machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $(java -version 2>&1 | head -1); libtorrent $("$py" -c 'import libtorrent as l; print(l.__version__)'); $(ffmpeg -version | head -1 | cut -d' ' -f1-3)"

# ---------------------------------------------------------------- 1. the video and torrents
src="$tmp/src"
mkdir -p "$src"
duration="$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')"
ffmpeg -hide_banner -v error -y -f lavfi -i "testsrc=size=640x360:rate=25" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$duration" \
  -c:v libx264 -preset ultrafast -b:v 1M -maxrate 1M -bufsize 2M -g 50 -pix_fmt yuv420p \
  -c:a aac -b:a 128k "$src/video.mp4"
ffmpeg -hide_banner -v error -y -i "$src/video.mp4" -c copy "$src/video.mkv"
# The MP4's top-level boxes, in file order: the moov must come after the mdat.
boxes="$("$py" - "$src/video.mp4" <<'PY'
import struct, sys
f = open(sys.argv[1], "rb"); out = []
while True:
    h = f.read(8)
    if len(h) < 8: break
    n, kind = struct.unpack(">I4s", h)
    if n == 1: n = struct.unpack(">Q", f.read(8))[0]; f.seek(n - 16, 1)
    else: f.seek(n - 8, 1)
    out.append(kind.decode("latin-1"))
print(" ".join(out))
PY
)"
[[ "$boxes" == *mdat*moov* ]] || bad "the MP4's moov is not after its mdat: $boxes"
mp4_size="$(stat -c %s "$src/video.mp4")"
rate=$((mp4_size / duration))
cap="${CAP:-$((rate * 2))}"
echo "== video: ${duration} s, MP4 $mp4_size bytes (boxes: $boxes), MKV $(stat -c %s "$src/video.mkv") bytes;"
echo "   bit rate $((rate * 8 / 1000)) kbit/s ($rate B/s); seeder cap $cap B/s; pieces of $piece bytes"
for f in mp4 mkv; do
  java -jar "$jar" create "$src/video.$f" -o "$tmp/$f.torrent" --piece-length "$piece" --no-date >/dev/null
done

# Starts a capped libtorrent seeder of $1; sets seed_port.
start_seeder() {
  local out="$tmp/seed-$RANDOM.out"
  "$py" -u "$here/lt_peer.py" seed --torrent "$1" --dir "$src" --port 0 --upload-limit "$cap" \
    --timeout 900 >"$out" 2>"$out.err" &
  seed_pid=$!
  pids+=("$seed_pid")
  wait_for_line "$out" '"listening"' 30 "$seed_pid" || { echo "seeder did not start"; cat "$out.err"; exit 1; }
  seed_port="$(grep -o '"port":[0-9]*' "$out" | head -1 | cut -d: -f2)"
}
stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# ---------------------------------------------------------------- 2. the proof
proof() {
  local kind="$1" file="$src/video.$1" dir="$tmp/proof-$1" out="$tmp/proof-$1.out" t0 url
  start_seeder "$tmp/$kind.torrent"
  t0="$(now)"
  # (job control on for this one start: a background job of a script otherwise ignores SIGINT)
  set -m
  java -jar "$jar" stream "$tmp/$kind.torrent" --json --no-dht -o "$dir" \
    --peer "127.0.0.1:$seed_port" >"$out" 2>"$out.err" &
  local bt_pid=$!
  set +m
  pids+=("$bt_pid")
  wait_for_line "$out" '"listening"' 60 "$bt_pid" || { bad "$kind: bt stream printed no URL"; cat "$out.err"; return; }
  url="$(grep -o '"url":"[^"]*"' "$out" | head -1 | cut -d'"' -f4)"
  # ffmpeg decodes the whole video in the background, from the start of the download
  ffmpeg -hide_banner -nostdin -v error -progress "$tmp/ffmpeg-$kind.progress" -i "$url" \
    -f null - 2>"$tmp/ffmpeg-$kind.err" &
  local ff_pid=$!
  pids+=("$ff_pid")
  # ffprobe meanwhile (for the MP4 it reads the moov at the end of the file)
  local probe
  if probe="$(ffprobe -v error -show_entries format=duration:stream=codec_name -of csv=p=0 "$url" 2>&1)"; then
    local probe_at
    probe_at="$(secs "$t0" "$(now)")"
  else
    bad "$kind: ffprobe failed: $probe"
  fi
  # curl ranges while it downloads: each compared with the source's bytes
  local size ranges r ok=0
  size="$(stat -c %s "$file")"
  ranges="0-999 $((size / 2))-$((size / 2 + 300000)) -1000 $((size - 70000))-"
  for r in $ranges; do
    curl -s -f -r "$r" -o "$tmp/range" "$url" || { bad "$kind: curl -r $r failed"; continue; }
    local first count
    case "$r" in
      -*) count="${r#-}"; first=$((size - count)) ;;
      *-) first="${r%-}"; count=$((size - first)) ;;
      *) first="${r%-*}"; count=$((${r#*-} - first + 1)) ;;
    esac
    if cmp -s "$tmp/range" <(tail -c +"$((first + 1))" "$file" | head -c "$count"); then
      ok=$((ok + 1))
    else
      bad "$kind: curl -r $r returned other bytes than the file's"
    fi
  done
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' -r "$size-" "$url")"
  [[ "$code" == 416 ]] || bad "$kind: a range past the end gave $code, not 416"
  if ! wait "$ff_pid"; then
    bad "$kind: ffmpeg -i URL failed: $(head -3 "$tmp/ffmpeg-$kind.err")"
  elif [[ -s "$tmp/ffmpeg-$kind.err" ]]; then
    bad "$kind: ffmpeg reported errors: $(head -3 "$tmp/ffmpeg-$kind.err")"
  fi
  local decoded frames
  decoded="$(secs "$t0" "$(now)")"
  frames="$(grep '^frame=' "$tmp/ffmpeg-$kind.progress" | tail -1 | cut -d= -f2)"
  wait_for_line "$out" '"complete"' 120 "$bt_pid" || bad "$kind: bt stream did not complete"
  local done_s
  done_s="$(grep -o '"event":"complete".*"seconds":[0-9.]*' "$out" | grep -o '[0-9.]*$' || echo '?')"
  cmp -s "$file" "$dir/video.$kind" || bad "$kind: the downloaded file differs"
  kill -INT "$bt_pid"  # Ctrl-C
  local exit_code=0
  wait "$bt_pid" || exit_code=$?
  [[ "$exit_code" == 130 ]] || bad "$kind: bt stream exited $exit_code after SIGINT, not 130"
  stop "$seed_pid"
  echo "   $kind: ffprobe done at ${probe_at:-?} s ($(echo "$probe" | tr '\n' ' ')); ffmpeg decoded" \
    "${frames:-?} frames by $decoded s; download complete at $done_s s; curl ranges $ok/4 exact," \
    "past the end 416; exit $exit_code on SIGINT"
}

if [[ " $parts " == *" proof "* ]]; then
  echo "== proof: ffprobe, ffmpeg and curl on bt stream's URL while it downloads"
  proof mp4
  proof mkv
fi

# ---------------------------------------------------------------- 3. the figures
if [[ " $parts " == *" figures "* ]]; then
  echo "== figures: $seeks seeks each; each client alone against a fresh seeder capped at $cap B/s"
  results="$tmp/results"
  : >"$results"
  for mode in bt lt download; do
    start_seeder "$tmp/mp4.torrent"
    "$py" "$here/stream_bench.py" "$mode" --jar "$jar" --torrent "$tmp/mp4.torrent" \
      --peer "127.0.0.1:$seed_port" --dir "$tmp/fig-$mode" --seeks "$seeks" --bitrate "$rate" \
      --timeout 900 >>"$results" 2>"$tmp/fig-$mode.err" || bad "figures: $mode failed: $(tail -3 "$tmp/fig-$mode.err")"
    cmp -s "$src/video.mp4" "$tmp/fig-$mode/video.mp4" || bad "figures: $mode's download differs"
    stop "$seed_pid"
    echo "   load after $mode: $(cut -d' ' -f1-3 /proc/loadavg)"
  done
  cat "$results"
  "$py" - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {r["client"].split()[0] + ("-dl" if r["client"] == "bt download" else ""): r for r in rows}
bt, lt, dl = by.get("bt"), by.get("libtorrent"), by.get("bt-dl")
def f(v): return "-" if v is None else "%.3f" % v
print("%-20s %10s %12s %10s %14s %10s" % ("client", "ttfbStart", "seek median", "seek p95",
                                          "misses/median", "total s"))
for r in rows:
    miss = "-" if "seekMisses" not in r else "%d/%s" % (r["seekMisses"], f(r.get("seekMissMedian")))
    print("%-20s %10s %12s %10s %14s %10s" % (r["client"], f(r.get("ttfbStart")),
          f(r.get("seekMedian")), f(r.get("seekP95")), miss, f(r.get("total"))))
if bt and lt:
    for k in ("ttfbStart", "seekMedian", "seekP95", "seekMissMedian"):
        if k in bt and k in lt:
            print("bt/libtorrent %-11s %.2fx (goal <= 0.5x)" % (k, bt[k] / max(lt[k], 1e-9)))
if bt and dl:
    print("bt stream total / bt download total: %.2fx (goal <= 1.1x)" % (bt["total"] / dl["total"]))
if bt:
    print("bt stream first byte from the JVM's launch: %.3f s (listening after %.3f s)"
          % (bt["ttfbStartFromLaunch"], bt["listeningAfterLaunch"]))
PY
fi

echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ "$fail" != 0 ]]; then
  exit 1
fi
echo "== stream.sh: OK"
