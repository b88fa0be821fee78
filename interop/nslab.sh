# Shared by the network-namespace labs (lab.sh, ledbat.sh, holepunch.sh): one run at a time, the
# removal of what a run (or a killed earlier one) left, and running a command in a namespace.
# Source it after setting P, the prefix of the lab's namespace names (btlab, btled, bthp); the
# script keeps the PIDs it starts in pids and its temporary directory in tmp.

pids=()
tmp=""

# Ends whatever still runs in our namespaces (only processes this script, or an earlier run of
# it, started there), then deletes the namespaces: their veths, ifbs, bridges and nft tables go
# with them.
remove_lab() {
  local ns pid
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P-" || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      kill "$pid" 2>/dev/null || true
    done
  done
  sleep 0.3
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P-" || true); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      kill -9 "$pid" 2>/dev/null || true
    done
    ip netns del "$ns" 2>/dev/null || true
  done
}

cleanup() {
  local p
  trap - EXIT INT TERM
  for p in "${pids[@]:-}"; do
    [[ -n "$p" ]] && kill "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  remove_lab
  if [[ -n "$tmp" && "${KEEP:-0}" != 1 ]]; then
    rm -rf "$tmp"
  elif [[ -n "$tmp" ]]; then
    echo "kept $tmp" >&2
  fi
}

# lab_begin LOCK SCRIPT TMP_PREFIX [EXIT]: cleans up on exit; takes /run/LOCK.lock (one run at a
# time: the namespaces have fixed names, and a second run would remove the first's), exiting
# with EXIT (default 1) if another run holds it; removes what a killed earlier run left: its
# namespaces and its files, /tmp/TMP_PREFIX.*
lab_begin() {
  local lock="/run/$1.lock" script="$2" prefix="$3" code="${4:-1}" stale
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  exec 9>"$lock"
  if ! flock -n 9; then
    echo "another interop/$script is running (lock $lock)" >&2
    trap - EXIT
    exit "$code"
  fi
  stale="$(ip netns list 2>/dev/null | awk '{print $1}' | grep -c "^$P-" || true)"
  if ((stale > 0)); then
    echo "removing $stale stale $P-* namespaces from an earlier run" >&2
    remove_lab
    rm -rf "/tmp/$prefix".*
  fi
}

# nsx NS CMD... &: runs CMD in namespace NS in the background; it execs, so $! is CMD's PID
# (only ever call it with &). It does not keep the lock: a run killed with SIGKILL leaves its
# processes to the next run, which removes them.
nsx() {
  local ns="$1"
  shift
  exec 9>&-
  exec ip netns exec "$ns" "$@"
}
