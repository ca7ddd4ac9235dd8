from companion import language


def test_english_goal_is_english():
    found = language.detect("Give three internal talks on our testing strategy before June")
    assert found is not None and found.english


def test_german_portuguese_italian_are_recognised():
    assert (
        language.not_english(
            "Ich möchte lernen, wie man ein Team führt und schwierige Gespräche vorbereitet."
        ).code
        == "de"
    )
    assert language.not_english("Quero melhorar a minha comunicação com a liderança").code == "pt"
    assert (
        language.not_english("Vorrei diventare responsabile del mio reparto entro due anni").code
        == "it"
    )


def test_short_or_ambiguous_text_is_not_judged():
    assert language.detect("Kubernetes") is None
    assert language.detect("get better at SQL") is None
    assert language.not_english("") is None


def test_texts_are_judged_together():
    found = language.not_english(
        "Ich begleite seit zehn Jahren Teams bei der Einführung neuer Prozesse.", "Jira, SQL"
    )
    assert found is not None and found.code == "de"
    assert "German" in language.cannot_compare(found)
