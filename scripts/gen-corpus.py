#!/usr/bin/env python3
"""Writes a seeded synthetic text corpus of a given size, for training on corpora larger than memory (issue 17).

Words come from a fixed, seeded list of pronounceable pseudo-words (a few with accented letters, so the file has
multi-byte UTF-8) drawn with Zipf-like frequencies; lines hold 1 to 40 words, with some punctuation and blank lines,
so line lengths vary the way prose does.

    scripts/gen-corpus.py OUT.txt 1G          # 1 GiB (also K, M; a plain number is bytes)
    scripts/gen-corpus.py OUT.txt 50M --seed 7
"""
import argparse
import random
import sys


def size_arg(s):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(s[:-1]) * units[s[-1].upper()]) if s[-1].upper() in units else int(s)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("size", type=size_arg)
    p.add_argument("--seed", type=int, default=17)
    a = p.parse_args()
    rng = random.Random(a.seed)
    onsets = ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "st", "tr", "ch", "sh"]
    vowels = ["a", "e", "i", "o", "u", "ai", "ou", "é", "ü"]
    codas = ["", "", "n", "r", "s", "t", "l", "nd", "st"]
    words = set()
    while len(words) < 20000:
        words.add("".join(rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
                          for _ in range(rng.choice([1, 1, 2, 2, 3]))))
    words = sorted(words)
    rng.shuffle(words)
    cum, total = [], 0.0
    for r in range(len(words)):
        total += 1.0 / (r + 1)
        cum.append(total)
    written = 0
    with open(a.out, "w", encoding="utf-8", newline="\n") as f:
        while written < a.size:
            lines = []
            for _ in range(2000):
                if rng.random() < 0.05:
                    lines.append("")
                    continue
                ws = rng.choices(words, cum_weights=cum, k=rng.randint(1, 40))
                ws[0] = ws[0].capitalize()
                line = " ".join(ws)
                lines.append(line + rng.choice([".", ".", ".", ",", "?", "!", ";"]))
            block = "\n".join(lines) + "\n"
            data = block.encode("utf-8")
            if written + len(data) > a.size:
                data = data[: a.size - written]
                data = data.decode("utf-8", errors="ignore").encode("utf-8")  # never cut a character in two
                data = data[: data.rfind(b"\n") + 1] or data
            f.write(data.decode("utf-8"))
            written += len(data)
            if len(data) == 0:
                break
    print(f"{a.out}: {written:,} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
