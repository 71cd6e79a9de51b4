#!/usr/bin/env bash
# Idle CPU of a JVM that has run a model: starts scripts/IdleCpu.java (a GRU on rnn4j's thread team for BUSY seconds,
# then nothing), waits SETTLE seconds after it says "idle" (the JIT may still finish compiling), then reads the
# process's user + system CPU time (/proc/PID/stat, fields 14 and 15) over WINDOW seconds and prints the share of
# one core it used. Usage: scripts/idle_cpu.sh [BUSY=3] [SETTLE=1] [WINDOW=10]. Needs a built rnn4j-cli jar.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
busy="${1:-3}"; settle="${2:-1}"; window="${3:-10}"
jar="$root/rnn4j-cli/target/rnn4j.jar"
[ -f "$jar" ] || (cd "$root" && ./mvnw -q -B -DskipTests -pl rnn4j-cli -am package >&2)
out="$(mktemp)"
java --add-modules jdk.incubator.vector -cp "$jar" "$root/scripts/IdleCpu.java" "$busy" $((settle + window + 2)) \
  >"$out" 2>/dev/null &
pid=$!
until grep -q idle "$out" 2>/dev/null; do sleep 0.1; kill -0 "$pid"; done
cat "$out"
sleep "$settle"
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz="$(getconf CLK_TCK)"
t0="$(ticks)"; s0="$(date +%s.%N)"
sleep "$window"
t1="$(ticks)"; s1="$(date +%s.%N)"
wait "$pid"
rm -f "$out"
awk -v t0="$t0" -v t1="$t1" -v s0="$s0" -v s1="$s1" -v hz="$hz" 'BEGIN {
  cpu = (t1 - t0) / hz; wall = s1 - s0;
  printf "idle window %.1f s: %.2f s CPU (user+system) = %.2f%% of one core\n", wall, cpu, 100 * cpu / wall }'
