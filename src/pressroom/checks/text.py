"""Text in the image (stray letters, fake logos), read with Tesseract OCR."""

from __future__ import annotations

from pressroom.checks import Context, Finding

NAME, ITEM = "text", "text"
MIN_CONFIDENCE = 60


def read_words(image) -> list[tuple[str, float]]:
    import pytesseract

    data = pytesseract.image_to_data(image.convert("RGB"), output_type=pytesseract.Output.DICT)
    return [
        (word.strip(), float(conf))
        for word, conf in zip(data["text"], data["conf"])
        if word.strip() and float(conf) >= MIN_CONFIDENCE and any(c.isalnum() for c in word)
    ]


def run(context: Context) -> Finding:
    import pytesseract

    try:
        words = read_words(context.image)
    except pytesseract.TesseractNotFoundError:
        return Finding(
            NAME,
            ITEM,
            "n/a",
            None,
            "Tesseract is not installed (Debian: tesseract-ocr)",
            "nothing: no OCR engine to read the image with",
        )
    looked = f"Tesseract {pytesseract.get_tesseract_version()} OCR, words with confidence >= {MIN_CONFIDENCE}"
    if not words:
        return Finding(NAME, ITEM, "pass", 0.0, "no legible text", looked)
    text = " ".join(w for w, _ in words)
    return Finding(NAME, ITEM, "warn", float(len(words)), f"text found: {text[:120]!r}", looked)


def inputs(context: Context) -> tuple:
    """Nothing besides the pixels: ``run_all`` remembers the finding per image content."""
    return ()
