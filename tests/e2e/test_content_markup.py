"""Published copy is plain text: markup in keywords is refused naming the field, a shopper's
search holding markup never becomes a keyword, and no stored version is served with a tag."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from assembly.runtime import Runtime
from infra.events.schema import BehaviourEvent
from tools.content.markup import plain_text

pytestmark = pytest.mark.e2e
Headers = dict[str, str]
ATTACK = "<img src=x onerror=alert(1)>"


def _runtime(client: TestClient) -> Runtime:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def test_markup_in_keywords_is_refused_naming_the_field(
    client: TestClient, staff_headers: Headers
) -> None:
    for keywords in ([ATTACK], ["cake stand", "<b>gift</b>"], ["3 tier > 2 tier"]):
        refused = client.post(
            "/v1/content", json={"product_id": "22423", "keywords": keywords}, headers=staff_headers
        )
        assert refused.status_code == 422, refused.text
        [error] = refused.json()["detail"]
        assert error["loc"][:2] == ["body", "keywords"], error
        assert "plain text" in error["msg"]
    tool = client.post(
        "/v1/tools/write_product_content",
        json={"product_id": "22423", "keywords": [ATTACK]},
        headers=staff_headers,
    )
    assert tool.status_code == 422 and "keywords" in tool.text and "plain text" in tool.text
    assert client.get("/v1/content/22423").status_code == 404  # nothing was written


def test_a_search_holding_markup_is_not_a_keyword(
    client: TestClient, staff_headers: Headers
) -> None:
    now = datetime.now(UTC)
    searches = [
        BehaviourEvent(event_id="m1", type="search", ts=now, session_id="s1", query=ATTACK),
        BehaviourEvent(event_id="m2", type="view", ts=now, session_id="s1", product_id="22423"),
        BehaviourEvent(event_id="m3", type="search", ts=now, session_id="s2", query="cake stand"),
        BehaviourEvent(event_id="m4", type="view", ts=now, session_id="s2", product_id="22423"),
    ]
    _runtime(client).services.store.append_events(searches)
    made = client.post("/v1/content", json={"product_id": "22423"}, headers=staff_headers)
    assert made.status_code == 200, made.text
    body = made.json()
    assert "cake stand" in body["target_keywords"]  # the index was read
    assert not any("<" in k or "onerror" in k for k in body["target_keywords"])
    published = client.get("/v1/content/22423").text
    assert "<" not in published and ">" not in published and "onerror" not in published


def test_no_stored_version_is_served_with_markup(
    client: TestClient, staff_headers: Headers
) -> None:
    made = client.post("/v1/content", json={"product_id": "22423"}, headers=staff_headers)
    assert made.status_code == 200, made.text
    contents = _runtime(client).services.contents
    stored = contents.get("22423", "en", None)
    assert stored is not None
    # A version written before markup was kept out: tags in every kind of field.
    tainted = stored.content.model_copy(
        update={
            "title": f"Cake stand {ATTACK}",
            "description": f"{stored.content.description} <script>alert(1)</script> 3 < 4",
            "bullets": ["<b>Bold</b> claim"],
        }
    )
    contents.save(stored.model_copy(update={"content": tainted}))
    served = client.get("/v1/content/22423")  # anonymous, the latest version
    assert served.status_code == 200
    content = served.json()["content"]
    assert content["title"] == "Cake stand"
    assert content["bullets"] == ["Bold claim"]
    assert content["description"].endswith("alert(1) 3 4")
    assert "<" not in served.text and ">" not in served.text


def test_plain_text_drops_tags_and_stray_brackets() -> None:
    assert plain_text("a <i>b</i> c") == "a b c"
    assert plain_text("<img src=x onerror=alert(1)>") == ""
    unclosed = "unclosed <img src=x onerror=alert(1)"
    assert plain_text(unclosed) == "unclosed img src=x onerror=alert(1)"
    assert plain_text("no markup, 3 tiers") == "no markup, 3 tiers"
