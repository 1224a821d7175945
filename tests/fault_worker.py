"""A real worker process for tests/test_faults.py: one round of periodic work (the sweeps, then mail),
exactly what `flask --app wsgi sweep` runs, for an app built from the JSON config on the command line.

    python -m tests.fault_worker '<json config>' [--slow SECONDS] [--batch N]

--slow waits after each notice the deadline sweep queues, and --batch makes its batches (one
transaction each) small, so that a test can kill the process while a sweep is half done.
"""
import argparse
import json
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("--slow", type=float, default=0.0)
    parser.add_argument("--batch", type=int, default=0)
    args = parser.parse_args()

    from portal import create_app
    from portal.complaints import notices
    from portal.jobs import run_periodic
    from portal.sla import sweep

    if args.slow:
        send = notices.send

        def slow_send(*a, **kw):
            send(*a, **kw)
            time.sleep(args.slow)
        notices.send = slow_send
    if args.batch:
        sweep.BATCH = args.batch
    app = create_app(json.loads(args.config))
    with app.app_context():
        result = run_periodic(app)
    print(json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    main()
