"""Publishing pipeline for Insight research briefings.

Data flows one way: YAML sources (`load`) become located errors or a typed
model (`model`, `validate`, `catalogue`), which the renderers turn into the
subscriber site (`site`) and the PDFs (`pdf`).
"""

from pathlib import Path

PACKAGE = Path(__file__).parent
ASSETS = PACKAGE / "assets"
