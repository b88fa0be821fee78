# Helpers shared by the interop scripts; source it after setting py (a python3 to run).

# Prints a free TCP port on 127.0.0.1.
free_port() {
  "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Waits for a line matching $2 in file $1, for up to $3 seconds; returns 1 if the process $4 died.
wait_for_line() {
  local file="$1" pattern="$2" limit="$3" pid="$4" i
  for ((i = 0; i < limit * 10; i++)); do
    grep -q "$pattern" "$file" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# download_ok LABEL RC OUT ERR SRC DST: whether a download exited with RC 0, printed a "complete"
# event to OUT and wrote DST equal to SRC; if not, says which (with the tail of ERR) on stderr.
download_ok() {
  local label="$1" rc="$2" out="$3" err="$4" src="$5" dst="$6"
  if ((rc != 0)) || ! grep -q '"complete"' "$out"; then
    echo "  $label: download failed (exit $rc):" >&2
    tail -5 "$err" >&2
    return 1
  fi
  if ! cmp -s "$src" "$dst"; then
    echo "  $label: downloaded data differs from the source" >&2
    return 1
  fi
}
