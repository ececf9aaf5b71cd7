"""Faces, found with OpenCV's Haar cascade (shipped with opencv-python-headless)."""

from __future__ import annotations

from pressroom.checks import Context, Finding

NAME, ITEM = "faces", "faces"


def detect(image) -> list[tuple[int, int, int, int]]:
    import cv2
    import numpy as np

    gray = cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2GRAY)
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    size = max(24, min(gray.shape) // 12)
    found = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(size, size))
    return [tuple(int(v) for v in box) for box in found]


def run(context: Context) -> Finding:
    boxes = detect(context.image)
    looked = f"Haar frontal-face cascade over {context.image.width}x{context.image.height}"
    if not boxes:
        return Finding(NAME, ITEM, "pass", 0.0, "no face found", looked)
    where = ", ".join(f"{w}x{h} at ({x},{y})" for x, y, w, h in boxes)
    no_people = bool(context.brief and context.brief.constraints.no_real_people)
    advice = (
        "the brief forbids real people: check it is not a real person" if no_people else "inspect eyes, teeth, symmetry"
    )
    return Finding(NAME, ITEM, "warn", float(len(boxes)), f"{len(boxes)} face(s): {where}; {advice}", looked)


def inputs(context: Context) -> tuple:
    """Nothing besides the pixels: ``run_all`` remembers the finding per image content."""
    return ()
