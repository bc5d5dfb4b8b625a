#!/usr/bin/env bash
# A binary you can copy: builds the release executable with the Swift runtime linked in
# (--static-swift-stdlib), checks that ldd lists no Swift library, copies it out of the checkout
# and uses it as a new user would, from an empty folder with an empty home: the built-in lessons
# are listed, first-steps can be completed, the example data loads, the README's generated-lesson
# recipe keeps the five lessons, and every golden transcript replays from another folder.
# Run by .ci/run; about 8 minutes on 2 cores for the build from scratch.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

# SCRATCH_PATH=DIR builds into another build folder (default .build).
scratch=()
[ -n "${SCRATCH_PATH:-}" ] && scratch=(--scratch-path "$SCRATCH_PATH")
swift build -c release --product workbench --static-swift-stdlib "${scratch[@]}" >/dev/null
built="$(swift build -c release --static-swift-stdlib "${scratch[@]}" --show-bin-path)/workbench"

fail() { echo "packaging: FAIL: $*"; exit 1; }

echo "packaging: ldd $built"
ldd "$built" | sed 's/^/  /'
if ldd "$built" | grep -Ei 'swift|foundation|dispatch|blocksruntime|xctest' >/dev/null; then
    fail "the binary links a Swift library"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/empty" "$work/home" "$work/goldens/sessions"
install -m 755 "$built" "$work/bin/workbench"
export PATH="$work/bin:$PATH" WORKBENCH_HOME="$work/home"
unset WORKBENCH_TUTORIALS
cd "$work/empty"

# The five lessons, from a folder with no tutorials/.
listing=$(printf 'tutorial\n' | workbench --no-record)
for lesson in first-steps invoking-a-model reading-classification reading-regression when-not-to-trust; do
    grep -q "^$lesson " <<<"$listing" || fail "lesson $lesson is not listed from an empty folder"$'\n'"$listing"
done

# first-steps, typed as the recorded walk-through types it, then the lesson list says finished.
{ sed -n 's/^\[[0-9]*\]> //p' "$root/sessions/tutorial-first-steps.wbt"; echo tutorial; } >"$work/first-steps.wb"
walk=$(workbench --no-record <"$work/first-steps.wb" || true)
grep -q "^first-steps .*finished" <<<"$walk" || fail "first-steps did not finish from an empty folder"$'\n'"$walk"

# The example data, and the README's generated-lesson recipe (the five lessons stay listed).
made=$(printf '%s\n' 'load "examples/penguins.csv"' 'm = train linear on penguins target=species' \
    'export m to "bundles/penguins"' 'tutorial make "bundles/penguins" to "tutorials/10-penguin-model.md"' 'tutorial' \
    | workbench --no-record)
grep -q "copy built into workbench" <<<"$made" || fail "the built-in example was not used"$'\n'"$made"
for lesson in first-steps when-not-to-trust penguin-model; do
    grep -q "^$lesson " <<<"$made" || fail "lesson $lesson missing after tutorial make"$'\n'"$made"
done
workbench predict bundles/penguins --input examples/penguins_fresh.csv --output scored.csv 2>/dev/null
[ "$(wc -l <scored.csv)" -eq 70 ] || fail "workbench predict on the built-in fresh penguins did not score 69 rows"

# Every golden transcript, replayed by the copied binary from another folder (a copy of sessions/
# beside the repository's examples, so what the cells write stays out of the checkout).
cp "$root"/sessions/*.wbt "$work/goldens/sessions/"
ln -s "$root/examples" "$work/goldens/examples"
count=0
for transcript in "$work"/goldens/sessions/*.wbt; do
    out=$(workbench replay "$transcript" 2>&1) || fail "replay of $(basename "$transcript") from another folder:"$'\n'"$out"
    count=$((count + 1))
done
echo "packaging: ok — no Swift library linked; lessons, first-steps, examples and $count golden transcripts work from an empty folder"
