"""A report page renders in headless Chromium and shows its plots (Debian's ``chromium`` package).

Skips, saying why, where Chromium is absent; ``.ci/run`` installs it.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

from tests.common.claims import OVERSHOOT, overshoot_instance
from theorycheck.claims import check
from theorycheck.confirm import confirm
from theorycheck.report import build, rebuild_index, write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--hide-scrollbars",
         "--no-first-run", "--disable-extensions"]


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run([CHROMIUM, *FLAGS, *args], capture_output=True, text=True, timeout=120, check=True)


def _png_pixels(path: Path) -> np.ndarray:
    """Decode an 8-bit RGB/RGBA PNG (what Chromium writes) into (h, w, channels)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8
            channels = {2: 3, 6: 4}[colour]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, 1 + width * channels)
    out = np.zeros((height, width * channels), dtype=np.int32)
    for y in range(height):  # undo the per-row filters (PNG spec, section 9)
        f, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        up = out[y - 1] if y else np.zeros_like(line)
        if f == 0:
            out[y] = line
        elif f == 2:
            out[y] = (line + up) % 256
        else:
            row = np.zeros_like(line)
            for x in range(line.size):
                left = row[x - channels] if x >= channels else 0
                ul = up[x - channels] if x >= channels else 0
                if f == 1:
                    pred = left
                elif f == 3:
                    pred = (left + up[x]) // 2
                else:
                    p = left + up[x] - ul
                    pa, pb, pc = abs(p - left), abs(p - up[x]), abs(p - ul)
                    pred = left if pa <= pb and pa <= pc else up[x] if pb <= pc else ul
                row[x] = (line[x] + pred) % 256
            out[y] = row
    return out.reshape(height, width, channels)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reports")
    verdict = check(OVERSHOOT, overshoot_instance())
    files = build(OVERSHOOT, verdict, confirm(OVERSHOOT, verdict), claim_ref={"kind": "catalogue", "id": "x"},
                  how_found={"method": "test"}, report_root=str(root))
    folder = write_report(root, files)
    rebuild_index(root)
    return folder / "report.html"


def test_the_report_page_renders_with_its_four_charts(report: Path) -> None:
    dom = _chromium("--dump-dom", report.as_uri()).stdout
    assert "CERTIFIED COUNTEREXAMPLE" in dom
    assert dom.count('class="tc-chart"') == 4  # loss, singular values, imbalance, monitored slack
    assert dom.count("<polyline") >= 4


def test_the_rendered_page_shows_plotted_lines(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "page.png"
    _chromium("--window-size=1000,2400", f"--screenshot={shot}", report.as_uri())
    pixels = _png_pixels(shot)[:, :, :3]
    blue = np.all(np.abs(pixels - np.array([0x00, 0x72, 0xB2])) <= 8, axis=-1)  # the first series' colour
    assert blue.sum() > 300, "no plotted lines in the rendered page"
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50


def test_the_index_renders_and_links_the_report(report: Path) -> None:
    dom = _chromium("--dump-dom", (report.parent.parent / "index.html").as_uri()).stdout
    assert f'href="{report.parent.name}/report.html"' in dom
