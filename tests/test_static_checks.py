"""Static checks: ruff's security rules (bandit's checks) are clean on everything that runs in
production, every exception says why, and no text is ever compiled as a template outside Jinja's sandbox."""
import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What runs in production: the application, its migrations, the WSGI entry and the server config.
CHECKED = [p for p in ("portal", "migrations", "wsgi.py", "gunicorn.conf.py") if (ROOT / p).exists()]
NOQA_S = re.compile(r"#\s*noqa:[^#\n]*\bS\d{3}\b(?P<rest>.*)$")


def python_files():
    for entry in CHECKED:
        path = ROOT / entry
        yield from ([path] if path.is_file() else sorted(path.rglob("*.py")))


def test_ruff_security_rules_find_nothing():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "S", "--no-cache",
                           "--output-format", "concise", *CHECKED], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, (
        "ruff's security rules (S) found problems; fix them, or where the code is right add "
        "`# noqa: Sxxx - why it is safe` on the line:\n" + done.stdout + done.stderr)


def test_every_security_exception_says_why_it_is_safe():
    unexplained = []
    for path in python_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = NOQA_S.search(line)
            if match and len(re.sub(r"[\s,:;()-]|\b[A-Z]+\d{3}\b", "", match.group("rest"))) < 10:
                unexplained.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert unexplained == [], "a `# noqa: S...` needs its reason after it:\n" + "\n".join(unexplained)


# Ways to turn a string into a template. Tenant-editable text (mail texts, revisit scripts, contact
# details) is always data passed *into* a template file; if a tenant text ever must be a template, it is
# compiled by jinja2.sandbox.ImmutableSandboxedEnvironment, never by these.
TEMPLATE_FROM_STRING = {"render_template_string", "stream_template_string", "from_string", "Template",
                        "Environment", "compile_expression"}
SANDBOXES = {"SandboxedEnvironment", "ImmutableSandboxedEnvironment"}


def test_no_string_is_compiled_as_a_template_outside_the_sandbox():
    found = []
    for path in python_files():
        source = path.read_text(encoding="utf-8")
        if not any(word in source for word in TEMPLATE_FROM_STRING):
            continue  # nothing to look at closely
        tree = ast.parse(source, filename=str(path))
        from_jinja = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                      and (node.module or "").split(".")[0] in ("jinja2", "flask") for alias in node.names}
        sandboxes = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and _name(node.value.func) in SANDBOXES:
                sandboxes |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
            if name in SANDBOXES or (isinstance(receiver, ast.Name) and receiver.id in sandboxes):
                continue
            if name in {"from_string", "compile_expression"} or (
                    name in TEMPLATE_FROM_STRING and (name in from_jinja or _from_module(receiver, "jinja2"))):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:120]}")
    assert found == [], "text compiled as a template outside jinja2's sandbox:\n" + "\n".join(found)


def _name(func) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _from_module(receiver, module: str) -> bool:
    return isinstance(receiver, ast.Name) and receiver.id == module


def test_security_md_names_only_tests_that_exist():
    """SECURITY.md says which tests prove each promise; a renamed or removed test must not leave it wrong."""
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    missing, current = [], None
    for match in re.finditer(r"`(tests/[\w/]+\.py)?(?:::(\w+|\*))?", text):
        path, name = match.group(1), match.group(2)
        if path:
            current = ROOT / path
            if not current.exists():
                missing.append(path)
                continue
        if name and name != "*" and current is not None:
            if not re.search(rf"^def {name}\(", current.read_text(encoding="utf-8"), re.M):
                missing.append(f"{current.relative_to(ROOT)}::{name}")
    assert missing == [], "SECURITY.md names tests that do not exist:\n" + "\n".join(missing)
