"""Request bodies beyond their route family's size are answered 413 without being read; JSON nested too deep is
answered 400 before it is parsed."""
from __future__ import annotations

import io

import pytest

from app.request_limits import json_depth_exceeds

MB = 1024 * 1024


class CountingStream(io.RawIOBase):
    """An endless body that counts what the app reads of it."""

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def seekable(self):  # the test client measures its input; an endless body has no end to seek to
        return True

    def seek(self, offset, whence=0):
        return 0

    def tell(self):
        return 0

    def readinto(self, buffer):
        size = min(len(buffer), 64 * 1024)
        buffer[:size] = b"[" * size
        self.read_bytes += size
        return size


def _post(client, path, stream, *, length=None, headers=None, content_type="application/json"):
    """Sends ``stream`` as the body: with a declared length, or chunked (no Content-Length) when ``length`` is None,
    as a WSGI server that de-chunks (waitress) hands it over."""
    environ = ({"CONTENT_LENGTH": str(length)} if length is not None
               else {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True})
    return client.post(path, input_stream=stream, content_type=content_type, headers=headers or {},
                       environ_overrides=environ)


@pytest.mark.parametrize(("path", "limit_key"), [
    ("/api/v1/evaluations", "MAX_CONTENT_LENGTH"),
    ("/api/v1/evaluations/batch", "MAX_CONTENT_LENGTH_BATCH"),
    ("/api/v1/models", "MAX_CONTENT_LENGTH_UPLOAD"),
])
def test_a_declared_length_over_the_family_limit_is_refused_before_the_body_is_read(app, client, world, path,
                                                                                    limit_key):
    stream = CountingStream()
    response = _post(client, path, stream, length=50 * MB, headers=world.headers("client_a"))
    assert response.status_code == 413
    assert response.json["error"]["code"] == "too_large"
    assert stream.read_bytes == 0
    just_over = _post(client, path, CountingStream(), length=app.config[limit_key] + 1,
                      headers=world.headers("client_a"))
    assert just_over.status_code == 413


def test_a_chunked_body_without_length_is_cut_off_at_the_limit(app, client, world):
    stream = CountingStream()
    response = _post(client, "/api/v1/evaluations/batch", stream, headers=world.headers("client_a"))
    assert response.status_code == 413
    assert response.json["error"]["code"] == "too_large"
    assert stream.read_bytes <= app.config["MAX_CONTENT_LENGTH_BATCH"] + 128 * 1024


def test_a_chunked_body_within_the_limit_is_read_whole(client, world):
    response = _post(client, "/api/v1/evaluations/batch", io.BytesIO(b'{"items": [{"level": 9}]}'),
                     headers=world.headers("client_a"))
    assert response.status_code == 200
    assert "level" in response.json["results"][0]["error"]["fields"]


def test_a_batch_larger_than_a_single_call_may_be_is_accepted_by_size(client, world):
    body = b'{"items": [' + b",".join([b'{"comment": "' + b"x" * 900 + b'"}'] * 1200) + b"]}"
    assert 1 * MB < len(body) < 8 * MB
    response = client.post("/api/v1/evaluations/batch", data=body, content_type="application/json",
                           headers=world.headers("client_a"))
    assert response.status_code == 422  # read and validated: more items than a batch may hold
    assert "items" in response.json["error"]["fields"]


def test_a_page_form_over_the_limit_gets_the_413_page(client):
    response = _post(client, "/login", CountingStream(), length=2 * MB,
                     content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "内容过大" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/v1/evaluations", "/api/v1/evaluations/batch"])
def test_json_nested_a_thousand_deep_is_a_400_in_the_error_format(client, world, path):
    body = "[" * 1000 + "]" * 1000
    response = client.post(path, data=body, content_type="application/json", headers=world.headers("client_a"))
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"
    assert "嵌套" in response.json["error"]["message"]


def test_json_nested_within_the_limit_reaches_validation(client, world):
    body = '{"items": [' + "[" * 20 + "]" * 20 + "]}"
    response = client.post("/api/v1/evaluations/batch", data=body, content_type="application/json",
                           headers=world.headers("client_a"))
    assert response.status_code == 200
    assert response.json["rejected"] == 1


@pytest.mark.parametrize(("text", "deeper_than_3"), [
    (b'[[[["x"]]]]', True),
    (b'[[["[[[[{{{{"]]]', False),  # brackets inside strings do not nest
    (b'[[["\\"[[[[[[["]]]', False),  # nor after an escaped quote
    (b'{"a": {"b": {"c": {"d": 1}}}}', True),
    (b'[[[]],[[]],[[]],[[]]]', False),
    (b'["unterminated [[[[[[', False),
    (b'"\\', False),
])
def test_the_depth_scan_counts_only_brackets_outside_strings(text, deeper_than_3):
    assert json_depth_exceeds(text, 3) is deeper_than_3
