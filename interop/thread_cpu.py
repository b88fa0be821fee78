#!/usr/bin/python3
"""Runs a command and reports, on stderr when it exits, where its CPU went and how its reads went.

  interop/thread_cpu.py java -jar bt-cli/target/bt.jar download ...

Every 20 ms it reads /proc/PID/task/*/stat (CPU per thread) and /proc/PID/io (rchar: bytes read,
sockets included; wchar: bytes written). At the end it prints two lines:
  THCPU total T wall W: NAME CPU-s, ...   per thread name, numbered threads summed (bt-disk-0, -1)
  THTL r10%@S ... w100%@S | MiB/s per 0.5s: ...   when rchar/wchar passed fractions of TL_SIZE
                                                   bytes (default 512 MiB), and the read rate
Threads that exit between two polls lose their last 20 ms; a JVM's own jar reads count in rchar.
"""
import collections
import os
import re
import subprocess
import sys
import time

hz = os.sysconf('SC_CLK_TCK')
p = subprocess.Popen(sys.argv[1:])
seen = {}
timeline = []
t0 = time.monotonic()
while p.poll() is None:
    try:
        for tid in os.listdir('/proc/%d/task' % p.pid):
            try:
                s = open('/proc/%d/task/%s/stat' % (p.pid, tid)).read()
            except OSError:
                continue
            name = s[s.index('(') + 1:s.rindex(')')]
            f = s[s.rindex(')') + 2:].split()
            seen[tid] = (name, (int(f[11]) + int(f[12])) / hz)
        io = dict(line.split(': ') for line in open('/proc/%d/io' % p.pid).read().splitlines())
        timeline.append((time.monotonic() - t0, int(io['rchar']), int(io['wchar'])))
    except (OSError, ValueError):
        pass
    time.sleep(0.02)
wall = time.monotonic() - t0
by_name = collections.Counter()
for name, cpu in seen.values():
    by_name[re.sub(r'[-#]?\d+$', '', name)] += cpu
sys.stderr.write('THCPU total %.2f wall %.2f: %s\n' % (
    sum(by_name.values()), wall, ', '.join('%s %.2f' % kv for kv in by_name.most_common(12))))
size = int(os.environ.get('TL_SIZE', str(512 << 20)))
marks = []
for col, tag, fracs in ((1, 'r', (0.002, 0.1, 0.25, 0.5, 0.75, 1.0)), (2, 'w', (0.002, 0.5, 1.0))):
    for frac in fracs:
        hit = next((row[0] for row in timeline if row[col] >= size * frac), None)
        if hit is not None:
            marks.append('%s%g%%@%.2f' % (tag, frac * 100, hit))
rates = []
step = 0.5
x = 0.0
while timeline and x < timeline[-1][0]:
    before = [r for t, r, _ in timeline if t <= x]
    after = [r for t, r, _ in timeline if t <= x + step]
    if before and after:
        rates.append('%.0f' % ((after[-1] - before[-1]) / 1048576 / step))
    x += step
sys.stderr.write('THTL %s | MiB/s per 0.5s: %s\n' % (' '.join(marks), ' '.join(rates)))
sys.exit(p.returncode)
