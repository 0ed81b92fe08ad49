"""Products and product categories through the API: reference data that only admins change."""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.conftest import Cast


def _tag() -> str:
    return uuid.uuid4().hex[:8].upper()


def _product(cast: Cast, **fields: Any) -> dict[str, Any]:
    fields.setdefault("sku", f"SKU-{_tag()}")
    fields.setdefault("name", f"Product {_tag()}")
    fields.setdefault("unit_price_minor", 1000)
    response = cast.client("admin").post("/api/v1/products", json=fields)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _category(cast: Cast, **fields: Any) -> dict[str, Any]:
    fields.setdefault("name", f"Category {_tag()}")
    response = cast.client("admin").post("/api/v1/product-categories", json=fields)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_admin_creates_a_product_in_the_default_currency(cast: Cast) -> None:
    category = _category(cast)
    product = _product(cast, sku=" TEA-1 ", category_id=category["id"])
    assert product["sku"] == "TEA-1"
    assert product["currency"] == "CNY"
    assert product["is_active"] is True
    assert cast.client("rep_b").get(f"/api/v1/products/{product['id']}").status_code == 200


def test_only_admins_change_products_and_categories(cast: Cast) -> None:
    product = _product(cast)
    category = _category(cast)
    for role in ("manager_a", "rep_a", "agent_a", "analyst"):
        client = cast.client(role)
        new = {"sku": f"SKU-{_tag()}", "name": "Not allowed", "unit_price_minor": 1}
        assert client.post("/api/v1/products", json=new).status_code == 403, role
        url = f"/api/v1/products/{product['id']}"
        assert client.patch(url, json={"name": "x"}).status_code == 403, role
        assert client.delete(url).status_code == 403, role
        assert client.post("/api/v1/product-categories", json={"name": _tag()}).status_code == 403
        category_url = f"/api/v1/product-categories/{category['id']}"
        assert client.patch(category_url, json={"name": "x"}).status_code == 403, role
        assert client.delete(category_url).status_code == 403, role
        assert client.get(category_url).status_code == 200, role


def test_a_duplicate_sku_is_a_conflict_in_any_case_and_in_the_recycle_bin(cast: Cast) -> None:
    first = _product(cast)
    client = cast.client("admin")
    again = {"sku": first["sku"].lower(), "name": "Again", "unit_price_minor": 5}
    response = client.post("/api/v1/products", json=again)
    assert response.status_code == 409
    assert str(first["id"]) in response.json()["error"]["message"]

    other = _product(cast)
    clash = client.patch(f"/api/v1/products/{other['id']}", json={"sku": first["sku"]})
    assert clash.status_code == 409
    assert client.delete(f"/api/v1/products/{first['id']}").status_code == 204
    binned = client.post("/api/v1/products", json=again)
    assert binned.status_code == 409
    assert "recycle bin" in binned.json()["error"]["message"]


def test_bad_fields_name_the_field(cast: Cast) -> None:
    client = cast.client("admin")
    response = client.post(
        "/api/v1/products",
        json={"sku": "", "name": "x", "unit_price_minor": -1, "currency": "XYZ"},
    )
    assert response.status_code == 422
    paths = {f["path"] for f in response.json()["error"]["fields"]}
    assert paths == {"body.sku", "body.unit_price_minor", "body.currency"}
    missing = client.post(
        "/api/v1/products",
        json={"sku": f"S-{_tag()}", "name": "x", "unit_price_minor": 1, "category_id": 10**9},
    )
    assert missing.status_code == 422
    assert missing.json()["error"]["fields"][0]["path"] == "body.category_id"
    product = _product(cast)
    cleared = client.patch(f"/api/v1/products/{product['id']}", json={"unit_price_minor": None})
    assert cleared.status_code == 422
    assert cleared.json()["error"]["fields"][0]["path"] == "body.unit_price_minor"


