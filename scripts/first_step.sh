#!/usr/bin/env bash
# Time to the first training step on a large text file (issue 17), beside one read of the same file.
# Prints, for FILE:
#   - one read with dd (1 MiB blocks to /dev/null): warm (pages cached), and cold (the kernel's page cache dropped
#     first; only as root, otherwise skipped);
#   - the JVM's own start (`java -version`) and rnn4j's (`rnn4j --version`), the floor of any rnn4j command;
#   - `rnn4j train --data FILE` on a new run directory (so the token file is built): seconds from the command's start
#     to "data ready" (the "rnn4j train: ..." line, printed after the token pass and the model's construction) and to
#     the first line of metrics.jsonl (step 1 done), then a new run in a folder that holds that token
#     file (reused after one CRC-32C read of the text).
# Usage: scripts/first_step.sh FILE [HIDDEN=64]   (a 1 GiB corpus: scripts/gen-corpus.py /tmp/big1g.txt 1G)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
file="$1"; hidden="${2:-64}"
jar="$root/rnn4j-cli/target/rnn4j.jar"
[ -f "$jar" ] || (cd "$root" && ./mvnw -q -B -DskipTests -pl rnn4j-cli -am package >&2)
java_cmd=(java --add-modules jdk.incubator.vector -XX:+UseParallelGC ${RNN4J_JAVA_OPTS:-} -jar "$jar")

secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }
echo "file: $file, $(stat -c %s "$file") bytes"
for i in 1 2 3; do
  echo "one read, warm: $(dd if="$file" of=/dev/null bs=1M 2>&1 | tail -1)"
done
if [ "$(id -u)" = 0 ] && [ -w /proc/sys/vm/drop_caches ]; then
  sync; echo 1 >/proc/sys/vm/drop_caches
  echo "one read, cold: $(dd if="$file" of=/dev/null bs=1M 2>&1 | tail -1)"
else
  echo "one read, cold: skipped (needs root to drop the page cache)"
fi
for i in 1 2 3; do
  t0=$(date +%s.%N); java -version 2>/dev/null; t1=$(date +%s.%N)
  "${java_cmd[@]}" --version >/dev/null 2>&1; t2=$(date +%s.%N)
  echo "start: java -version $(secs "$t0" "$t1") s, rnn4j --version $(secs "$t1" "$t2") s"
done

run() { # OUT: one training run, stopped after step 1; prints the two times
  local out="$1" log t0 ready="" first=""
  log="$(mktemp)"
  t0=$(date +%s.%N)
  "${java_cmd[@]}" train --data "$file" --hidden-size "$hidden" --steps 100000 --stop-after 1 --eval-every 0 \
    --checkpoint-every 0 --samples 0 --no-progress --out "$out" >"$log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if [ -z "$ready" ] && grep -q '^rnn4j train:' "$log"; then ready=$(date +%s.%N); fi
    if [ -z "$first" ] && [ -s "$out/metrics.jsonl" ]; then first=$(date +%s.%N); fi
    sleep 0.02
  done
  wait "$pid" || { cat "$log"; rm -f "$log"; return 1; }
  [ -n "$ready" ] || ready=$(date +%s.%N)
  [ -n "$first" ] || first=$(date +%s.%N)
  echo "  data ready after $(secs "$t0" "$ready") s, step 1 done after $(secs "$t0" "$first") s"
  rm -f "$log"
}
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "rnn4j train --data FILE --hidden-size $hidden, new run (token file built):"
run "$work/a"
echo "the same, a new run in a folder that holds the first run's token file (reused: only its CRC-32C is checked):"
mkdir -p "$work/b"; cp "$work/a/tokens.bin" "$work/b/"
run "$work/b"
