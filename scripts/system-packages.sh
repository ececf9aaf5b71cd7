#!/bin/sh
# The Debian packages pressroom's pre-checks and tests use: Tesseract OCR (text in images),
# exiftool (an independent reader of released files' metadata), Chromium and its headless shell (the
# browser tests drive the shell through Playwright; bench/pages.py the browser), PostgreSQL (the
# tests start a throwaway server to run the suite against a PostgreSQL ledger), the Noto colour
# emoji font (scripts/train_sketch.py and
# bench/sketch_quality.py draw the sketch model's subjects from it) and poppler-utils (pdftotext: the
# tests read the audit report's PDF back as text). Installs only what is missing.
set -e
missing=""
command -v tesseract >/dev/null 2>&1 || missing="$missing tesseract-ocr tesseract-ocr-eng"
command -v exiftool >/dev/null 2>&1 || missing="$missing libimage-exiftool-perl"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v chromium-headless-shell >/dev/null 2>&1 || missing="$missing chromium-headless-shell"
command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing="$missing postgresql"
command -v pdftotext >/dev/null 2>&1 || missing="$missing poppler-utils"
[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing="$missing fonts-noto-color-emoji"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