def test_filters_search_and_keyset_paging(cast: Cast) -> None:
    tag = _tag()
    tea, coffee = _category(cast), _category(cast)
    made = [
        _product(cast, sku=f"{tag}-G1", name=f"Green {tag}", unit_price_minor=300,
                 category_id=tea["id"]),
        _product(cast, sku=f"{tag}-B1", name=f"Black {tag}", unit_price_minor=100,
                 category_id=tea["id"], is_active=False),
        _product(cast, sku=f"{tag}-E1", name=f"Espresso {tag}", unit_price_minor=200,
                 category_id=coffee["id"]),
    ]  # fmt: skip
    client = cast.client("rep_a")

    def skus(**params: Any) -> list[str]:
        response = client.get("/api/v1/products", params=params)
        assert response.status_code == 200, response.text
        return [p["sku"] for p in response.json()["items"]]

    assert skus(q=tag.lower(), sort="sku") == [f"{tag}-B1", f"{tag}-E1", f"{tag}-G1"]
    assert skus(q=f"green {tag}".upper()) == [f"{tag}-G1"]
    assert skus(q=tag, category_id=tea["id"], is_active=True) == [f"{tag}-G1"]
    assert skus(q=tag, sort="-unit_price_minor") == [f"{tag}-G1", f"{tag}-E1", f"{tag}-B1"]
    assert skus(q="100%_") == []

    seen, cursor = [], None
    while True:
        page = client.get(
            "/api/v1/products", params={"q": tag, "sort": "name", "limit": 2, "cursor": cursor}
        ).json()
        seen += [p["name"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(p["name"] for p in made)


def test_delete_and_restore_a_product(cast: Cast) -> None:
    product = _product(cast)
    client = cast.client("admin")
    url = f"/api/v1/products/{product['id']}"
    assert client.delete(url).status_code == 204
    assert cast.client("rep_a").get(url).status_code == 404
    binned = client.get("/api/v1/products/deleted", params={"limit": 200}).json()["items"]
    assert product["id"] in [p["id"] for p in binned]
    restored = client.post(f"{url}/restore")
    assert restored.status_code == 200
    assert restored.json()["deleted_at"] is None
    actions = [h["action"] for h in client.get(f"{url}/history").json()["items"]]
    assert actions[-2:] == ["delete", "restore"]


def test_category_names_are_unique_and_parents_exist(cast: Cast) -> None:
    first = _category(cast)
    client = cast.client("admin")
    duplicate = client.post("/api/v1/product-categories", json={"name": first["name"].upper()})
    assert duplicate.status_code == 409
    orphan = client.post("/api/v1/product-categories", json={"name": _tag(), "parent_id": 10**9})
    assert orphan.status_code == 422
    assert orphan.json()["error"]["fields"][0]["path"] == "body.parent_id"


def test_categories_nest_without_cycles(cast: Cast) -> None:
    top = _category(cast)
    middle = _category(cast, parent_id=top["id"])
    bottom = _category(cast, parent_id=middle["id"])
    client = cast.client("admin")
    for parent in (top, bottom):
        response = client.patch(
            f"/api/v1/product-categories/{top['id']}", json={"parent_id": parent["id"]}
        )
        assert response.status_code == 422, parent
        assert response.json()["error"]["fields"][0]["path"] == "body.parent_id"
    moved = client.patch(f"/api/v1/product-categories/{bottom['id']}", json={"parent_id": None})
    assert moved.status_code == 200
    assert moved.json()["parent_id"] is None
    children = client.get("/api/v1/product-categories", params={"parent_id": top["id"]})
    assert [c["id"] for c in children.json()["items"]] == [middle["id"]]


def test_a_category_in_use_cannot_be_deleted(cast: Cast) -> None:
    category = _category(cast)
    child = _category(cast, parent_id=category["id"])
    product = _product(cast, category_id=category["id"])
    client = cast.client("admin")
    url = f"/api/v1/product-categories/{category['id']}"
    assert client.delete(url).status_code == 409  # a subcategory
    assert client.delete(f"/api/v1/product-categories/{child['id']}").status_code == 204
    assert client.delete(f"/api/v1/products/{product['id']}").status_code == 204
    in_bin = client.delete(url)  # the binned product still uses it
    assert in_bin.status_code == 409
    assert "1 product" in in_bin.json()["error"]["message"]
    assert client.post(f"/api/v1/products/{product['id']}/restore").status_code == 200
    moved = client.patch(f"/api/v1/products/{product['id']}", json={"category_id": None})
    assert moved.json()["category_id"] is None
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    actions = [h["action"] for h in client.get(f"{url}/history").json()["items"]]
    assert actions[-1] == "delete"
