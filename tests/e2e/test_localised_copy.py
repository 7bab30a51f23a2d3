"""Copy in every language offered is written in that language: the demo catalogs' attribute
names and values all have a form in each (coverage measured here), a German page names
"stainless steel" as "Edelstahl" and units as German writes them, and a value with no form in
a language is left out of that language's copy instead of quoted in English."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from infra.settings import Settings
from tests.auth import bearer
from tools.analyze.languages import SUPPORTED
from tools.catalog.sqlite import SqliteStore
from tools.content.localise import coverage, kind_in

pytestmark = pytest.mark.e2e
OFFERED = [code for code in SUPPORTED if code != "en"]


@pytest.mark.parametrize("store_dir", ["online_retail_dir", "tau_retail_dir"])
def test_every_attribute_of_the_demo_catalogs_has_a_form_in_each_language(
    store_dir: str, request: pytest.FixtureRequest
) -> None:
    data_dir: Path = request.getfixturevalue(store_dir)
    with SqliteStore(data_dir / "store.sqlite") as store:
        products = list(store.iter_products())
    for language in OFFERED:
        measured = coverage(products, language)
        print(f"{store_dir} {language}: {measured.written}/{measured.entries}")
        assert measured.entries > 400
        assert measured.share == 1.0, (language, list(measured.missing)[:10])
        # Kinds: every tau-retail one, online-retail's most common (the rest are not named).
        named = sum(kind_in(p.category, language) is not None for p in products) / len(products)
        print(f"{store_dir} {language}: kinds named for {named:.0%} of products")
        assert named >= (1.0 if store_dir == "tau_retail_dir" else 0.6)


def _copy(client: TestClient, headers: dict[str, str], product_id: str, language: str) -> str:
    answer = client.post(
        "/v1/content",
        json={"product_id": product_id, "language": language, "keywords": []},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    content: dict[str, Any] = answer.json()["content"]
    return "\n".join([content["description"], *content["bullets"], content["meta_description"]])


def test_german_copy_of_a_tau_product_is_german(tau_retail_dir: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(tau_retail_dir, data_dir)
    settings = Settings(data_dir=data_dir, dataset="tau-retail")
    with SqliteStore(settings.store_path) as store:
        product = next(
            p
            for p in store.iter_products()
            if "stainless steel" in p.attributes.get("material", [])
        )
        # A value no vocabulary knows: English copy quotes it, other copy leaves it out.
        odd = product.model_copy(
            update={"attributes": {**product.attributes, "finish": ["flibbertigibbet"]}}
        )
        store.put_product(odd)
        # The report's sentence: "Material: glas, kunststoff und stainless steel".
        other = next(p for p in store.iter_products() if p.id != product.id)
        mixed = {"material": ["glass", "plastic", "stainless steel"]}
        store.put_product(other.model_copy(update={"attributes": mixed}))
    with TestClient(create_app(settings)) as client:
        staff = bearer(settings, "staff:copy", "staff")
        english = _copy(client, staff, product.id, "en")
        german = _copy(client, staff, product.id, "de")
        french = _copy(client, staff, product.id, "fr")
        reported = _copy(client, staff, other.id, "de")
    assert "Material: glas, kunststoff und Edelstahl" in reported
    assert "stainless steel" in english and "flibbertigibbet" in english
    assert "Edelstahl" in german and "acier inoxydable" in french
    without_title = german.replace(product.title, "")
    for english_only in ("stainless steel", "flibbertigibbet", "inch", "hours", "water bottle"):
        assert english_only not in without_title, english_only
    assert "flibbertigibbet" not in french
    assert re.search(r"Kategorie: \w", german)  # the kind, in German
