"""The customer-link QR code: the SVG draws exactly the modules qrcode computed."""
import re

import qrcode

from portal.status import qr

LINK = "https://kesu.example/s/Zq3-xT_9abcdefghijklmnopqrstuvwxyz0123"


def drawn(svg: str) -> list[list[bool]]:
    """The module grid an SVG of ours paints, read back from its viewBox and path."""
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    grid = [[False] * size for _ in range(size)]
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", re.search(r' d="([^"]*)"', svg).group(1)):
        for i in range(int(x), int(x) + int(w)):
            assert not grid[int(y)][i], "a module painted twice"
            grid[int(y)][i] = True
    return grid


def test_the_svg_paints_every_dark_module_and_nothing_else():
    svg = str(qr.svg(LINK, "QR"))
    assert drawn(svg) == qr.modules(LINK)
    assert 'aria-label="QR"' in svg and svg.startswith("<svg ") and svg.endswith("</svg>")


def test_the_modules_are_a_readable_code_for_the_link_with_a_quiet_zone():
    grid = qr.modules(LINK)
    reference = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=0)
    reference.add_data(LINK)
    assert grid == reference.get_matrix()  # qrcode's own encoding of the link
    assert not any(grid[0]) and not any(grid[1]) and not any(row[0] or row[1] for row in grid)
    assert all(grid[2][2:9]) and all(grid[8][2:9])  # the top-left finder pattern's edges


def test_the_label_is_escaped():
    assert "<b>" not in str(qr.svg(LINK, "<b>x</b>")) and "&lt;b&gt;" in str(qr.svg(LINK, "<b>x</b>"))
