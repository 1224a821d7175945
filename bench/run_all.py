"""`make bench`: generate the 200k-complaint database if it is missing, then time the hot pages on it.

    python -m bench.run_all [--database-url URL] [-n COMPLAINTS] [-r REQUESTS] [--drop]
"""
import argparse
import sys

from . import common, generate, http_bench


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="default: KESU_DATABASE_URL, else bench/out/kesu-<n>.db")
    parser.add_argument("-n", "--complaints", type=int, default=common.DEFAULT_N,
                        help="complaints to generate when the database is missing (default %(default)s)")
    parser.add_argument("-r", "--requests", type=int, default=200, help="timed requests per endpoint (default %(default)s)")
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    args = parser.parse_args(argv)
    url = common.database_url(args.database_url, args.complaints)
    if not common.is_generated(url):
        print(f"generating {args.complaints} complaints (a few minutes) ...", flush=True)
        status = generate.main(["-n", str(args.complaints)] + (["--database-url", url] if args.database_url else []))
        if status:
            return status
    bench_args = ["-n", str(args.complaints), "-r", str(args.requests)]
    bench_args += (["--database-url", url] if args.database_url else []) + (["--drop"] if args.drop else [])
    return http_bench.main(bench_args)


if __name__ == "__main__":
    sys.exit(main())
