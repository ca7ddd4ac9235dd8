import numpy as np
import pytest

from embeddings import Encoder
from embeddings.encoder import packaged_model_path


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b))


class TestEncoder:
    def test_vectors_are_normalised_float32(self, encoder: Encoder) -> None:
        vectors = encoder.encode(["I want to become an engineering manager", "Gardening tips"])
        assert vectors.dtype == np.float32
        assert vectors.shape == (2, 384)
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)

    def test_close_meanings_are_closer_than_unrelated_texts(self, encoder: Encoder) -> None:
        need, offer, unrelated = encoder.encode(
            [
                "I lead a team for the first time and struggle to delegate work",
                "I coach new managers on handing off tasks and trusting their reports",
                "Our quarterly tax filing deadline moved to the end of March",
            ]
        )
        assert cosine(need, offer) > cosine(need, unrelated) + 0.2

    def test_same_text_is_encoded_once_per_process(self, encoder: Encoder) -> None:
        text = "A sentence written only for the cache test: 7f3a9c"
        before = encoder.texts_encoded
        first = encoder.encode([text, text])
        after_first = encoder.texts_encoded
        second = encoder.encode_one(text)
        assert after_first - before == 1  # duplicates in one batch are encoded once
        assert encoder.texts_encoded == after_first  # and never again
        np.testing.assert_array_equal(first[0], second)
        np.testing.assert_array_equal(first[0], first[1])

    def test_empty_input_gives_an_empty_matrix(self, encoder: Encoder) -> None:
        assert encoder.encode([]).shape == (0, 384)

    def test_a_single_string_is_refused(self, encoder: Encoder) -> None:
        with pytest.raises(TypeError):
            encoder.encode("not a list")  # type: ignore[arg-type]

    def test_shared_returns_one_encoder_per_model(self) -> None:
        assert Encoder.shared() is Encoder.shared()

    def test_a_model_can_be_named_by_local_path(self, encoder: Encoder) -> None:
        by_path = Encoder(str(packaged_model_path()))
        assert by_path.model_name == "model"
        text = ["Local paths load the same weights"]
        np.testing.assert_allclose(by_path.encode(text), encoder.encode(text), atol=1e-5)

    def test_a_missing_local_model_is_refused(self, tmp_path) -> None:
        with pytest.raises(FileNotFoundError, match="never downloaded"):
            Encoder(str(tmp_path / "absent"))
