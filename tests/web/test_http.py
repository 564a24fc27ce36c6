"""What every response shares: the snapshot ETag and 304, one error envelope, CORS headers on
answers and errors alike, API docs that work offline."""

from __future__ import annotations

import re

import pytest

from norte.web import queries
from norte.web.access import route_access
from tests.web.conftest import Client, Served

ORIGIN = {"Origin": "https://analyst.example"}


def test_etag_is_the_snapshot_id_and_if_none_match_gives_304(
    client: Client, served: Served
) -> None:
    sid = served.app.state.pool.current().id
    for url in ("/api/v1/loads", "/api/v1/observations?partner=MEX&limit=2", "/data.html"):
        got = client.get(url)
        assert got.status_code == 200 and got.headers["etag"] == f'"{sid}"', url
        again = client.get(url, headers={"If-None-Match": got.headers["etag"]})
        assert again.status_code == 304 and again.content == b"", url
        assert again.headers["etag"] == got.headers["etag"]
        other = client.get(url, headers={"If-None-Match": '"another-snapshot"'})
        assert other.status_code == 200 and other.content == got.content


@pytest.mark.parametrize(
    "url, status, kind",
    [
        ("/api/v1/observations?bogus=1", 400, "unknown_parameter"),
        ("/api/v1/observations?as_of=yesterday", 400, "usage"),
        ("/api/v1/goals/99", 404, "not_found"),
        ("/no-such-page.html", 404, "not_found"),
        ("/../../etc/passwd", 404, "not_found"),
    ],
)
def test_errors_are_one_envelope_with_cors(
    client: Client, url: str, status: int, kind: str
) -> None:
    got = client.get(url, headers=ORIGIN)
    assert got.status_code == status
    body = got.json()
    assert set(body) == {"error"} and body["error"]["kind"] == kind
    assert body["error"]["status"] == status and body["error"]["message"]
    assert got.headers["access-control-allow-origin"] == "*"


def test_method_not_allowed_is_an_envelope(client: Client) -> None:
    got = client.request("DELETE", "/api/v1/loads", headers=ORIGIN)
    assert got.status_code == 405 and got.json()["error"]["kind"] == "method_not_allowed"
    assert got.headers["access-control-allow-origin"] == "*"


def test_a_bug_is_a_500_envelope_with_cors(
    client: Client, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*a: object, **k: object) -> None:
        raise RuntimeError("detail-for-the-log-only")

    monkeypatch.setattr(queries, "observations", broken)
    got = client.get("/api/v1/observations", headers=ORIGIN)
    assert got.status_code == 500
    assert got.json()["error"]["kind"] == "internal" and "detail-for-the-log-only" not in got.text
    assert got.headers["access-control-allow-origin"] == "*"
    assert (
        "RuntimeError: detail-for-the-log-only" in capsys.readouterr().err
    )  # logged for the operator


def test_cors_preflight_allows_authorization(client: Client) -> None:
    got = client.request(
        "OPTIONS",
        "/api/v1/observations",
        headers={
            **ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Authorization",
        },
    )
    assert got.status_code == 200
    assert "authorization" in got.headers["access-control-allow-headers"].lower()
    ok = client.get("/api/v1/loads", headers=ORIGIN)
    assert ok.headers["access-control-allow-origin"] == "*"
    assert {"etag", "link"} <= set(ok.headers["access-control-expose-headers"].lower().split(", "))


def test_api_docs_load_their_assets_from_the_app(client: Client) -> None:
    for page in ("/api/docs", "/api/redoc"):
        html = client.get(page).text
        scripts = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert scripts and not [s for s in scripts if s.startswith(("http:", "https:", "//"))]
        for s in scripts:
            if s.startswith("/api/assets/"):
                got = client.get(s)
                assert got.status_code == 200 and len(got.content) > 500, s
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.") and "/api/v1/observations" in spec["paths"]


def test_every_route_declares_its_access(served: Served) -> None:
    from fastapi.routing import APIRoute

    routes = [r for r in served.app.routes if isinstance(r, APIRoute)]
    assert len(routes) >= 15 and all(route_access(r) is not None for r in routes)
    assert {"/api/v1/observations", "/api/docs", "/{rel:path}"} <= {r.path for r in routes}


def test_a_nested_router_is_refused(served: Served) -> None:
    """``include_router`` nests routes where the access check cannot see them."""
    from fastapi import APIRouter, FastAPI

    from norte.web.app import check_flat

    app = FastAPI()
    inner = APIRouter()
    inner.add_api_route("/x", lambda: None)
    app.include_router(inner)
    with pytest.raises(RuntimeError, match="add_routes"):
        check_flat(app)


def test_a_query_over_the_memory_bound_is_a_503_envelope(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    def too_big(*a: object, **k: object) -> None:
        raise duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate")

    monkeypatch.setattr(queries, "observations", too_big)
    got = client.get("/api/v1/observations", headers=ORIGIN)
    assert got.status_code == 503 and got.json()["error"]["kind"] == "too_large"
    assert "narrow it" in got.json()["error"]["message"]
    assert got.headers["access-control-allow-origin"] == "*"
