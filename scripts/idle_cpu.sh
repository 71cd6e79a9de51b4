#!/usr/bin/env bash
# Idle CPU of a JVM that has run a model: starts scripts/IdleCpu.java (a 2-layer bidirectional GRU, inference and
# some training steps, on rnn4j's thread team for BUSY seconds, then nothing), waits SETTLE seconds after it says
# "idle", then reads the CPU time of every thread of the process over the next WINDOW seconds: the scheduler's run time
# (first field of /proc/PID/task/TID/schedstat, in nanoseconds, not rounded to clock ticks). Prints the whole process,
# rnn4j's helper threads (named rnn4j-worker-*) and each thread that ran, as shares of one core.
# Then, for comparison, the same for a JVM started the same way that builds the model but runs nothing (BUSY 0): what
# the JVM's own periodic threads cost on this machine without rnn4j having computed anything.
# Usage: scripts/idle_cpu.sh [BUSY=20] [SETTLE=2] [WINDOW=10]; IDLE_GC picks the collector (default
# -XX:+UseParallelGC, as bin/rnn4j; -XX:+UseG1GC is the JVM's own default), IDLE_JAVA_OPTS adds JVM options to both
# runs. Builds the rnn4j-cli jar if it is missing.
# On a machine where the kernel's DAMON runs proactive reclaim (the line "kernel memory monitor" says so), each
# wake-up of the JVM's periodic threads costs more as the process holds more memory; the JVM's figure then depends
# on the heap the run left behind, while rnn4j's threads stay at zero. As root, IDLE_DAMON=off stops the monitor for
# the two runs and starts it again when the script ends, to compare.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
busy="${1:-20}"; settle="${2:-2}"; window="${3:-10}"
jar="$root/rnn4j-cli/target/rnn4j.jar"
[ -f "$jar" ] || (cd "$root" && ./mvnw -q -B -DskipTests -pl rnn4j-cli -am package >&2)

# One line per thread: tid|name|run time in ns.
snapshot() {
  local t
  for t in /proc/"$1"/task/*; do
    echo "${t##*/}|$(cat "$t/comm" 2>/dev/null)|$(cut -d' ' -f1 "$t/schedstat" 2>/dev/null)"
  done | sort
}

measure() { # BUSY: runs IdleCpu, prints its line and the window's figures
  local out pid p0 p1 s0 s1
  out="$(mktemp)"
  java --add-modules jdk.incubator.vector ${IDLE_GC:--XX:+UseParallelGC} ${IDLE_JAVA_OPTS:-} -cp "$jar" "$root/scripts/IdleCpu.java" "$1" \
    $((settle + window + 15)) >"$out" 2>/dev/null &
  pid=$!
  until grep -q idle "$out" 2>/dev/null; do sleep 0.1; kill -0 "$pid"; done
  cat "$out"
  sleep "$settle"
  echo "resident memory at the window's start: $(awk '/VmRSS/ {print $2, $3}' /proc/"$pid"/status)"
  p0="$(snapshot "$pid")"; s0="$(date +%s.%N)"
  sleep "$window"
  p1="$(snapshot "$pid")"; s1="$(date +%s.%N)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -f "$out"
  join -t '|' <(echo "$p0") <(echo "$p1") | awk -F'|' -v s0="$s0" -v s1="$s1" '
    { d = ($5 - $3) / 1e9; if (d < 0) d = 0; all += d; if ($2 ~ /^rnn4j-worker/) { w += d; n++ }
      if (d >= 0.0005) ran = ran sprintf("  %s: %.3f s\n", $2, d) }
    END { wall = s1 - s0;
      printf "idle window %.1f s: whole JVM %.3f s CPU = %.2f%% of one core\n", wall, all, 100 * all / wall;
      printf "  rnn4j helper threads (%d): %.3f s CPU = %.2f%% of one core\n", n, w, 100 * w / wall;
      printf "threads that ran at least 0.5 ms in the window:\n%s", ran }'
}

damon=/sys/kernel/mm/damon/admin/kdamonds
if [ "${IDLE_DAMON:-}" = off ] && [ "$(cat "$damon/0/state" 2>/dev/null)" = on ]; then
  echo off >"$damon/0/state"
  trap 'echo on >"$damon/0/state"' EXIT
fi
if [ -r "$damon/0/state" ]; then
  echo "kernel memory monitor (DAMON) kdamond 0: $(cat "$damon/0/state")," \
    "actions: $(cat "$damon"/0/contexts/*/schemes/*/action 2>/dev/null | tr '\n' ' ')"
fi
echo "collector: ${IDLE_GC:--XX:+UseParallelGC} ${IDLE_JAVA_OPTS:-}"
echo "== a JVM that ran the model for ${busy} s, then idled ${settle} s before the window"
measure "$busy"
echo "== for comparison: the same JVM that built the model and ran nothing"
measure 0
