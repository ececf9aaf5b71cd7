"""What a page says of a refusal: the service layer names a field, the page says its label."""

import pytest

from pressroom.errors import InputError, NotFound
from pressroom.server.pages import fields


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (InputError("per_style asks for 40 images; lower it", field="per_style"), "Images per style asks for 40"),
        (InputError("seeds must be 1 to 1,000,000 per value (got 0)", field="seeds"), "Seeds per value must be 1"),
        (InputError("alt_text is empty", field="alt_text"), "Alt text is empty"),
        (NotFound("no generation 7", field="generation"), "no generation 7"),  # does not start with its field
        (InputError("seedsmanship is not a word", field="seeds"), "seedsmanship is not a word"),  # a longer word
        (InputError("gate items unknown", field="gate"), "gate items unknown"),  # a field with no label
        (InputError("nothing to say"), "nothing to say"),  # no field at all
    ],
)
def test_a_page_says_the_label_where_the_message_starts_with_its_field(error, said):
    assert fields.said(error).startswith(said)


def test_every_label_is_plain_words():
    for field, label in fields.LABELS.items():
        assert label[0].isupper() and "_" not in label and "-" not in label, (field, label)
