"""Export a sentence-transformers model folder to ONNX once, for the ONNX encoder backend.

Run at install (`make install` calls `python -m embeddings.export`) or, when that step
was skipped, on first use in a child process, so the serving process never imports
torch. The export reads only the local model folder: nothing is downloaded.

The graph takes `input_ids`, `attention_mask` and `token_type_ids` (dynamic batch and
sequence axes) and returns the mean-pooled, L2-normalised sentence embedding, the same
three steps sentence-transformers runs for all-MiniLM-L6-v2. It is written to
`<exports root>/<model name>-<key>/` beside the tokenizer and an `export.json` that
records where it came from; the key changes whenever a file of the source folder does,
so a reinstalled model is exported again rather than silently mismatched.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

# Bump when the exported graph changes shape or meaning; old exports are then ignored.
EXPORT_FORMAT = 1
OPSET = 17
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
MANIFEST_FILE = "export.json"


class ExportError(RuntimeError):
    """The model folder cannot be exported, or the export location cannot be written."""


def exports_root() -> Path:
    """Where exports live: inside the installation (the virtualenv), beside the model."""
    return Path(sys.prefix) / "share" / "mentoring-companion" / "onnx"


def _source_files(source: Path) -> list[Path]:
    return sorted(p for p in source.rglob("*") if p.is_file() and ".git" not in p.parts)


def export_key(source: Path) -> str:
    """Changes with the export format and with the name, size or time of any source file."""
    digest = hashlib.sha256(f"format={EXPORT_FORMAT};opset={OPSET}".encode())
    for path in _source_files(source):
        stat = path.stat()
        digest.update(f"{path.relative_to(source)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]


def export_dir(source: Path, model_name: str, root: Path | None = None) -> Path:
    return (root or exports_root()) / f"{model_name}-{export_key(source)}"


def is_exported(directory: Path) -> bool:
    return all((directory / name).is_file() for name in (MODEL_FILE, TOKENIZER_FILE, MANIFEST_FILE))


def read_pipeline(source: Path) -> dict:
    """What the ONNX backend must reproduce: the sequence limit and the pooling.

    Only transformer + mean pooling (+ normalisation) folders are exported; anything
    else is refused with the reason, and keeps working on the torch backend.
    """
    problems = []
    if not (source / TOKENIZER_FILE).is_file():
        problems.append(f"it has no {TOKENIZER_FILE} (a fast tokenizer)")
    modules_file = source / "modules.json"
    modules = json.loads(modules_file.read_text()) if modules_file.is_file() else []
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or not set(kinds[2:]) <= {"Normalize"}:
        problems.append(f"its modules are {kinds or 'not listed'}, not Transformer, Pooling")
    else:
        pooling = json.loads((source / modules[1]["path"] / "config.json").read_text())
        modes = sorted(k for k, v in pooling.items() if k.startswith("pooling_mode_") and v)
        if modes != ["pooling_mode_mean_tokens"]:
            problems.append(f"its pooling is {modes}, not mean pooling")
    if problems:
        raise ExportError(
            f"The model folder {source} cannot run on the ONNX backend: "
            + "; ".join(problems)
            + ". Set COMPANION_EMBEDDING_BACKEND=torch to use it."
        )
    config_file = source / "sentence_bert_config.json"
    config = json.loads(config_file.read_text()) if config_file.is_file() else {}
    return {"max_seq_length": int(config.get("max_seq_length") or 512), "pooling": "mean"}


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """One exporter at a time per installation; the others wait, then find it done."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".export.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _export_graph(source: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel

    class MeanPooled(torch.nn.Module):
        def __init__(self, transformer: torch.nn.Module) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    # Eager attention traces to plain matrix products that onnxruntime fuses.
    transformer = AutoModel.from_pretrained(
        str(source), attn_implementation="eager", local_files_only=True
    ).eval()
    example = torch.ones((2, 8), dtype=torch.int64)
    axes = {0: "batch", 1: "sequence"}
    # The tracer warns about shape arithmetic it keeps symbolic anyway; the test suite
    # checks the exported vectors against sentence-transformers' at other shapes.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            MeanPooled(transformer).eval(),
            (example, example, torch.zeros_like(example)),
            str(target),
            dynamo=False,
            opset_version=OPSET,
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["sentence_embedding"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "sentence_embedding": {0: "batch"},
            },
        )


