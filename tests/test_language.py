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


def test_short_texts_are_recognised_by_their_function_words():
    # Too short for the n-gram model to be sure; the small words say which language.
    assert language.not_english("quero mudar pro time de produto, talvez ano que vem").code == "pt"
    assert language.not_english("quero ser gerente").code == "pt"
    assert language.not_english("me gustaría llevar el turno de noche").code == "es"
    assert language.not_english("vorrei essere più sicura con il cliente").code == "it"
    assert language.not_english("Ich will mehr Verantwortung").code == "de"


def test_english_with_a_foreign_word_or_two_stays_english():
    for text in (
        "Present a poster at the Congresso de Enfermagem",
        "Lead a design review de facto",
        "quero",
        "Run a retro on the new rota",
        "Publish something.",
    ):
        assert language.not_english(text) is None, text


def test_a_profile_needs_enough_function_words_and_a_clear_lead():
    assert language.profile("gerente de loja") is None  # one shared word only
    assert language.profile("the team and de equipo") is None  # no clear lead
    found = language.profile("eu quero a minha equipa")
    assert found is not None and found.code == "pt"
