"""The round end to end with the demo (test_round_journey.py) in Finnish: a file of its own, so that
`--dist loadfile` runs it on another worker than the English and the other journey."""

from __future__ import annotations

import pytest

from tests.browser.test_round_journey import demo, run_journey  # noqa: F401 - `demo` is a fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_round_end_to_end_in_finnish(open_as, visit, demo, tmp_path):  # noqa: F811 - the fixture
    run_journey("fi", open_as, visit, demo, tmp_path)
