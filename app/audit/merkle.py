"""Merkle tree hashing of RFC 6962 (Certificate Transparency) §2.1, over the event hashes of one sealed batch.

Leaves are hashed as SHA-256(0x00 || data) and interior nodes as SHA-256(0x01 || left || right); a tree of n
leaves splits at the largest power of two below n. The root of a batch is stored in its checkpoint, so any
change to an event hash, its order or the batch's size changes the root. Verified against the reference
roots of the RFC 6962 test vectors (tests/audit/test_merkle.py).
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of the given leaf hashes (already passed through ``leaf_hash``)."""
    n = len(leaf_hashes)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hashes[0]
    split = 1 << ((n - 1).bit_length() - 1)  # largest power of two smaller than n
    return node_hash(root(leaf_hashes[:split]), root(leaf_hashes[split:]))


def batch_root(event_hashes: Sequence[str]) -> str:
    """The root over a batch of hex event hashes, in seq order, as hex."""
    return root([leaf_hash(bytes.fromhex(h)) for h in event_hashes]).hex()
