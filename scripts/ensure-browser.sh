#!/usr/bin/env bash
# The browser the page tests drive, and what PDFs and Chinese pages need: Debian's chromium (driven by
# Playwright at /usr/bin/chromium; no browser is ever downloaded), the Noto CJK fonts, poppler's pdftotext,
# and pango for WeasyPrint's PDFs.
set -euo pipefail

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
fc-list 2>/dev/null | grep "Noto Sans CJK" >/dev/null || missing+=(fonts-noto-cjk)
# WeasyPrint (the requests service's letters as PDF) loads pango through its C library.
ldconfig -p 2>/dev/null | grep "libpangoft2-1.0" >/dev/null || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ ${#missing[@]} -eq 0 ]; then
  echo "chromium, the CJK fonts, pango and pdftotext are installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "missing ${missing[*]}: install them with apt-get (as root), e.g. apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
