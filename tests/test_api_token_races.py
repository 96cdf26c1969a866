"""Two requests at once cannot pass the limit of active tokens per person (real threads on
PostgreSQL: the count is taken under a lock on the person's row)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from api.models import ApiToken
from api.tokens import MAX_ACTIVE_TOKENS, create_api_token
from tests import factories
from tests.parallel import in_parallel

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_tokens_made_at_once_at_the_limit_make_one():
    person = factories.UserFactory()
    for number in range(MAX_ACTIVE_TOKENS - 1):
        create_api_token(user=person, name=f"Script {number}")

    def make(name: str):
        def call():
            try:
                return create_api_token(user=person, name=name).obj.pk
            except ValidationError as error:
                return error

        return call

    results = in_parallel(make("first"), make("second"))

    assert sum(isinstance(result, int) for result in results) == 1
    assert sum(isinstance(result, ValidationError) for result in results) == 1
    assert ApiToken.objects.active().filter(user=person).count() == MAX_ACTIVE_TOKENS
