import gzip

import pytest
from django.urls import include, path

from digests.http import PUBLIC_CSP


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", _boom), path("", include("config.urls"))]

pytestmark = pytest.mark.django_db


def test_missing_page_is_404_with_site_header_and_search(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b'class="site"' in response.content and b'role="search"' in response.content


def test_failing_view_is_500_with_site_page(client, settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.test_error_pages"
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert b'role="search"' in response.content


def test_favicon_is_an_image(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/")


def test_public_page_is_gzipped_and_keeps_csp(client, settings):
    settings.DEBUG = False
    plain = client.get("/").content
    response = client.get("/", headers={"accept-encoding": "gzip"})
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert gzip.decompress(response.content) == plain
    assert response["Content-Security-Policy"] == PUBLIC_CSP


def test_admin_is_not_gzipped(client):
    response = client.get("/admin/login/", headers={"accept-encoding": "gzip"})
    assert not response.has_header("Content-Encoding")
