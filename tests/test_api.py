import pressroom


def test_the_public_api_is_pinned():
    assert pressroom.__all__ == [
        "Actor", "Context", "PressroomError", "Recipe", "Studio", "__version__", "export_card", "generate", "plan",
        "read_card", "reproduce",
    ]
    for name in pressroom.__all__:
        assert getattr(pressroom, name) is not None


def test_the_api_runs_the_foundation_end_to_end(studio):
    rows = pressroom.generate(studio, pressroom.plan(studio, prompt="a red fox", seed=7, count=2, steps=2,
                                                     width=64, height=64))
    card = pressroom.export_card(studio, rows[0].id)
    assert pressroom.reproduce(pressroom.read_card(card), studio=studio).comparison.verdict == "exact"
