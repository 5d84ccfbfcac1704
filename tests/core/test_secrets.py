"""Secrets masked everywhere, even when a server echoes them back.

* :class:`SecretMask` keeps digests, never the key: every form of the key and the Basic token
  (as given, URL-quoted, JSON- and HTML-escaped) is masked, and nothing it holds shows one.
* The transport keeps only what it needs to send (the header, in a closure) and the mask.
* A server that echoes the key and the Basic token in bodies, headers and error messages gets
  neither into ``str``, ``repr``, ``vars`` or a pickle of any error, nor into the DEBUG log.
* ``repr`` of a half-built client never raises.
"""

from __future__ import annotations

import base64
import copy
import json
import logging
import pickle
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
import responses

from bridge import NutshellAPI as BridgeAPI
from nutshell_core import errors
from nutshell_core.secrets import MASK, SecretMask, mask_secrets, mask_value
from nutshell_core.transport import Credentials, Transport
from nutshell_rest import RestClient
from nutshell_rpc import NutshellAPI

USER = "me@example.com"
KEY = "sekrit/KEY+123456=="  # slash, plus and equals: every escaping differs
TOKEN = base64.b64encode(f"{USER}:{KEY}".encode()).decode()
FORMS = (KEY, quote(KEY, safe=""), TOKEN, KEY.replace("/", "\\/"), TOKEN.replace("/", "\\/"))
ENDPOINT = "https://app.nutshell.com/api/v1/json"
ECHO = f"key {KEY} basic Basic {TOKEN} quoted {quote(KEY, safe='')} json {json.dumps(KEY)}"


def hits(text: str) -> list[str]:
    """The forms of the key found in ``text``."""
    return [form for form in FORMS if form in text]


@pytest.fixture
def mask() -> SecretMask:
    return SecretMask.for_credentials(USER, KEY)


# -- the mask ------------------------------------------------------------------------------------


def test_every_form_is_masked(mask: SecretMask) -> None:
    masked = mask.mask(f"a{ECHO}z {json.dumps({'k': KEY})} {KEY.replace('/', chr(92) + '/')}")
    assert hits(masked) == []
    assert masked.startswith("akey [secure] basic Basic [secure]")
    assert masked.endswith('"[secure]"z {"k": "[secure]"} [secure]')


def test_lower_case_percent_encoding_is_masked_too(mask: SecretMask) -> None:
    # Percent-encoding is case-insensitive; a server may echo the key as %2f rather than %2F.
    lower = quote(KEY, safe="").replace("%2F", "%2f").replace("%2B", "%2b").replace("%3D", "%3d")
    assert lower != quote(KEY, safe="")
    assert mask.mask(f"k={lower}&x") == f"k={MASK}&x"
    assert lower not in str(errors.NutshellError(f"bad key {lower}"))


def test_the_key_in_base64_alone_is_masked(mask: SecretMask) -> None:
    alone = base64.b64encode(KEY.encode()).decode()
    assert mask.mask(f"password={alone};") == f"password={MASK};"


def test_text_without_a_secret_is_returned_as_is(mask: SecretMask) -> None:
    text = "nothing to see " * 50
    assert mask.mask(text) is text
    assert mask.mask("") == ""


def test_adjacent_and_overlapping_forms(mask: SecretMask) -> None:
    assert mask.mask(KEY + KEY) == MASK + MASK
    assert mask.mask(f"x{TOKEN}{KEY}y") == f"x{MASK}{MASK}y"


def test_the_mask_keeps_no_plaintext(mask: SecretMask) -> None:
    shown = f"{mask!r} {mask._table.digests!r} {mask._table.lengths!r} {mask._table.quick!r}"
    assert hits(shown) == []
    assert not hasattr(mask, "__dict__")  # slots only: nothing else is stored
    for clone in (pickle.dumps, copy.copy, copy.deepcopy):
        with pytest.raises(TypeError):
            clone(mask)


def test_masks_are_registered_while_alive() -> None:
    secret = "a-passing-secret-0042"
    assert mask_secrets(secret) == secret
    alive = SecretMask(secret)
    assert mask_secrets(f"<{secret}>") == f"<{MASK}>"
    del alive
    import gc  # noqa: PLC0415 - only this test forces a collection

    gc.collect()
    assert mask_secrets(secret) == secret


def test_mask_value_walks_json_and_records(mask: SecretMask) -> None:
    value = {"a": [KEY, (1, TOKEN)], KEY: None, "n": 3}
    assert mask_value(value, mask) == {"a": [MASK, (1, MASK)], MASK: None, "n": 3}


def test_big_texts_are_masked_quickly_enough(mask: SecretMask) -> None:
    # Not a timing assertion: a megabyte with one key in the middle is masked exactly once.
    text = "x" * 500_000 + KEY + "y" * 500_000
    assert mask.mask(text).count(MASK) == 1


