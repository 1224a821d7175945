"""Password policy. Pure functions."""

MIN_LENGTH = 8
COMMON = {"password", "12345678", "123456789", "1234567890", "qwertyui", "88888888", "11111111",
          "abcd1234", "password1", "iloveyou", "admin123"}


def password_problems(password: str, email: str = "") -> list[str]:
    """Why a password is refused (message ids to translate); empty when it is acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append("too_short")
    if password.lower() in COMMON or len(set(password)) < 4:
        problems.append("too_common")
    if email and password.lower() == email.split("@")[0].lower():
        problems.append("like_email")
    return problems