def export(source: Path, model_name: str, *, root: Path | None = None) -> Path:
    """Export source once into root (default: the installation); returns the directory.

    Safe to run from several processes at once: they queue on a lock, and the
    directory appears complete or not at all (written aside, then renamed).
    """
    source = source.resolve()
    pipeline = read_pipeline(source)
    target = export_dir(source, model_name, root)
    if is_exported(target):
        return target
    try:
        with _locked(target.parent):
            if is_exported(target):
                return target
            started = time.perf_counter()
            print(
                f"Exporting {model_name} to ONNX once (about 10-30 s) into {target.parent} ...",
                file=sys.stderr,
                flush=True,
            )
            partial = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
            partial.chmod(0o755)  # readable by every account that runs the service
            try:
                _export_graph(source, partial / MODEL_FILE)
                shutil.copyfile(source / TOKENIZER_FILE, partial / TOKENIZER_FILE)
                manifest = {
                    "model": model_name,
                    "source": str(source),
                    "format": EXPORT_FORMAT,
                    "opset": OPSET,
                    **pipeline,
                }
                (partial / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
                if target.exists():  # an incomplete leftover of an interrupted export
                    shutil.rmtree(target)
                partial.rename(target)
            finally:
                shutil.rmtree(partial, ignore_errors=True)
            print(
                f"Exported {model_name} in {time.perf_counter() - started:.0f} s.",
                file=sys.stderr,
                flush=True,
            )
    except PermissionError as exc:
        raise ExportError(
            f"The ONNX export of {model_name} is missing and {target.parent} cannot be "
            f"written ({exc.strerror}). Run `python -m embeddings.export` once as the user "
            "who installed the service, or set COMPANION_EMBEDDING_BACKEND=torch."
        ) from None
    return target


def export_in_child(source: Path, model_name: str, *, root: Path | None = None) -> Path:
    """Export in a separate process, so torch is never imported into this one."""
    target = export_dir(source.resolve(), model_name, root)
    if is_exported(target):
        return target
    command = [sys.executable, "-m", "embeddings.export", "--model", str(source)]
    command += ["--name", model_name]
    if root is not None:
        command += ["--root", str(root)]
    # The child's messages go straight to this process's stderr: whoever watches a
    # first start sees that the export is under way, or why it failed.
    done = subprocess.run(command, stdout=subprocess.DEVNULL)
    if done.returncode != 0 or not is_exported(target):
        raise ExportError(
            f"The ONNX export of {model_name} failed (the reason is printed above). "
            "Set COMPANION_EMBEDDING_BACKEND=torch to run the model without it."
        )
    return target


def main(argv: list[str] | None = None) -> int:
    from embeddings.encoder import PACKAGED_MODEL_NAME, packaged_model_path

    parser = argparse.ArgumentParser(
        prog="python -m embeddings.export", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--model", help="a local sentence-transformers folder (default: packaged)")
    parser.add_argument("--name", help="the model name recorded with its vectors")
    parser.add_argument("--root", type=Path, help=f"exports folder (default: {exports_root()})")
    args = parser.parse_args(argv)
    source = Path(args.model).expanduser() if args.model else packaged_model_path()
    name = args.name or (Path(args.model).resolve().name if args.model else PACKAGED_MODEL_NAME)
    try:
        target = export(source, name, root=args.root)
    except ExportError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    print(target)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import embeddings  # noqa: F401  (forces the libraries offline before they load)

    raise SystemExit(main())