# -- the transport -------------------------------------------------------------------------------


def test_the_transport_keeps_no_key() -> None:
    transport = Transport(credentials=Credentials(username=USER, api_key=KEY))
    everything = repr(transport) + repr(vars(transport))
    for value in vars(transport).values():
        everything += repr(getattr(value, "__dict__", None))
    assert hits(everything) == []
    assert "_secrets" not in vars(transport) and "_credentials" not in vars(transport)
    assert transport.username == USER and transport.has_credentials
    with pytest.raises(errors.ConfigurationError):
        pickle.dumps(vars(transport)["_auth"])


def test_the_transport_still_sends_the_key() -> None:
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, "https://app.nutshell.com/rest/x", json={})
        Transport(credentials=Credentials(username=USER, api_key=KEY)).request(
            "GET", "https://app.nutshell.com/rest/x", idempotent=True
        )
        assert rsps.calls[0].request.headers["Authorization"] == f"Basic {TOKEN}"


@pytest.mark.parametrize("cls", [Transport, NutshellAPI, RestClient, BridgeAPI])
def test_repr_of_a_half_built_object_never_raises(cls: type[Any]) -> None:
    half = object.__new__(cls)
    assert cls.__name__ in repr(half)


# -- a server that echoes the key ----------------------------------------------------------------


def _answers() -> Iterator[tuple[int, str, str]]:
    rpc_error = {"code": 400, "message": ECHO, "data": {"echo": ECHO}}
    yield 200, json.dumps({"jsonrpc": "2.0", "id": 999, "result": ECHO}), "application/json"
    yield 400, json.dumps({"result": None, "error": rpc_error, "id": 1}), "application/json"
    yield 500, ECHO, "text/plain"
    yield 200, "<html>" + ECHO, "text/html"
    yield 200, "not json " + ECHO, "text/plain"
    yield (
        400,
        json.dumps({"errors": [{"status": "400", "title": ECHO, "detail": ECHO}]}),
        "application/json",
    )
    yield 404, f"<html><title>{ECHO}</title></html>", "text/html"
    yield 422, json.dumps(ECHO), "application/json"
    yield 302, "", "text/plain"
    yield 200, json.dumps({"leads": [{"id": ECHO}]}), "application/json"
    yield 200, "x" * 480 + ECHO, "text/plain"  # the key straddles the body's cut


CALLS: dict[str, Callable[[], Any]] = {
    "rpc": lambda: NutshellAPI(USER, KEY, endpoint=ENDPOINT, sleep=lambda _s: None).getLead(
        leadId=1
    ),
    "rpc-typed": lambda: NutshellAPI(USER, KEY, endpoint=ENDPOINT).leads.get(1),
    "rest": lambda: RestClient(USER, KEY, sleep=lambda _s: None).leads.get(1),
    "rest-write": lambda: RestClient(USER, KEY).contacts.create({"name": "Ann"}),
}


@pytest.mark.parametrize("face", sorted(CALLS))
def test_an_echoing_server_leaks_nothing(face: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    raised = 0
    for status, body, content_type in _answers():
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            headers = {"X-Echo": KEY, "Location": f"https://evil.example.com/?k={KEY}"}
            for method in (responses.GET, responses.POST):
                rsps.add(
                    method,
                    re.compile(r"https://app\.nutshell\.com/.*"),
                    body=body,
                    status=status,
                    content_type=content_type,
                    headers=headers,
                )
            try:
                CALLS[face]()
            except errors.NutshellError as exc:
                raised += 1
                shown = f"{exc}\n{exc!r}\n{vars(exc)!r}\n"
                shown += pickle.dumps(exc).decode("latin-1")
                shown += repr(vars(pickle.loads(pickle.dumps(exc))))
                assert hits(shown) == [], f"{face} HTTP {status}: {type(exc).__name__}"
    assert raised >= 8
    assert hits(caplog.text) == []


def test_errors_mask_attributes_set_after_construction(mask: SecretMask) -> None:
    error = errors.ServerError("boom", status=500)
    error.data = {"echo": KEY}
    assert hits(pickle.dumps(error).decode("latin-1")) == []
    assert mask is not None  # the mask must be alive for the registry to know the key


def test_the_exception_being_handled_is_masked_too(mask: SecretMask) -> None:
    # ``raise ... from exc`` keeps exc for the traceback: its message must not show the key.
    with pytest.raises(errors.MalformedResponseError) as caught:
        try:
            raise ValueError(f"malformed id {KEY!r}")
        except ValueError as exc:
            raise errors.MalformedResponseError("cannot read", problems=(str(exc),)) from exc
    cause = caught.value.__cause__
    assert isinstance(cause, ValueError)
    assert hits(f"{cause} {cause!r} {caught.value}") == []
    assert mask is not None
