"""The measured figures the project publishes, kept in docs/measurements.json.

A bench script run with `--record` writes its figures here with the day it ran and
the command that produced them; the compliance report reads this file and states
each figure with its date and command. Nothing else writes it.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MEASUREMENTS = Path(__file__).resolve().parent.parent / "docs" / "measurements.json"


def record(key: str, *, figure: str, value: float, unit: str, detail: str = "") -> None:
    """Keep one figure, replacing the last measurement of the same key."""
    stored: dict[str, Any] = (
        json.loads(MEASUREMENTS.read_text()) if MEASUREMENTS.exists() else {"figures": {}}
    )
    script = Path(sys.argv[0]).name
    stored["figures"][key] = {
        "figure": figure,
        "value": round(float(value), 4),
        "unit": unit,
        "detail": detail,
        "measured_on": datetime.now(UTC).date().isoformat(),
        "command": " ".join(["python", f"bench/{script}", *sys.argv[1:]]),
    }
    stored["figures"] = dict(sorted(stored["figures"].items()))
    MEASUREMENTS.write_text(json.dumps(stored, indent=2, ensure_ascii=False) + "\n")
