"""The batch Merkle tree agrees with RFC 6962 (the Certificate Transparency reference vectors)."""
from __future__ import annotations

import hashlib

from app.audit import merkle

# RFC 6962 test inputs and the reference root of the tree of the first n of them (n = 0 … 8).
LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_the_root_of_every_reference_tree_matches_rfc_6962():
    hashed = [merkle.leaf_hash(bytes.fromhex(leaf)) for leaf in LEAVES]
    assert [merkle.root(hashed[:n]).hex() for n in range(len(LEAVES) + 1)] == ROOTS


def test_a_batch_root_changes_with_any_hash_its_order_or_its_size():
    hashes = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(7)]
    root = merkle.batch_root(hashes)
    assert merkle.batch_root(hashes) == root
    assert merkle.batch_root(hashes[:6]) != root
    assert merkle.batch_root([hashes[1], hashes[0], *hashes[2:]]) != root
    assert merkle.batch_root([*hashes[:3], "0" * 64, *hashes[4:]]) != root
