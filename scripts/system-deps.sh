#!/usr/bin/env bash
# System packages the test suite and `norte report --pdf` use, installed when missing (Debian):
# Java (PySpark parity tests, local mode), Chromium (Playwright browser tests, PDF; Playwright
# downloads no browser), poppler-utils (pdftoppm/pdftotext check the PDF), fonts, make.
# Idempotent and non-interactive; on a machine without apt-get or root it says what is missing.
set -uo pipefail
missing=()
command -v make >/dev/null || missing+=(make)
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v chromium >/dev/null || missing+=(chromium chromium-driver)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
[ ${#missing[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "installing system packages: ${missing[*]}" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "missing system packages (install them for the Spark, browser and PDF tests): ${missing[*]}" >&2
fi
exit 0
