from __future__ import annotations

from rotation.keys import KEY_PATTERN, fingerprint, generate_key, is_key, redact


def test_generated_keys_have_the_synap_shape_and_differ() -> None:
    keys = {generate_key() for _ in range(200)}
    assert len(keys) == 200
    for key in keys:
        assert is_key(key)
        assert len(key) == 64


def test_pattern_rejects_near_misses() -> None:
    body = "A" * 58
    assert is_key("synap_" + body)
    assert not is_key("synap_" + body[:-1])
    assert not is_key("synap_" + body + "B")
    assert not is_key("synap_" + body[:-1] + "-")
    assert KEY_PATTERN.search("x_synap_" + body) is None
    assert KEY_PATTERN.search('key="synap_' + body + '"') is not None


def test_redact_never_returns_the_key() -> None:
    key = generate_key()
    preview = redact(key)
    assert preview.startswith("synap_") and preview.endswith("…")
    assert len(preview) == 11
    assert key not in preview


def test_fingerprint_is_sha256_hex() -> None:
    assert fingerprint("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
