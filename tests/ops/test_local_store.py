"""The on-disk Chroma store shared by processes: a write elsewhere is seen here."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from embeddings import LocalStore, VectorIndex

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import numpy as np

    from embeddings import LocalStore, VectorIndex

    store = LocalStore(Path(sys.argv[1]))
    index = VectorIndex(store, "shared-index", model_name="unit", dimension=4)
    index.upsert(["from-the-other-process"], np.array([[0.0, 0.0, 1.0, 0.0]], dtype=np.float32))
    index.delete(["first"])
    store.close()
    """
)


def unit(*values: float) -> np.ndarray:
    return np.array([values], dtype=np.float32)


def test_a_write_by_another_process_is_read_here_without_a_restart(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "chroma")
    index = VectorIndex(store, "shared-index", model_name="unit", dimension=4)
    index.upsert(["first", "second"], np.vstack([unit(1, 0, 0, 0), unit(0, 1, 0, 0)]))
    assert index.count() == 2

    subprocess.run([sys.executable, "-c", WRITER, str(tmp_path / "chroma")], check=True)

    # Reading ids the other process added fails on a client opened before its write.
    found = index.get(["first", "second", "from-the-other-process"])
    assert sorted(found) == ["from-the-other-process", "second"]
    assert index.query(unit(0, 0, 1, 0), top_k=1)[0].id == "from-the-other-process"
    assert index.count() == 2
    # A write from here after the other's keeps the other's vectors.
    index.upsert(["third"], unit(0, 0, 0, 1))
    store.close()
    reopened = VectorIndex(
        LocalStore(tmp_path / "chroma"), "shared-index", model_name="unit", dimension=4
    )
    assert sorted(reopened.ids()) == ["from-the-other-process", "second", "third"]


def test_reads_do_not_make_other_processes_reopen(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "chroma")
    index = VectorIndex(store, "shared-index", model_name="unit", dimension=4)
    index.upsert(["first"], unit(1, 0, 0, 0))
    stamp = (tmp_path / "chroma" / LocalStore.STAMP).read_text()
    index.get(["first"])
    index.query(unit(1, 0, 0, 0))
    VectorIndex(store, "shared-index", model_name="unit", dimension=4).count()
    assert (tmp_path / "chroma" / LocalStore.STAMP).read_text() == stamp
    store.close()
