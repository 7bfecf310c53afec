import os

import pytest

from tests.postgres_server import postgres_url

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# The tests materialise years from 2020 on, whatever the default landing folder holds.
os.environ.setdefault("BALANCED_FIRST_YEAR", "2020")


@pytest.fixture(scope="session")
def postgres_warehouse_url():
    with postgres_url() as url:
        yield url
