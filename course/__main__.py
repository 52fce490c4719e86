"""`python -m course check | bench [--json] [--quick]`: the course outside notebooks."""

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="check versions, the event loop, and that Django starts")
    bench = commands.add_parser("bench", help="measure the numbers the course teaches")
    bench.add_argument("--json", action="store_true", help="print JSON lines, one per scenario")
    bench.add_argument("--quick", action="store_true", help="skip the 1,000-request scenarios")
    args = parser.parse_args(argv)

    if args.command == "check":
        from course.environment import environment

        report = environment()
        print(report)
        return 0 if report.ok else 1
    from course import bench as benchmark

    return benchmark.main(as_json=args.json, quick=args.quick)


if __name__ == "__main__":
    sys.exit(main())
