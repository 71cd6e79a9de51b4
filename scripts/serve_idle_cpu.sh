#!/usr/bin/env bash
# Idle CPU of `rnn4j serve` after it has served: starts the server on CHECKPOINT (loopback, a free port), sends
# REQUESTS streaming generations of 200 tokens (16 at a time), waits SETTLE seconds, then reads the user + system CPU
# time (fields 14 and 15 of /proc/PID/stat) of the whole server process over WINDOW seconds and prints it as a share
# of one core, with the threads that used any. Stops the server (SIGTERM) at the end.
# Usage: scripts/serve_idle_cpu.sh CHECKPOINT [REQUESTS=64] [SETTLE=3] [WINDOW=10]. Builds the rnn4j-cli jar if missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
checkpoint="${1:?usage: scripts/serve_idle_cpu.sh CHECKPOINT [REQUESTS] [SETTLE] [WINDOW]}"
requests="${2:-64}"; settle="${3:-3}"; window="${4:-10}"
jar="$root/rnn4j-cli/target/rnn4j.jar"
[ -f "$jar" ] || (cd "$root" && ./mvnw -q -B -DskipTests -pl rnn4j-cli -am package >&2)
log="$(mktemp)"
java --add-modules jdk.incubator.vector -XX:+UseParallelGC -jar "$jar" serve --checkpoint "$checkpoint" --port 0 \
  >"$log" 2>&1 &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
until url="$(grep -o 'listening on http://[^ ]*' "$log" | cut -d' ' -f3)" && [ -n "$url" ]; do sleep 0.1; kill -0 "$pid"; done
echo "server $url (pid $pid): sending $requests requests"
clients=()
for ((i = 0; i < requests; i++)); do
  curl -sN "$url/v1/generate" -H 'Content-Type: application/json' \
    -d "{\"prompt\": \"a\", \"max_new_tokens\": 200, \"ignore_eos\": true, \"stream\": true, \"strategy\": \"sample\", \"seed\": $i}" \
    >/dev/null &
  clients+=($!)
  if (( ${#clients[@]} == 16 )); then wait "${clients[@]}"; clients=(); fi
done
if (( ${#clients[@]} > 0 )); then wait "${clients[@]}"; fi
sleep "$settle"
ticks() { sed 's/.*) //' "$1" | awk '{print $12 + $13}'; }
# A thread may end between the listing and the read (Jetty retires idle pool threads): it is skipped.
per_thread() {
  local t c s
  for t in /proc/"$pid"/task/*; do
    c="$(cat "$t/comm" 2>/dev/null)" && s="$(ticks "$t/stat" 2>/dev/null)" && [ -n "$s" ] && echo "${t##*/}|$c|$s"
  done
  return 0
}
hz="$(getconf CLK_TCK)"
t0="$(ticks /proc/$pid/stat)"; p0="$(per_thread)"; s0="$(date +%s.%N)"
sleep "$window"
t1="$(ticks /proc/$pid/stat)"; p1="$(per_thread)"; s1="$(date +%s.%N)"
awk -v t0="$t0" -v t1="$t1" -v s0="$s0" -v s1="$s1" -v hz="$hz" 'BEGIN {
  wall = s1 - s0; cpu = (t1 - t0) / hz;
  printf "idle window %.1f s: rnn4j serve used %.2f s CPU (user+system) = %.2f%% of one core\n", wall, cpu, 100 * cpu / wall }'
echo "threads that used CPU in the window (name: seconds):"
join -t '|' <(echo "$p0" | sort) <(echo "$p1" | sort) \
  | awk -F'|' -v hz="$hz" '$5 > $3 { printf "  %s: %.2f\n", $2, ($5 - $3) / hz }'
