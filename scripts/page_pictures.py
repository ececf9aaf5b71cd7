"""Remake the pictures of the pages in docs/pages/: the browser tests' walk over every page at 1440
and 390 px writes its screenshots (``PRESSROOM_SHOTS``), and a few of them become small WebP files
that docs/team-server.md shows. Run from the project's root:

    python scripts/page_pictures.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
CHOSEN = {  # the walk's screenshot name -> the picture's name in docs/pages/
    "home-omar": "home-omar",
    "briefs-brief-dana": "brief-dana",
    "images-image-rita": "image-rita",
    "recipes-recipe-cull-omar": "cull-omar",
    "briefs-brief-release-dana": "release-dana",
}


def main() -> int:
    with tempfile.TemporaryDirectory() as shots:
        walk = [sys.executable, "-m", "pytest", "tests/test_pages.py", "-q", "-p", "no:cacheprovider"]
        done = subprocess.run([*walk, "-k", "fits_a_desktop"], cwd=ROOT, env={**os.environ, "PRESSROOM_SHOTS": shots})
        if done.returncode:
            return done.returncode
        for shot, name in CHOSEN.items():
            for width in (1440, 390):
                image = Image.open(Path(shots) / f"{shot}-{width}.png").convert("RGB")
                if width == 1440:  # half size: the look of the page, not its pixels
                    image = image.resize((image.width // 2, image.height // 2), Image.LANCZOS)
                target = ROOT / "docs" / "pages" / f"{name}-{width}.webp"
                image.save(target, "WEBP", quality=55, method=6)
                print(f"{target.relative_to(ROOT)}: {image.width}x{image.height}, {target.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
