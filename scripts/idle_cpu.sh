#!/usr/bin/env bash
# Idle CPU of a JVM that has run a model: starts scripts/IdleCpu.java (a GRU on rnn4j's thread team for BUSY seconds,
# then nothing), waits SETTLE seconds after it says "idle" (the JIT may still finish compiling), then reads the user +
# system CPU time (fields 14 and 15 of /proc/PID/stat) of the whole process and of rnn4j's helper threads
# (/proc/PID/task/*/stat of the threads named rnn4j-worker-*) over WINDOW seconds, and prints each as a share of one
# core. Usage: scripts/idle_cpu.sh [BUSY=20] [SETTLE=2] [WINDOW=10]. Builds the rnn4j-cli jar if it is missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
busy="${1:-20}"; settle="${2:-2}"; window="${3:-10}"
jar="$root/rnn4j-cli/target/rnn4j.jar"
[ -f "$jar" ] || (cd "$root" && ./mvnw -q -B -DskipTests -pl rnn4j-cli -am package >&2)
out="$(mktemp)"
java --add-modules jdk.incubator.vector -XX:+UseParallelGC -cp "$jar" "$root/scripts/IdleCpu.java" "$busy" $((settle + window + 15)) \
  >"$out" 2>/dev/null &
pid=$!
until grep -q idle "$out" 2>/dev/null; do sleep 0.1; kill -0 "$pid"; done
cat "$out"
sleep "$settle"
# The comm field is in parentheses and may hold spaces: count fields from after the last ')'.
ticks() { sed 's/.*) //' "$1" | awk '{print $12 + $13}'; }
worker_ticks() {
  local sum=0 t
  for t in /proc/"$pid"/task/*; do
    if grep -q '^rnn4j-worker' "$t/comm" 2>/dev/null; then sum=$((sum + $(ticks "$t/stat"))); fi
  done
  echo "$sum"
}
workers="$(grep -l '^rnn4j-worker' /proc/"$pid"/task/*/comm 2>/dev/null | wc -l)"
hz="$(getconf CLK_TCK)"
per_thread() { local t; for t in /proc/"$pid"/task/*; do echo "${t##*/}|$(cat "$t/comm")|$(ticks "$t/stat")"; done; }
t0="$(ticks /proc/$pid/stat)"; w0="$(worker_ticks)"; p0="$(per_thread)"; s0="$(date +%s.%N)"
sleep "$window"
t1="$(ticks /proc/$pid/stat)"; w1="$(worker_ticks)"; p1="$(per_thread)"; s1="$(date +%s.%N)"
wait "$pid"
rm -f "$out"
awk -v t0="$t0" -v t1="$t1" -v w0="$w0" -v w1="$w1" -v s0="$s0" -v s1="$s1" -v hz="$hz" -v n="$workers" 'BEGIN {
  wall = s1 - s0; cpu = (t1 - t0) / hz; wcpu = (w1 - w0) / hz;
  printf "idle window %.1f s: whole JVM %.2f s CPU (user+system) = %.2f%% of one core\n", wall, cpu, 100 * cpu / wall;
  printf "                   rnn4j helper threads (%d): %.2f s CPU = %.2f%% of one core\n", n, wcpu, 100 * wcpu / wall }'
echo "threads that used CPU in the window (name: seconds):"
join -t '|' <(echo "$p0" | sort) <(echo "$p1" | sort) \
  | awk -F'|' -v hz="$hz" '$5 > $3 { printf "  %s: %.2f\n", $2, ($5 - $3) / hz }'
