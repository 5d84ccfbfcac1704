"""REST error mapping (rest-api.md §6): every shape Nutshell answers with, to a typed error.

Bodies are the recorded fixtures where one exists; HTTP is mocked with ``responses``.
"""

from __future__ import annotations

import json
import pickle
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from nutshell_core import errors
from nutshell_core.transport import RetryPolicy
from nutshell_rest import RestClient
from nutshell_rest.envelope import ApiErrorItem
from nutshell_rest.errors import error_from_items, raise_for_response, read_json

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rest"
BASE = "https://app.nutshell.com/rest"
USER = "migrator@example.com"
KEY = "sekrit-KEY-123456"
RID = "req-4f1c2a"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def client() -> RestClient:
    # One attempt: these tests are about mapping answers, not about retrying them.
    return RestClient(USER, KEY, retry=RetryPolicy(max_attempts=1), sleep=lambda _: None)


def fail(
    status: int,
    body: str,
    *,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
    method: str = "GET",
    path: str = "/accounts",
    **path_params: Any,
) -> errors.NutshellError:
    """Answer ``method path`` with ``status``/``body`` and return what the client raised."""
    url_path = path.replace("{id}", str(path_params.get("id", "")))
    with responses.RequestsMock() as rsps:
        rsps.add(
            method,
            BASE + url_path,
            body=body,
            status=status,
            content_type=content_type,
            headers={"x-nutshell-request-id": RID, **(headers or {})},
        )
        with client() as api, pytest.raises(errors.NutshellError) as caught:
            api.call(method, path, **path_params)
    return caught.value


def test_errors_envelope_from_fixture() -> None:
    exc = fail(400, fixture_text("read/err-page-size.json"))
    assert type(exc) is errors.InvalidRequestError
    assert isinstance(exc, errors.APIError)
    assert exc.status == 400
    assert exc.message == "Invalid filter: Invalid page number: -1"
    assert exc.request_id == RID
    assert exc.target == "GET /accounts"
    assert '"Invalid filter"' in exc.body
    (item,) = exc.data
    assert isinstance(item, ApiErrorItem)
    assert item.status == "400" and item.http_status == 400
    assert str(exc) == (
        f"Invalid filter: Invalid page number: -1 [HTTP 400, GET /accounts, request {RID}]"
    )


def test_errors_envelope_without_detail() -> None:
    exc = fail(400, fixture_text("write/err-create-account.json"), method="POST")
    assert type(exc) is errors.InvalidRequestError
    assert exc.message == "You may only create one accounts resource per request."
    assert exc.target == "POST /accounts"


def test_several_error_items_are_joined() -> None:
    body = {
        "accounts": [],
        "errors": [
            {"status": "422", "title": "Invalid", "detail": "name is required"},
            {"status": "422", "title": "Invalid", "detail": "bad email"},
        ],
    }
    exc = fail(422, json.dumps(body), method="POST")
    assert type(exc) is errors.InvalidRequestError
    assert exc.message == "Invalid: name is required; Invalid: bad email"


def test_html_401_is_authentication_error() -> None:
    page = (
        "<!DOCTYPE html><html><head><title>An Error Occurred: Unauthorized</title></head>"
        "<body><h1>Oops! An Error Occurred</h1></body></html>"
    )
    exc = fail(401, page, content_type="text/html; charset=UTF-8")
    assert type(exc) is errors.AuthenticationError
    assert exc.message == "An Error Occurred: Unauthorized"
    assert exc.status == 401 and exc.request_id == RID and exc.target == "GET /accounts"
    assert KEY not in str(exc) and KEY not in exc.body


def test_html_404_fixture_is_not_found() -> None:
    exc = fail(404, fixture_text("err-not-found.html"), content_type="text/html", path="/users")
    assert type(exc) is errors.NotFoundError
    assert exc.message == "An Error Occurred: Not Found"
    assert exc.target == "GET /users"
    assert exc.body.startswith("<!DOCTYPE html>")


def test_html_without_content_type_or_title() -> None:
    exc = fail(404, "<html><body>gone</body></html>", content_type="")
    assert type(exc) is errors.NotFoundError
    assert exc.message == "HTTP 404 with an HTML page"


def test_json_string_400_from_patch_without_media_type() -> None:
    text = "application/json-patch+json is required, see http://jsonapi.org"
    exc = fail(400, json.dumps(text), method="PATCH", path="/leads/{id}", id="3-leads")
    assert type(exc) is errors.InvalidRequestError
    assert exc.message == text
    assert exc.target == "PATCH /leads/3-leads"


def test_code_message_500_fixture_is_server_error() -> None:
    exc = fail(500, fixture_text("err-internal-server.json"))
    assert type(exc) is errors.ServerError
    assert exc.message == "Internal Server Error"
    assert exc.status == 500 and exc.request_id == RID


def test_405_text_is_plain_api_error() -> None:
    exc = fail(405, "Internal Error", content_type="text/plain")
    assert type(exc) is errors.APIError
    assert exc.message == "Internal Error"
    assert exc.status == 405


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (403, errors.PermissionDeniedError),
        (409, errors.ConflictError),
        (418, errors.APIError),
        (502, errors.ServerError),
    ],
)
def test_status_picks_the_class(status: int, cls: type[errors.APIError]) -> None:
    exc = fail(status, "")
    assert type(exc) is cls
    assert exc.message == f"HTTP {status} with an empty body"


