"""A later page's request, built from the previous one, is the request the SDK would build.

``OrdergrooveHTTPStream.build_prepared_request`` prepares only the URL (and the
authenticator, which may rewrite it) when nothing else changed since the previous request;
here every request it builds along a cursor chain is compared with the SDK's own
``build_prepared_request`` for the same arguments: URL, method, headers, body, hooks.
"""

from __future__ import annotations

import requests
from singer_sdk import RESTStream
from singer_sdk.streams.rest import PageContext

from tap_ordergroove.tap import TapOrdergroove

NEXT_URLS = [
    "/orders/?page_size=100&cursor=WyIyMDIzLTAxLTEwIDE2OjE1OjI4IiwgIjU5YWMxYmU4ZTkwZDRjZmRhOGNiY2Y4ZWZmMjhmMDVhIiwgMF0=",
    "/orders/?cursor=abc%2Bdef%3D%3D&page_size=100&updated_start=2023-01-01T00%3A00%3A00",
    "/orders/?cursor=a+b&x=1&x=2&empty=",
    "/orders/?page_size=100&cursor=%E2%9C%93&next=/x?y=z",
    "/orders/?cursor=caf\u00e9 and space",
]


def _fields(prepared: requests.PreparedRequest) -> tuple:
    return (
        prepared.method,
        prepared.url,
        list(prepared.headers.items()),
        prepared.body,
        prepared.hooks,
        prepared._cookies.get_dict(),
    )


def _stream(base_url: str):
    tap = TapOrdergroove(
        config={"api_key": "key-0123456789", "base_url": base_url}, parse_env_config=False
    )
    return tap.streams["orders"]


def _sdk_request(stream, **kwargs) -> requests.PreparedRequest:
    return RESTStream.build_prepared_request(stream, **kwargs)


def test_each_later_page_is_the_request_the_sdk_would_build():
    base = "http://127.0.0.1:9"
    stream, reference = _stream(base), _stream(base)
    first = stream.get_http_request(
        page=PageContext(
            stream_context={"start": "2023-01-01T00:00:00+00:00"}, next_page_token=None
        )
    )
    kwargs = {
        "method": first.method,
        "url": first.url,
        "params": first.encode_params(),
        "headers": first.headers,
        "json": first.data,  # as the SDK's _prepare_request passes them (payload_as_json)
    }
    assert kwargs["params"], "the first page carries its filters"
    built = [stream.build_prepared_request(**dict(kwargs, headers=dict(first.headers)))]
    expected = [_sdk_request(reference, **dict(kwargs, headers=dict(first.headers)))]
    for path in NEXT_URLS:
        page = {"method": "GET", "url": base + path, "params": "", "json": None}
        page["headers"] = stream.http_headers
        built.append(stream.build_prepared_request(**dict(page, headers=dict(page["headers"]))))
        expected.append(_sdk_request(reference, **dict(page, headers=dict(page["headers"]))))
    assert stream._request_template is not None, "later pages reused the previous request"
    assert [_fields(p) for p in built] == [_fields(p) for p in expected]


def test_a_session_with_cookies_builds_each_request_in_full():
    base = "http://127.0.0.1:9"
    stream, reference = _stream(base), _stream(base)
    page = {"method": "GET", "url": base + NEXT_URLS[0], "params": "", "json": None}
    stream.build_prepared_request(**page, headers=dict(stream.http_headers))
    for session in (stream.requests_session, reference.requests_session):
        session.cookies.set("AWSALB", "lb-1", domain="127.0.0.1", path="/")
    built = stream.build_prepared_request(**page, headers=dict(stream.http_headers))
    expected = _sdk_request(reference, **page, headers=dict(reference.http_headers))
    assert built.headers["Cookie"] == "AWSALB=lb-1"
    assert _fields(built) == _fields(expected)
