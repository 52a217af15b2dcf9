"""docs/notebook.md works: its Python blocks run in order, in a fresh interpreter, as a
researcher would paste them into a new notebook."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "notebook.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
# Run after the walk-through: what it promises to leave behind.
CHECKS = """
assert open("attention.png", "rb").read(4) == b"\\x89PNG"
assert report.rows == 2 and report.sidecar.name == "strike.parquet.export.json"
print("notebook ok")
"""


def test_the_notebook_session_runs(tmp_path: Path) -> None:
    blocks = BLOCK.findall(NOTEBOOK.read_text(encoding="utf-8"))
    assert len(blocks) >= 10
    script = tmp_path / "session.py"
    script.write_text("\n".join([*blocks, CHECKS]), encoding="utf-8")
    (tmp_path / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    # pandas/matplotlib warnings fail the walk-through; dependencies' deprecations are not ours
    warnings = "error,ignore::DeprecationWarning,ignore::SyntaxWarning"
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONWARNINGS": warnings}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("notebook ok\n")
