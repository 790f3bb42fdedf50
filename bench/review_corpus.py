"""Screening quality and speed on the labelled corpus (bench/corpus/review.jsonl).

Prints, per detector, recall (planted items found) and precision (findings that were planted), the
share of clean documents with any finding (false-positive rate), documents missed per kind, and the
time to screen a 10 KB document (p50, p99 CPU time, one core) with the shipped keywords and with 5,000.
Regenerate the corpus with bench/corpus/make_review_corpus.py; another corpus file can be given as the
first argument (e.g. one made with ``--seed`` for a held-out check).
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from gongkai.review import policy as policies
from gongkai.review.screening import Screener
from gongkai.review.screening.keywords import KeywordFile, Keywords, Term

CORPUS = Path(__file__).parent / "corpus" / "review.jsonl"


def overlaps(finding, planted: dict, field_text: str) -> bool:
    """The finding covers (part of) an occurrence of the planted text in its field."""
    if finding.field != planted["field"]:
        return False
    start = field_text.find(planted["text"])
    while start >= 0:
        if finding.start < start + len(planted["text"]) and start < finding.end:
            return True
        start = field_text.find(planted["text"], start + 1)
    return False


def quality(screener: Screener, documents: list[dict]) -> None:
    found, planted_count, true_pos, all_pos, blocking = Counter(), Counter(), Counter(), Counter(), Counter()
    clean_flagged, clean_total, misses = 0, 0, []
    for doc in documents:
        findings = screener.screen(doc["title"], doc["body"])
        texts = {"title": doc["title"], "body": doc["body"]}
        for planted in doc["planted"]:
            planted_count[planted["detector"]] += 1
            hits = [f for f in findings
                    if f.detector == planted["detector"] and overlaps(f, planted, texts[planted["field"]])]
            if hits:
                found[planted["detector"]] += 1
                blocking[planted["detector"]] += any(f.severity == "blocked" for f in hits)
            else:
                misses.append((doc["id"], planted["detector"], planted["text"]))
        for f in findings:
            all_pos[f.detector] += 1
            if any(p["detector"] == f.detector and overlaps(f, p, texts[p["field"]]) for p in doc["planted"]):
                true_pos[f.detector] += 1
        if doc["kind"] in ("clean", "tricky"):
            clean_total += 1
            if findings:
                clean_flagged += 1
                misses.append((doc["id"], "FALSE POSITIVE", "; ".join(f"{f.detector}:{f.text}" for f in findings)))
    print(f"corpus: {len(documents)} documents {dict(Counter(d['kind'] for d in documents))}")
    print(f"{'detector':24} {'planted':>8} {'found':>6} {'recall':>8} {'findings':>9} {'precision':>10}")
    for detector in sorted(set(planted_count) | set(all_pos)):
        recall = found[detector] / planted_count[detector] if planted_count[detector] else float("nan")
        precision = true_pos[detector] / all_pos[detector] if all_pos[detector] else float("nan")
        print(f"{detector:24} {planted_count[detector]:8} {found[detector]:6} {recall:8.1%} {all_pos[detector]:9} "
              f"{precision:10.1%}")
    print(f"classification markings found as blocking: {blocking['classification-marking']}"
          f"/{planted_count['classification-marking']}")
    print(f"clean documents with a finding (false-positive rate): {clean_flagged}/{clean_total} "
          f"= {clean_flagged / clean_total:.1%}")
    for line in misses[:30]:
        print("  missed or false:", *line)


def ten_kb(documents: list[dict]) -> str:
    rng = random.Random(7)
    parts, size = [], 0
    while size < 10 * 1024:
        text = rng.choice(documents)["body"]
        parts.append(text)
        size += len(text.encode("utf-8"))
    return "\n".join(parts)


def speed(label: str, screener: Screener, text: str, runs: int = 500) -> None:
    for _ in range(20):
        screener.screen("关于调整公交线路的公告", text)
    times = []
    for _ in range(runs):
        start = time.process_time()
        screener.screen("关于调整公交线路的公告", text)
        times.append((time.process_time() - start) * 1000)
    times.sort()
    print(f"screening a {len(text.encode('utf-8')) / 1024:.1f} KB document, {label}: "
          f"p50 {statistics.median(times):.2f} ms, p99 {times[int(runs * 0.99) - 1]:.2f} ms "
          f"({runs} runs, CPU time on one core)")


def main() -> int:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    documents = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    policy = policies.load(policies.DEFAULT_POLICY)
    shipped = Screener(policy, KeywordFile(policy.keywords))
    quality(shipped, documents)
    text = ten_kb(documents)
    speed("shipped keywords", shipped, text)
    rng = random.Random(11)
    chars = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 3000))
    many = Screener(policy, KeywordFile(None))
    many.keywords.keywords = Keywords([Term("".join(rng.choice(chars) for _ in range(rng.randrange(2, 6))),
                                            "medium", "bench") for _ in range(5000)])
    speed(f"{many.keywords.keywords.size} keywords", many, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
