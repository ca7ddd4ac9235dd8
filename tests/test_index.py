import subprocess
import sys
import textwrap

import numpy as np
import pytest

from embeddings import Encoder, EncoderMismatch, VectorIndex, content_hash, make_chroma_client

TEXTS = [
    "How do I prepare for my first conversation with a new mentee?",
    "Ways to keep a remote mentoring pair talking between meetings",
    "Our office plants need watering twice a week",
]


def fill(index: VectorIndex, encoder: Encoder) -> list[str]:
    ids = [content_hash(t) for t in TEXTS]
    index.upsert(
        ids,
        encoder.encode(TEXTS),
        documents=TEXTS,
        metadatas=[{"kind": "mentoring"}, {"kind": "mentoring"}, {"kind": "office"}],
    )
    return ids


class TestVectorIndex:
    def test_query_returns_the_nearest_first(self, chroma, collection_name, encoder) -> None:
        index = VectorIndex.for_encoder(chroma, collection_name, encoder)
        ids = fill(index, encoder)
        hits = index.query(encoder.encode_one("getting ready for a kickoff with my mentee"))
        assert hits[0].id == ids[0]
        assert hits[0].score > hits[-1].score
        assert hits[-1].id == ids[2]

    def test_upserts_by_content_hash_are_idempotent(self, chroma, collection_name, encoder):
        index = VectorIndex.for_encoder(chroma, collection_name, encoder)
        fill(index, encoder)
        fill(index, encoder)
        assert index.count() == len(TEXTS)

    def test_metadata_filter(self, chroma, collection_name, encoder) -> None:
        index = VectorIndex.for_encoder(chroma, collection_name, encoder)
        ids = fill(index, encoder)
        hits = index.query(encoder.encode_one("plants"), top_k=3, where={"kind": "mentoring"})
        assert {h.id for h in hits} == {ids[0], ids[1]}
        index.delete(where={"kind": "office"})
        assert index.count() == 2

    def test_a_collection_refuses_another_model(self, chroma, collection_name, encoder) -> None:
        VectorIndex.for_encoder(chroma, collection_name, encoder)
        with pytest.raises(EncoderMismatch, match="all-MiniLM-L6-v2"):
            VectorIndex(chroma, collection_name, model_name="other-model", dimension=384)
        with pytest.raises(EncoderMismatch, match="dimension"):
            VectorIndex(chroma, collection_name, model_name="all-MiniLM-L6-v2", dimension=768)

    def test_vectors_of_the_wrong_dimension_are_refused(self, chroma, collection_name, encoder):
        index = VectorIndex.for_encoder(chroma, collection_name, encoder)
        with pytest.raises(EncoderMismatch):
            index.upsert(["x"], np.ones((1, 12), dtype=np.float32))

    def test_bad_collection_names_are_refused(self, chroma) -> None:
        with pytest.raises(ValueError, match="Collection name"):
            VectorIndex(chroma, "a b", model_name="m", dimension=3)

    def test_persistent_index_survives_a_restart(self, tmp_path, encoder) -> None:
        path = tmp_path / "chroma"
        index = VectorIndex.for_encoder(make_chroma_client(path=path), "kb-chunks", encoder)
        ids = fill(index, encoder)
        query = encoder.encode_one("getting ready for a kickoff with my mentee").tolist()
        # A new process opens the same directory and finds the same vectors.
        script = textwrap.dedent(
            f"""
            import json, numpy
            from embeddings import VectorIndex, make_chroma_client
            from pathlib import Path
            index = VectorIndex(make_chroma_client(path=Path({str(path)!r})), "kb-chunks",
                                model_name="all-MiniLM-L6-v2", dimension=384)
            hits = index.query(numpy.array({query!r}, dtype=numpy.float32))
            print(json.dumps([index.count(), hits[0].id]))
            """
        )
        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        assert result.stdout.strip().splitlines()[-1] == f'[3, "{ids[0]}"]'


class TestLargeBatches:
    def test_get_and_delete_thousands_of_ids(self, chroma, collection_name) -> None:
        index = VectorIndex(chroma, collection_name, model_name="m", dimension=4)
        ids = [f"id-{n}" for n in range(12_000)]
        vectors = np.random.default_rng(0).normal(size=(len(ids), 4)).astype(np.float32)
        index.upsert(ids, vectors)
        got = index.get([*ids, "absent"])
        assert len(got) == len(ids) and "absent" not in got
        np.testing.assert_allclose(got["id-11999"], vectors[-1], rtol=1e-6)
        index.delete(ids[:11_000])
        assert index.count() == 1_000
