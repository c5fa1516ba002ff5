"""Compression is transport only: what a client decodes is byte for byte what it would get plain."""
import gzip

import brotli
import pytest


@pytest.mark.parametrize("path", ["/api/v1/kindergartens", "/kindergartens", "/queue/lookup?q=GM-2026-000001"])
@pytest.mark.parametrize("encoding, decode", [("gzip", gzip.decompress), ("br", brotli.decompress)])
def test_a_compressed_body_decodes_to_the_plain_one(client, site, path, encoding, decode):
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    packed = client.get(path, headers={"Accept-Encoding": encoding})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert decode(packed.data) == plain.data
    assert len(packed.data) < len(plain.data)