def test_429_with_retry_after_seconds() -> None:
    exc = fail(429, "", headers={"Retry-After": "7"})
    assert type(exc) is errors.RateLimitedError
    assert exc.retry_after == 7.0
    assert exc.request_id == RID


def test_429_without_retry_after() -> None:
    exc = fail(429, json.dumps({"code": 429, "message": "Too Many Requests"}))
    assert type(exc) is errors.RateLimitedError
    assert exc.retry_after is None
    assert exc.message == "Too Many Requests"


def _response(status: int, body: str, headers: dict[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    response.headers.update(headers or {})
    response.encoding = "utf-8"
    return response


def test_429_with_retry_after_http_date() -> None:
    now = datetime(2025, 8, 14, 12, 0, 0, tzinfo=timezone.utc)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    response = _response(429, "", {"Retry-After": later, "x-nutshell-request-id": RID})
    with pytest.raises(errors.RateLimitedError) as caught:
        raise_for_response(response, "GET /leads", now=lambda: now)
    assert caught.value.retry_after == 90.0
    assert caught.value.request_id == RID


def test_429_with_retry_after_http_date_through_the_client() -> None:
    # The real clock: a date well in the future gives a wait close to its distance.
    later = format_datetime(datetime.now(timezone.utc) + timedelta(hours=1), usegmt=True)
    exc = fail(429, "", headers={"Retry-After": later})
    assert isinstance(exc, errors.RateLimitedError)
    assert exc.retry_after is not None and 3500 < exc.retry_after <= 3600


def test_success_statuses_do_not_raise() -> None:
    for status in (200, 201, 204):
        raise_for_response(_response(status, ""), "GET /x")


def test_redirect_not_followed_is_an_error() -> None:
    response = _response(302, "", {"Location": "https://elsewhere.example/login"})
    with pytest.raises(errors.APIError) as caught:
        raise_for_response(response, "GET /leads")
    assert type(caught.value) is errors.APIError
    assert "redirect" in caught.value.message and caught.value.status == 302


def test_body_is_truncated() -> None:
    exc = fail(500, "x" * 5000, content_type="text/plain")
    assert isinstance(exc, errors.APIError)
    assert len(exc.body) < 600
    assert len(exc.message) < 310


def test_errors_in_a_2xx_envelope_raise() -> None:
    body = {"accounts": [], "errors": [{"status": "400", "title": "Invalid filter"}]}
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, BASE + "/accounts", json=body, status=200)
        with client() as api, pytest.raises(errors.InvalidRequestError) as caught:
            api.accounts.list()
    assert caught.value.status == 400
    assert caught.value.message == "Invalid filter"


def test_error_from_items_directly() -> None:
    items = (ApiErrorItem(status="404", title="Not found", detail="no lead 9"),)
    exc = error_from_items(items, _response(404, "{}"), "GET /leads/9-leads")
    assert type(exc) is errors.NotFoundError
    assert exc.message == "Not found: no lead 9"


def test_unreadable_error_items_still_raise_by_status() -> None:
    exc = fail(400, json.dumps({"errors": [{"status": {"odd": 1}}, 7]}))
    assert type(exc) is errors.InvalidRequestError
    assert exc.status == 400


def test_errors_survive_pickling() -> None:
    exc = fail(429, fixture_text("read/err-page-size.json"), headers={"Retry-After": "3"})
    assert isinstance(exc, errors.RateLimitedError)
    copy = pickle.loads(pickle.dumps(exc))
    assert type(copy) is errors.RateLimitedError
    assert (copy.status, copy.request_id, copy.target, copy.retry_after) == (
        429,
        RID,
        "GET /accounts",
        3.0,
    )


# -- 2xx bodies that are not what was due -------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "kind"),
    [
        ("<html><title>Login</title></html>", "text/html", "an HTML page"),
        ('{"accounts": [', "application/json", "a body that is not JSON"),
        ("", "application/json", "an empty body"),
    ],
)
def test_2xx_that_is_not_json_is_malformed(body: str, content_type: str, kind: str) -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, BASE + "/leads", body=body, status=200, content_type=content_type)
        with client() as api, pytest.raises(errors.MalformedResponseError) as caught:
            api.leads.list()
    assert caught.value.target == "GET /leads"
    assert caught.value.message == f"{kind} where JSON was due"
    assert "GET /leads" in str(caught.value)


def test_2xx_json_that_is_not_an_envelope_names_the_target() -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, BASE + "/leads/3-leads", json={"leads": {"id": 3}})
        with client() as api, pytest.raises(errors.MalformedResponseError) as caught:
            api.leads.get(3)
    assert caught.value.target == "GET /leads/3-leads"
    assert caught.value.status == 200


def test_read_json_returns_the_body() -> None:
    data: Any = read_json(_response(200, '{"a": [1]}'), "GET /x")
    assert data == {"a": [1]}
