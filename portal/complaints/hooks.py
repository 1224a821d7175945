"""Other areas react to complaint changes here, inside the same transaction.

Deadlines, escalation, revisits and notifications subscribe once at start-up (see
`create_app`); the complaint verbs call them after every intake, move and note.
"""
AFTER_INTAKE: list = []  # fn(complaint, actor)
AFTER_MOVE: list = []  # fn(complaint, step, actor, data, before_status)
AFTER_NOTE: list = []  # fn(complaint, note, actor)
BEFORE_CLOSE: list = []  # fn(complaint, step, data) -> {field: [message id]}: why it may not close yet


def run(hooks: list, *args) -> None:
    for fn in hooks:
        fn(*args)


def problems(hooks: list, *args) -> dict:
    """The refusal reasons every guard in `hooks` gives (empty: nothing stands in the way)."""
    found = {}
    for fn in hooks:
        for name, codes in (fn(*args) or {}).items():
            found.setdefault(name, []).extend(codes)
    return found
