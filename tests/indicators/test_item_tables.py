"""Every G and Q item of the standards file is judged by exactly one entry of its module's ITEMS table."""

import pytest

from balanced_pipeline.indicators import education_quality, government_guarantee
from balanced_pipeline.standards.loader import load_standards


@pytest.mark.parametrize("profile", ["national", "anhui"])
@pytest.mark.parametrize("section, module", [("government_guarantee", government_guarantee),
                                             ("education_quality", education_quality)])
def test_each_item_not_attested_has_its_county_rule_and_school_items_their_check(profile, section, module):
    items = load_standards(profile).section(section)["items"]
    judged = {item["id"]: item["basis"] for item in items if item["basis"] != "attestation"}
    assert set(module.ITEMS) == set(judged)
    for item_id, basis in judged.items():
        # An item computed from the school forms has a per-campus check; one from the county form has none.
        assert (module.ITEMS[item_id].school is not None) == (basis == "schools"), item_id
