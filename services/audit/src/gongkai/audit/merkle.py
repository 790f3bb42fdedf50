"""The RFC 6962 Merkle tree over the log, as pure functions (no I/O).

Leaf ``i`` (0-based) is the body of the entry with ``seq = i + 1``. Hashes:
``leaf = SHA-256(0x00 ‖ body)``, ``node = SHA-256(0x01 ‖ left ‖ right)``; the tree of ``n`` leaves
splits at the largest power of two below ``n`` (RFC 6962 §2.1, RFC 9162 §2.1).

The store keeps every *complete* subtree: node ``(level, index)`` is the hash of leaves
``[index·2^level, (index+1)·2^level)``. Every range a proof needs splits into at most ~64 of those,
so a proof at any size costs one small lookup (``Range.nodes``), never a recomputation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

EMPTY_ROOT = hashlib.sha256(b"").digest()

Node = tuple[int, int]  # (level, index)


class ProofError(ValueError):
    """A proof does not verify; the message says why."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(size: int) -> int:
    """The largest power of two strictly below ``size`` (``size`` ≥ 2)."""
    return 1 << ((size - 1).bit_length() - 1)


@dataclass(frozen=True)
class Range:
    """Leaves ``[start, end)``: a proof element is the Merkle tree hash of such a range."""

    start: int
    end: int

    def nodes(self) -> list[Node]:
        """The complete subtrees this range is made of, left to right (largest first)."""
        parts, start = [], self.start
        while start < self.end:
            size = 1 << ((self.end - start).bit_length() - 1)
            while start % size:
                size >>= 1
            parts.append((size.bit_length() - 1, start // size))
            start += size
        return parts


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of a range from its complete subtrees (largest first): RFC 6962 hashes right to left."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def range_hash(r: Range, nodes: Mapping[Node, bytes]) -> bytes:
    return fold([nodes[n] for n in r.nodes()])


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """PATH(index, D[0:size]) of RFC 6962 §2.1.1, as ranges, from the leaf up."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    path, start, end = [], 0, size
    while end - start > 1:
        k = split(end - start)
        if index < start + k:
            path.append(Range(start + k, end))
            end = start + k
        else:
            path.append(Range(start, start + k))
            start += k
    return path[::-1]


def consistency_ranges(old: int, new: int) -> list[Range]:
    """PROOF(old, D[0:new]) of RFC 6962 §2.1.2, as ranges."""
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from size {old} to size {new}")
    if old in (0, new):
        return []

    def subproof(m: int, start: int, end: int, complete: bool) -> list[Range]:
        n = end - start
        if m == n:
            return [] if complete else [Range(start, end)]
        k = split(n)
        if m <= k:
            return [*subproof(m, start, start + k, complete), Range(start + k, end)]
        return [*subproof(m - k, start + k, end, False), Range(start, start + k)]

    return subproof(old, 0, new, True)


def proof_nodes(ranges: Iterable[Range]) -> set[Node]:
    return {node for r in ranges for node in r.nodes()}


def root_nodes(size: int) -> list[Node]:
    return Range(0, size).nodes() if size else []


def root_of(size: int, nodes: Mapping[Node, bytes]) -> bytes:
    return range_hash(Range(0, size), nodes) if size else EMPTY_ROOT


# ---- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) -----------------------------------------


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is beyond the tree size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the proof is shorter than the tree is deep")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError(f"leaf {index} is not in the tree of size {size} with this root")


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    if not 0 <= old <= new:
        raise ProofError(f"size {new} is smaller than size {old}")
    if old == new:
        if proof:
            raise ProofError("equal sizes take an empty proof")
        if old_root != new_root:
            raise ProofError("equal sizes with different roots")
        return
    if old == 0:
        if proof:
            raise ProofError("a proof from the empty tree is empty")
        return
    if not proof:
        raise ProofError("the proof is empty")
    path = list(proof)
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the proof is longer than expected")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the proof is shorter than expected")
    if fr != old_root:
        raise ProofError(f"the proof does not lead to the root of size {old}")
    if sr != new_root:
        raise ProofError(f"the proof does not lead to the root of size {new}")


# ---- building: the compact range (the frontier of complete subtrees) -------------------------


@dataclass
class Frontier:
    """The complete subtrees covering leaves ``[0, size)``, largest first; appending yields the new nodes."""

    size: int = 0
    stack: list[tuple[int, int, bytes]] = field(default_factory=list)  # (level, index, hash)

    @classmethod
    def at(cls, size: int, nodes: Mapping[Node, bytes]) -> Frontier:
        return cls(size, [(level, index, nodes[(level, index)]) for level, index in root_nodes(size)])

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; returns every node it completes (the leaf itself first)."""
        made = [(0, self.size, leaf)]
        self.stack.append(made[0])
        self.size += 1
        while len(self.stack) > 1 and self.stack[-1][0] == self.stack[-2][0]:
            level, _, right = self.stack.pop()
            _, index, left = self.stack.pop()
            parent = (level + 1, index // 2, node_hash(left, right))
            self.stack.append(parent)
            made.append(parent)
        return made

    def root(self) -> bytes:
        return fold([h for _, _, h in self.stack]) if self.stack else EMPTY_ROOT
