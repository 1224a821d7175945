"""Other areas react to complaint changes here, inside the same transaction.

Deadlines, escalation, revisits and notifications subscribe once at start-up (see
`create_app`); the complaint verbs call them after every intake, move and note.
"""
AFTER_INTAKE: list = []  # fn(complaint, actor)
AFTER_MOVE: list = []  # fn(complaint, step, actor, data, before_status)
AFTER_NOTE: list = []  # fn(complaint, note, actor)


def run(hooks: list, *args) -> None:
    for fn in hooks:
        fn(*args)
