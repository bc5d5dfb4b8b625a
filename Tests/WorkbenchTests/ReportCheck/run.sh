#!/usr/bin/env bash
# Renders the report of a sample session the way people will see it and checks it:
#   1. the .ipynb validates against nbformat's schema (nbformat.validate);
#   2. headless Chromium renders the .html to PNG, and the page is not blank and every chart's
#      SVG box has drawn pixels.
# Chromium comes from Debian (apt-get install chromium) when missing; if it cannot be installed the
# check FAILS, saying so, rather than passing without having looked. Needs a built binary
# (.build/debug/workbench, or $WORKBENCH_BIN). Takes well under 3 minutes.
set -uo pipefail
cd "$(dirname "$0")/../../.."
here=Tests/WorkbenchTests/ReportCheck
binary=${WORKBENCH_BIN:-.build/debug/workbench}
session=${REPORT_SESSION:-sessions/report-charts.wbt}
work=$(mktemp -d "${TMPDIR:-/tmp}/workbench-report-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0

[ -x "$binary" ] || { echo "report check: FAIL: no binary at $binary (run swift build first)"; exit 1; }
timeout 300 "$binary" report "$session" -o "$work/report.html" || { echo "report check: FAIL: writing the HTML report failed"; exit 1; }
timeout 300 "$binary" report "$session" -o "$work/report.ipynb" || { echo "report check: FAIL: writing the notebook failed"; exit 1; }

# 1. The notebook against the nbformat schema.
if ! python3 -c "import nbformat" 2>/dev/null; then
    python3 -m pip install --quiet --disable-pip-version-check nbformat >/dev/null 2>&1 \
        || echo "report check: could not pip install nbformat"
fi
if python3 - "$work/report.ipynb" <<'PY'
import sys, nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
nbformat.validate(nb)
svgs = sum(1 for c in nb.cells for o in c.get("outputs", []) if "image/svg+xml" in o.get("data", {}))
assert svgs > 0, "no image/svg+xml output in the notebook"
print(f"notebook: valid nbformat {nb.nbformat}.{nb.nbformat_minor}, {len(nb.cells)} cells, {svgs} SVG outputs")
PY
then :; else echo "report check: FAIL: the notebook does not validate"; failed=1; fi

# 2. The page in a real browser.
browser=""
for candidate in chromium chromium-browser google-chrome; do
    command -v "$candidate" >/dev/null 2>&1 && { browser=$(command -v "$candidate"); break; }
done
if [ -z "$browser" ] && command -v apt-get >/dev/null 2>&1; then
    echo "report check: installing chromium from Debian"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >"$work/apt.log" 2>&1
    command -v chromium >/dev/null 2>&1 && browser=$(command -v chromium)
fi
if [ -z "$browser" ]; then
    echo "report check: FAIL: Chromium is not installed and could not be installed (apt-get install chromium); the HTML report was NOT checked in a browser"
    tail -5 "$work/apt.log" 2>/dev/null
    exit 1
fi
if ! python3 -c "import PIL" 2>/dev/null; then
    python3 -m pip install --quiet --disable-pip-version-check Pillow >/dev/null 2>&1 || true
fi

chrome() {
    timeout 90 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
        --no-first-run --disable-extensions --allow-file-access-from-files "$@" 2>>"$work/chromium.log"
}
width=1100
# A copy of the page with a small script that lists each chart's box (the report itself has no
# script); dumping its DOM gives the boxes at the same window width as the screenshot.
python3 "$here/check.py" probe "$work/report.html" "$work/probe.html" || exit 1
chrome --window-size=$width,1000 --virtual-time-budget=5000 --dump-dom "file://$work/probe.html" >"$work/probe.dom" \
    || { echo "report check: FAIL: chromium --dump-dom failed"; tail -20 "$work/chromium.log"; exit 1; }
height=$(python3 "$here/check.py" height "$work/probe.dom") || { echo "report check: FAIL: no layout from chromium"; tail -20 "$work/chromium.log"; exit 1; }
chrome --window-size=$width,$height --screenshot="$work/report.png" "file://$work/report.html" >/dev/null \
    || { echo "report check: FAIL: chromium --screenshot failed"; tail -20 "$work/chromium.log"; exit 1; }
if python3 "$here/check.py" verify "$work/probe.dom" "$work/report.png" "$work/report.html"; then :; else
    failed=1
    mkdir -p .build/report-check && cp "$work/report.png" "$work/report.html" .build/report-check/ 2>/dev/null \
        && echo "report check: the page and its screenshot are kept in .build/report-check/"
fi
[ $failed -eq 0 ] && echo "report check: ok" || echo "report check: FAIL"
exit $failed
