"""Password and PIN hashing: a miss is checked against a stand-in hash, made when an app starts
rather than when the module is imported."""

from __future__ import annotations

import subprocess
import sys

from app.adapters import hashing


def test_a_secret_verifies_against_its_own_hash_only() -> None:
    stored = hashing.hash_secret("258369")
    assert hashing.verify_secret(stored, "258369")
    assert not hashing.verify_secret(stored, "258368")
    assert not hashing.verify_secret("not a hash", "258369")


def test_no_stored_hash_never_verifies_even_against_the_stand_in_secret() -> None:
    assert not hashing.verify_secret(None, "no account has this password")


def test_configuring_makes_the_stand_in_hash_before_the_first_miss() -> None:
    hashing.configure("cheapest")
    assert "dummy" in vars(hashing._current)  # made now: the first miss costs one hash


def test_importing_the_module_spends_no_hash() -> None:
    program = (
        "from app.adapters import hashing; import sys; sys.exit('dummy' in vars(hashing._current))"
    )
    done = subprocess.run([sys.executable, "-c", program], check=False, timeout=60)
    assert done.returncode == 0
