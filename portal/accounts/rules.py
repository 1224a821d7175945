"""Password policy. Pure functions."""
import unicodedata

MIN_LENGTH = 10
# Refused whatever the length: the most used passwords of 10 characters or more (lower case),
# with the Chinese favourites (love-you numbers, keyboard walks, pinyin).
COMMON = frozenset({
    "password", "12345678", "123456789", "1234567890", "qwertyui", "88888888", "11111111", "abcd1234",
    "password1", "iloveyou", "admin123", "password12", "password123", "password1234", "passw0rd12",
    "p@ssw0rd12", "p@ssword123", "qwerty1234", "qwertyuiop", "1qaz2wsx3edc", "1q2w3e4r5t", "q1w2e3r4t5",
    "a123456789", "abc1234567", "abcd123456", "abc123456789", "aa123456789", "woaini1314", "woaini520",
    "5201314520", "1314520520", "iloveyou12", "admin12345", "administrator", "welcome123", "changeme123",
    "letmein123", "zxcvbnm123", "asdfghjkl1", "0123456789", "9876543210", "1234567890a", "a1234567890",
    "qweasdzxc123", "123qweasdzxc", "kesu123456",
})


def character_classes(password: str) -> set[str]:
    """Which kinds of characters a password uses: lower, upper, digit, other (symbols, 汉字, spaces)."""
    kinds = set()
    for ch in password:
        if ch.isdigit():
            kinds.add("digit")
        elif ch.isascii() and ch.isalpha():
            kinds.add("lower" if ch.islower() else "upper")
        else:
            kinds.add("other")
    return kinds


def password_problems(password: str, email: str = "") -> list[str]:
    """Why a password is refused (problem codes to translate); empty when it is acceptable."""
    problems = []
    folded = unicodedata.normalize("NFKC", password).lower()
    if len(password) < MIN_LENGTH:
        problems.append("too_short")
    if len(character_classes(password)) < 2:
        problems.append("one_class")
    if folded in COMMON or folded.rstrip("!.?#*") in COMMON or len(set(folded)) < 4:
        problems.append("too_common")
    address = email.strip().lower()
    name = address.split("@")[0]
    if address and (address in folded or (len(name) >= 3 and name in folded)):
        problems.append("like_email")
    return problems
