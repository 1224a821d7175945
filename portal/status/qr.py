"""QR codes as inline SVG (no image request, nothing inline the CSP would refuse)."""
import functools

import qrcode
import qrcode.image.svg
from markupsafe import Markup, escape


@functools.lru_cache(maxsize=512)
def svg(data: str, label: str = "") -> Markup:
    """An <svg> element encoding `data`; the same link is drawn once per process."""
    # A fixed mask: any of the eight is valid, and trying all of them was half the cost of a complaint page.
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M,
                         image_factory=qrcode.image.svg.SvgPathImage, mask_pattern=0)
    code.add_data(data)
    code.make(fit=True)
    text = code.make_image().to_string(encoding="unicode")
    # The SVG is qrcode's own output for a URL we built, and the label is escaped.
    return Markup(text.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" class="qr-code" ', 1))  # noqa: S704 - qrcode's SVG, label escaped
