import pytest
from django.db import connection

from tests.servers import FakeServer


@pytest.fixture
def server():
    """A fake arXiv (API and PDFs) on 127.0.0.1, closed after the test."""
    with FakeServer() as fake:
        yield fake


@pytest.fixture
def arxiv_api(server, settings):
    """Point the product's ARXIV_API_URL at the fake server; return that server."""
    settings.ARXIV_API_URL = server.url("/api/query")
    return server


@pytest.fixture
def subprocess_db_env(transactional_db):
    """Environment that points a subprocess's settings (manage.py …) at this test's database."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"SQLITE_PATH": str(db["NAME"]), "DATABASE_URL": ""}
    return {"DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"}
