import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from companion.errors import SettingsError
from companion.settings import load_settings
from embeddings import Encoder
from embeddings.encoder import packaged_model_path
from embeddings.export import ExportError, export, export_in_child, export_key, is_exported
from embeddings.onnx_backend import OnnxModel


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


@pytest.fixture(scope="module")
def torch_encoder() -> Encoder:
    """sentence-transformers itself: the reference the ONNX backend must agree with."""
    return Encoder.shared(backend="torch")


def real_texts() -> list[str]:
    """Guidance passages, the evaluation questions, profiles, and the edge cases of length."""
    from bench.profiles import profile_texts
    from knowledge import CORPUS_DIR, EVAL_QUERIES
    from knowledge.evaluation import load_queries

    passages = []
    for path in sorted(CORPUS_DIR.glob("*.md"))[:12]:
        paragraphs = [p for p in path.read_text().split("\n\n") if len(p.split()) > 8]
        passages += paragraphs[:6]
    questions = [q.query for q in load_queries(EVAL_QUERIES)]
    longest = " ".join(passages)  # far past the model's 256-token limit: truncated alike
    return [*passages, *questions, *profile_texts(60), longest, "ok", "Ünïcödé — ça va? 日本語"]


class TestOnnxBackend:
    def test_is_the_default(self, encoder: Encoder) -> None:
        assert Encoder().backend == "onnx"
        assert encoder.backend == "onnx"

    def test_vectors_match_sentence_transformers(
        self, encoder: Encoder, torch_encoder: Encoder
    ) -> None:
        texts = real_texts()
        assert len(texts) > 150
        onnx, reference = encoder.encode(texts), torch_encoder.encode(texts)
        cosines = np.sum(onnx * reference, axis=1)
        assert cosines.min() >= 0.9999, texts[int(cosines.argmin())]

    def test_both_backends_name_the_same_vector_space(
        self, encoder: Encoder, torch_encoder: Encoder
    ) -> None:
        # A Chroma collection records the model name and dimension; vectors stored by
        # either backend stay valid for the other.
        assert (encoder.model_name, encoder.dimension) == (
            torch_encoder.model_name,
            torch_encoder.dimension,
        )

    def test_order_and_batching_do_not_change_vectors(self, encoder: Encoder) -> None:
        texts = real_texts()[:80]
        encoder.clear_cache()
        together = encoder.encode(texts)
        encoder.clear_cache()
        one_by_one = np.vstack([encoder.encode([t]) for t in reversed(texts)])[::-1]
        np.testing.assert_allclose(together, one_by_one, atol=2e-5)

    def test_an_unknown_backend_is_refused(self) -> None:
        with pytest.raises(ValueError, match="Unknown embedding backend"):
            Encoder(backend="tensorflow")  # type: ignore[arg-type]


class TestExport:
    def test_a_model_without_mean_pooling_is_refused_with_the_reason(self, tmp_path) -> None:
        source = tmp_path / "cls-model"
        (source / "1_Pooling").mkdir(parents=True)
        (source / "tokenizer.json").write_text("{}")
        modules = [
            {"idx": 0, "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        ]
        (source / "modules.json").write_text(json.dumps(modules))
        (source / "1_Pooling" / "config.json").write_text(
            json.dumps({"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False})
        )
        with pytest.raises(ExportError, match=r"pooling_mode_cls_token.*BACKEND=torch"):
            export(source, "cls-model", root=tmp_path / "exports")
        assert not (tmp_path / "exports").exists()

    def test_a_failed_export_in_a_child_process_says_what_to_do(
        self, tmp_path, capfd: pytest.CaptureFixture[str]
    ) -> None:
        source = tmp_path / "not-a-model"
        source.mkdir()
        with pytest.raises(ExportError, match="BACKEND=torch"):
            export_in_child(source, "not-a-model", root=tmp_path / "exports")
        assert "has no tokenizer.json" in capfd.readouterr().err  # the child's reason

    def test_the_key_follows_the_source_files(self, tmp_path) -> None:
        source = tmp_path / "model"
        shutil.copytree(packaged_model_path(), source)
        before = export_key(source)
        assert export_key(source) == before
        (source / "config.json").write_text((source / "config.json").read_text() + "\n")
        assert export_key(source) != before

    def test_concurrent_exports_queue_and_the_second_finds_it_done(self, tmp_path) -> None:
        root = tmp_path / "exports"
        command = [sys.executable, "-m", "embeddings.export", "--root", str(root)]
        first, second = (
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        )
        outputs = [process.communicate(timeout=600) for process in (first, second)]
        assert [process.returncode for process in (first, second)] == [0, 0]
        [made] = [path for path in root.iterdir() if not path.name.startswith(".")]
        assert {out.strip() for out, _ in outputs} == {str(made)}
        assert sum("Exporting" in err for _, err in outputs) == 1  # one did the work
        assert is_exported(made)
        assert json.loads((made / "export.json").read_text())["max_seq_length"] == 256
        texts = ["An export of our own gives the installed vectors"]
        ours = OnnxModel(made).encode(texts, batch_size=8)
        np.testing.assert_allclose(ours, Encoder.shared().encode(texts), atol=1e-5)


class TestBackendSetting:
    def test_defaults_to_onnx_and_accepts_torch(self, monkeypatch: pytest.MonkeyPatch) -> None:
        assert load_settings().embedding_backend == "onnx"
        monkeypatch.setenv("COMPANION_EMBEDDING_BACKEND", "torch")
        assert load_settings().embedding_backend == "torch"

    def test_an_unknown_backend_names_the_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("COMPANION_EMBEDDING_BACKEND", "gpu")
        with pytest.raises(SettingsError, match="COMPANION_EMBEDDING_BACKEND"):
            load_settings()

    def test_a_model_the_onnx_backend_cannot_run_is_refused_at_start(
        self, tmp_path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        folder = tmp_path / "my-model"
        folder.mkdir()  # no tokenizer.json, no modules.json
        monkeypatch.setenv("COMPANION_EMBEDDING_MODEL", str(folder))
        with pytest.raises(SettingsError, match=r"tokenizer\.json.*BACKEND=torch"):
            load_settings()
        monkeypatch.setenv("COMPANION_EMBEDDING_BACKEND", "torch")
        assert load_settings().embedding_model == str(folder)
