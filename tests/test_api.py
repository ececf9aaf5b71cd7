import pressroom
from pressroom.plays import cards as card_plays


def test_the_public_api_is_pinned():
    assert pressroom.__all__ == [
        "Actor",
        "Context",
        "PressroomError",
        "Recipe",
        "Studio",
        "__version__",
        "export_card",
        "generate",
        "plan",
        "read_card",
        "reproduce",
    ]
    from importlib.metadata import version

    from pressroom import context, errors
    from pressroom.domain import recipes
    from pressroom.jobs import generations
    from pressroom.plays import reproduction
    from pressroom.store import cards, studio

    expected = {
        "Actor": context.Actor,
        "Context": context.Context,
        "PressroomError": errors.PressroomError,
        "Recipe": recipes.Recipe,
        "Studio": studio.Studio,
        "export_card": card_plays.export,
        "generate": generations.generate,
        "plan": generations.plan,
        "read_card": cards.read,
        "reproduce": reproduction.reproduce,
    }
    assert sorted([*expected, "__version__"]) == pressroom.__all__
    for name, value in expected.items():
        assert getattr(pressroom, name) is value, name
    assert pressroom.__version__ == version("pressroom")


def test_the_api_runs_the_foundation_end_to_end(studio):
    rows = pressroom.generate(
        studio, pressroom.plan(studio, prompt="a red fox", seed=7, count=2, steps=2, width=64, height=64)
    )
    card = pressroom.export_card(studio, rows[0].id)
    assert pressroom.reproduce(pressroom.read_card(card), studio=studio).comparison.verdict == "exact"
