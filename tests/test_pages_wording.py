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
        (NotFound("no generation 7", field="generation"), "no image #7"),  # an image, as the pages call it
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


def _event(action: str, actor: str = "omar", **detail) -> dict:
    objects = detail.pop("objects", {})
    return {"action": action, "actor": actor, "at": "2026-12-07T09:30:00+00:00", "detail": detail, "objects": objects}


def test_the_timeline_says_each_event_in_words_and_groups_a_cull():
    from pressroom.server.pages import timeline

    log = [
        _event("volume.run"),
        _event("cull.keep", objects={"generations": [1, 2, 3]}),
        _event("cull.reject", reason="hands", objects={"generations": [4]}),
        _event("cull.keep", objects={"generations": [5]}),
        _event("cull.reject", reason="composition", objects={"generations": [6, 7]}),
        _event("review.decide", actor="rita", decision="approved-with-changes"),
        _event("fix.inpaint"),
        _event("some.future_thing"),
    ]
    said = [(e["who"], e["what"], e["extra"]) for e in timeline.timeline(log)]
    assert said == [
        ("omar", "did something", ""),  # an action with no words yet never shows its internal name
        ("omar", "repainted part of an image", ""),
        ("rita", "recorded a review decision", "approved with changes"),
        ("omar", "kept 4 and rejected 3 images in the cull", "rejected for: composition, hands"),
        ("omar", "ran a volume run", ""),
    ]
    assert not any("." in what for _, what, _ in said)
