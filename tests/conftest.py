import os

import pytest

from tests.postgres_server import postgres_url

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def postgres_warehouse_url():
    with postgres_url() as url:
        yield url
