"""Support requests (配件/技术支持): the parts centre and technical support, played by HQ in the demo."""
