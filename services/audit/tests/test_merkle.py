"""The Merkle tree against the published RFC 6962 test vectors, and proofs from stored subtrees.

Vectors copied from transparency-dev/merkle, proof/verify_test.go (Apache 2.0): the eight leaves,
the roots of the trees of sizes 1–8, inclusion proofs (``inclusionProofs``, leaf numbers 1-based as
there) and consistency proofs (``consistencyProofs``); the corrupted-proof probes follow that file's
``corruptInclusionProof`` and ``corruptConsistencyProof``.
"""

from __future__ import annotations

import hashlib
import random

import pytest
from gongkai.audit import merkle
from gongkai.audit.merkle import Frontier, ProofError, leaf_hash

LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f")]
ROOTS = [bytes.fromhex(h) for h in (
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]
EMPTY_ROOT = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


def h(*hexes: str) -> list[bytes]:
    return [bytes.fromhex(x) for x in hexes]


INCLUSION = [  # (leaf, 1-based as in the source; size; proof)
    (1, 1, []),
    (1, 8, h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (6, 8, h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (3, 3, h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (2, 5, h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
]
CONSISTENCY = [  # (size1, size2, proof)
    (1, 1, []),
    (1, 8, h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
    (6, 8, h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
    (2, 5, h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
    (6, 7, h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
             "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
]


def store(leaves: list[bytes]) -> dict[tuple[int, int], bytes]:
    """Every complete subtree, as the audit store keeps them."""
    frontier, nodes = Frontier(), {}
    for leaf in leaves:
        nodes.update({(level, index): digest for level, index, digest in frontier.append(leaf_hash(leaf))})
    return nodes


def inclusion(index: int, size: int, nodes) -> list[bytes]:
    return [merkle.range_hash(r, nodes) for r in merkle.inclusion_ranges(index, size)]


def consistency(old: int, new: int, nodes) -> list[bytes]:
    return [merkle.range_hash(r, nodes) for r in merkle.consistency_ranges(old, new)]


def test_the_empty_tree_and_every_size_up_to_eight_have_the_published_roots():
    assert merkle.root_of(0, {}) == EMPTY_ROOT == Frontier().root()
    nodes = store(LEAVES)
    frontier = Frontier()
    for size in range(1, 9):
        frontier.append(leaf_hash(LEAVES[size - 1]))
        assert merkle.root_of(size, nodes) == frontier.root() == ROOTS[size - 1]


@pytest.mark.parametrize(("leaf", "size", "proof"), INCLUSION)
def test_inclusion_proofs_are_the_published_ones_and_verify(leaf, size, proof):
    nodes = store(LEAVES[:size])
    assert inclusion(leaf - 1, size, nodes) == proof
    merkle.verify_inclusion(leaf - 1, size, leaf_hash(LEAVES[leaf - 1]), proof, ROOTS[size - 1])


def inclusion_probes(index, size, proof, root, leaf):
    probes = [(index - 1, size, root, leaf, proof), (index + 1, size, root, leaf, proof),
              (index ^ 2, size, root, leaf, proof), (index, size * 2, root, leaf, proof),
              (index, size // 2, root, leaf, proof), (index, size, root, b"WrongLeaf", proof),
              (index, size, EMPTY_ROOT, leaf, proof), (index, size, SOME_HASH, leaf, proof),
              (index, size, root, leaf, [*proof, b""]), (index, size, root, leaf, [*proof, root]),
              (index, size, root, leaf, [b"", *proof]), (index, size, root, leaf, [root, *proof])]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        probes.append((index, size, root, leaf, flipped))
    if proof:
        probes.append((index, size, root, leaf, proof[:-1]))
    if len(proof) > 1:
        probes.append((index, size, root, leaf, [SOME_HASH, proof[0], *proof[1:]]))
    return probes


@pytest.mark.parametrize(("leaf", "size", "proof"), INCLUSION)
def test_corrupted_inclusion_proofs_are_refused(leaf, size, proof):
    for index, bad_size, root, leaf_digest, bad_proof in inclusion_probes(
            leaf - 1, size, proof, ROOTS[size - 1], leaf_hash(LEAVES[leaf - 1])):
        with pytest.raises(ProofError):
            merkle.verify_inclusion(index, bad_size, leaf_digest, bad_proof, root)


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proofs_are_the_published_ones_and_verify(old, new, proof):
    nodes = store(LEAVES[:new])
    assert consistency(old, new, nodes) == proof
    merkle.verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], proof)


@pytest.mark.parametrize(("old", "new", "proof"), [v for v in CONSISTENCY if v[2]])
def test_corrupted_consistency_proofs_are_refused(old, new, proof):
    r1, r2 = ROOTS[old - 1], ROOTS[new - 1]
    probes = [(old - 1, new, r1, r2, proof), (old + 1, new, r1, r2, proof), (old ^ 2, new, r1, r2, proof),
              (old, new * 2, r1, r2, proof), (old, new // 2, r1, r2, proof), (old, new, b"WrongRoot", r2, proof),
              (old, new, r1, b"WrongRoot", proof), (old, new, r2, r1, proof), (old, new, r1, r2, []),
              (old, new, r1, r2, [*proof, b""]), (old, new, r1, r2, [*proof, r1]), (old, new, r1, r2, [*proof, r2]),
              (old, new, r1, r2, [b"", *proof]), (old, new, r1, r2, [r1, *proof]), (old, new, r1, r2, [r2, *proof]),
              (old, new, r1, r2, [proof[0], *proof]), (old, new, r1, r2, proof[:-1])]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        probes.append((old, new, r1, r2, flipped))
    for size1, size2, root1, root2, bad in probes:
        with pytest.raises(ProofError):
            merkle.verify_consistency(size1, size2, root1, root2, bad)


@pytest.mark.parametrize(("old", "new", "root1", "root2", "proof", "ok"), [
    (0, 0, b"r1", b"r2", [], False), (1, 1, b"r1", b"r2", [], False),
    (0, 0, b"r1", b"r1", [], True), (0, 1, b"r1", b"r2", [], True), (1, 1, b"r2", b"r2", [], True),
    (1, 0, b"r1", b"r2", [], False), (2, 1, b"r1", b"r2", [], False), (1, 2, b"r1", b"r2", [], False),
    (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False), (0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
    (1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
])
def test_trivial_consistency_cases_follow_the_reference(old, new, root1, root2, proof, ok):
    if ok:
        merkle.verify_consistency(old, new, root1, root2, proof)
    else:
        with pytest.raises(ProofError):
            merkle.verify_consistency(old, new, root1, root2, proof)


def test_proofs_from_stored_subtrees_verify_for_every_pair_of_sizes_up_to_70():
    leaves = [hashlib.sha256(str(i).encode()).digest() for i in range(70)]
    nodes = store(leaves)
    roots = {n: merkle.root_of(n, nodes) for n in range(71)}
    for new in range(1, 71):
        for index in range(new):
            merkle.verify_inclusion(index, new, leaf_hash(leaves[index]), inclusion(index, new, nodes), roots[new])
        for old in range(0, new + 1):
            merkle.verify_consistency(old, new, roots[old], roots[new], consistency(old, new, nodes))


def test_a_proof_touches_few_stored_nodes_even_at_a_billion_entries():
    rng = random.Random(7)
    for _ in range(100):
        size = rng.randrange(1, 10**9)
        ranges = merkle.inclusion_ranges(rng.randrange(size), size)
        assert len(merkle.proof_nodes(ranges)) <= 2 * 30
        old = rng.randrange(1, size + 1)
        assert len(merkle.proof_nodes(merkle.consistency_ranges(old, size))) <= 3 * 30
