"""QR codes as inline SVG (no image request, nothing inline the CSP would refuse)."""
import functools

import qrcode
import qrcode.image.svg
from markupsafe import Markup, escape


@functools.lru_cache(maxsize=512)
def svg(data: str, label: str = "") -> Markup:
    """An <svg> element encoding `data`; the same link is drawn once per process."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    text = image.to_string(encoding="unicode")
    # The SVG is qrcode's own output for a URL we built, and the label is escaped.
    return Markup(text.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" class="qr-code" ', 1))  # noqa: S704 - qrcode's SVG, label escaped
