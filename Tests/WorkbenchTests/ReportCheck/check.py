"""Helpers for run.sh: make the probe page, read its layout, and check the screenshot.

probe REPORT PROBE     copy REPORT with a script that writes every chart's box into the page
height DOM             the page height (pixels) from the dumped probe DOM
verify DOM PNG REPORT  the page is not blank and each chart's box has drawn pixels
"""
import json
import re
import struct
import sys
import zlib

PROBE = """<script>
window.addEventListener('load', function () {
  var out = {height: Math.ceil(document.documentElement.scrollHeight), charts: []};
  document.querySelectorAll('svg.chart').forEach(function (svg) {
    var r = svg.getBoundingClientRect();
    out.charts.push({id: svg.id, x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height});
  });
  out.tables = [];
  document.querySelectorAll('table[id]').forEach(function (t) {
    var r = t.getBoundingClientRect();
    out.tables.push({id: t.id, x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height});
  });
  var pre = document.createElement('pre');
  pre.id = 'chart-boxes';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def layout(dom_path):
    dom = open(dom_path, encoding="utf-8").read()
    m = re.search(r'<pre id="chart-boxes">(.*?)</pre>', dom, re.S)
    if not m:
        sys.exit("report check: FAIL: the probe page wrote no chart boxes (did the page load?)")
    return json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def read_png(path):
    """Width, height and rows of (r, g, b) for an 8-bit RGB or RGBA PNG; Pillow when present."""
    try:
        from PIL import Image
        image = Image.open(path).convert("RGB")
        w, h = image.size
        data = image.tobytes()
        return w, h, lambda x, y: data[(y * w + x) * 3:(y * w + x) * 3 + 3]
    except ImportError:
        pass
    raw = open(path, "rb").read()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(raw):
        length, kind = struct.unpack(">I4s", raw[pos:pos + 8])
        body = raw[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            w, h, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, "unsupported PNG layout"
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    data = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f = data[i]; line = bytearray(data[i + 1:i + 1 + stride]); i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line)); prev = line
    return w, h, lambda x, y: rows[y][x * bpp:x * bpp + 3]


def drawn(pixel):
    r, g, b = pixel[0], pixel[1], pixel[2]
    return min(r, g, b) < 200


def main():
    command = sys.argv[1]
    if command == "probe":
        html = open(sys.argv[2], encoding="utf-8").read()
        open(sys.argv[3], "w", encoding="utf-8").write(html.replace("</body>", PROBE + "</body>"))
    elif command == "height":
        print(max(800, min(30000, layout(sys.argv[2])["height"] + 40)))
    elif command == "verify":
        boxes = layout(sys.argv[2])["charts"]
        w, h, pixel = read_png(sys.argv[3])
        expected = re.findall(r'<svg xmlns="http://www.w3.org/2000/svg" id="([^"]+)" class="chart"', open(sys.argv[4], encoding="utf-8").read())
        problems = []
        # Not blank: a coarse sample of the whole page has ink and several colours.
        sample = [pixel(x, y) for y in range(0, h, 7) for x in range(0, w, 7)]
        ink = sum(1 for p in sample if drawn(p)) / max(1, len(sample))
        colours = len(set(bytes(p) for p in sample))
        if ink < 0.01 or colours < 8:
            problems.append(f"the page looks blank ({ink:.1%} ink, {colours} colours)")
        if not expected:
            problems.append("the report has no charts")
        found = {b["id"]: b for b in boxes}
        for chart in expected:
            box = found.get(chart)
            if box is None or box["w"] < 50 or box["h"] < 50:
                problems.append(f"{chart}: no box on the page ({box})")
                continue
            x0, y0 = int(box["x"]) + 3, int(box["y"]) + 3
            x1, y1 = min(w, int(box["x"] + box["w"]) - 3), min(h, int(box["y"] + box["h"]) - 3)
            if x1 <= x0 or y1 <= y0:
                problems.append(f"{chart}: box {box} lies outside the {w}×{h} screenshot")
                continue
            pixels = [pixel(x, y) for y in range(y0, y1, 2) for x in range(x0, x1, 2)]
            share = sum(1 for p in pixels if drawn(p)) / max(1, len(pixels))
            coloured = sum(1 for p in pixels if max(p) - min(p) > 60)
            status = "ok" if share >= 0.01 and coloured >= 150 else "EMPTY"
            print(f"  {chart}: {int(box['w'])}×{int(box['h'])} at ({int(box['x'])}, {int(box['y'])}), {share:.1%} drawn, {coloured} coloured samples: {status}")
            if status != "ok":
                problems.append(f"{chart}: nothing drawn in its box")
        html = open(sys.argv[4], encoding="utf-8").read()
        tables = {b["id"]: b for b in layout(sys.argv[2]).get("tables", [])}
        for table in re.findall(r'<table id="([^"]+)"', html):
            box = tables.get(table)
            if box is None or box["w"] < 20 or box["h"] < 10:
                problems.append(f"{table}: no box on the page ({box})")
                continue
            x0, y0 = int(box["x"]), int(box["y"])
            x1, y1 = min(w, int(box["x"] + box["w"])), min(h, int(box["y"] + box["h"]))
            pixels = [pixel(x, y) for y in range(y0, y1, 2) for x in range(x0, x1, 2)]
            share = sum(1 for p in pixels if drawn(p)) / max(1, len(pixels))
            status = "ok" if share >= 0.01 else "EMPTY"
            print(f"  {table}: {int(box['w'])}×{int(box['h'])} at ({int(box['x'])}, {int(box['y'])}), {share:.1%} drawn: {status}")
            if status != "ok":
                problems.append(f"{table}: table drawn empty")
        print(f"page {w}×{h}: {ink:.1%} ink, {colours} colours in a sample; {len(expected)} charts expected, {len(boxes)} found")
        for p in problems:
            print("report check: FAIL: " + p)
        sys.exit(1 if problems else 0)


main()
