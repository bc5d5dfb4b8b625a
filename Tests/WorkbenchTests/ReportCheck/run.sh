#!/usr/bin/env bash
# Renders the report of a sample session the way people will see it and checks it:
#   1. the .ipynb validates against nbformat's schema (nbformat.validate);
#   2. headless Chromium renders the .html to PNG, and the page is not blank and every chart's
#      SVG box and every table has drawn pixels;
#   3. the same for the trainer's report (workbench tutorial report) of three fixture learners.
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
# check_page NAME: headless Chromium renders $work/NAME.html; every chart's SVG box and every table
# must have drawn pixels. A copy of the page with a small script lists each chart's and table's box
# (the report itself has no script); dumping its DOM gives the boxes at the screenshot's width.
check_page() {
    local name=$1
    python3 "$here/check.py" probe "$work/$name.html" "$work/$name-probe.html" || return 1
    chrome --window-size=$width,1000 --virtual-time-budget=5000 --dump-dom "file://$work/$name-probe.html" >"$work/$name-probe.dom" \
        || { echo "report check: FAIL: chromium --dump-dom failed on $name"; tail -20 "$work/chromium.log"; return 1; }
    local height
    height=$(python3 "$here/check.py" height "$work/$name-probe.dom") || { echo "report check: FAIL: no layout of $name from chromium"; tail -20 "$work/chromium.log"; return 1; }
    chrome --window-size=$width,$height --screenshot="$work/$name.png" "file://$work/$name.html" >/dev/null \
        || { echo "report check: FAIL: chromium --screenshot failed on $name"; tail -20 "$work/chromium.log"; return 1; }
    echo "$name:"
    if python3 "$here/check.py" verify "$work/$name-probe.dom" "$work/$name.png" "$work/$name.html"; then :; else
        mkdir -p .build/report-check && cp "$work/$name.png" "$work/$name.html" .build/report-check/ 2>/dev/null \
            && echo "report check: the page and its screenshot are kept in .build/report-check/"
        return 1
    fi
}
check_page report || failed=1

# The trainer's report (workbench tutorial report) of the fixture's three learners, with readiness
# for the generated lesson of a bundle made here.
learners=$PWD/Tests/WorkbenchTests/Fixtures/learners
binary_path=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
mkdir -p "$work/class" && cp -R examples "$work/class/" \
    && printf '%s\n' 'load "examples/penguins.csv"' 'm = train linear on penguins target=species' 'export m to "bundles/p"' \
        'tutorial make "bundles/p" to "tutorials/10-penguin-model.md"' >"$work/class/make.wb" \
    && (cd "$work/class" && WORKBENCH_HOME="$work/home" timeout 300 "$binary_path" run make.wb >/dev/null) \
    && (cd "$work/class" && WORKBENCH_HOME="$work/home" timeout 120 "$binary_path" tutorial report "$learners" -o "$work/trainer.html" \
        --bundle bundles/p --lesson penguin-model >/dev/null) \
    || { echo "report check: FAIL: writing the trainer's report failed"; exit 1; }
check_page trainer || failed=1
[ $failed -eq 0 ] && echo "report check: ok" || echo "report check: FAIL"
exit $failed
