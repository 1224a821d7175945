"""Crisis handling (危机事件处理) and the mandatory written report to headquarters (重大抱怨书面报告)."""
