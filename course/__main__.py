"""`python -m course environment | bench [--json] [--quick] | exercises [--force] [--verify] |
grade PATH... [--jobs N] [--csv FILE] [--json] [--timeout-s N]`: the course outside notebooks."""

import argparse
import sys


def _add_grade(commands):
    grade = commands.add_parser("grade", help="grade submitted exercise notebooks")
    grade.add_argument("paths", nargs="+", metavar="PATH", help="notebooks or folders of them")
    grade.add_argument("--csv", metavar="FILE", help="also write the results to FILE as CSV")
    grade.add_argument("--json", action="store_true",
                       help="print JSON lines (submission, exercise, passed, message)")
    grade.add_argument("--timeout-s", type=float, default=None, metavar="N",
                       help="time limit per notebook in seconds (default 180)")
    grade.add_argument("--jobs", type=int, default=None, metavar="N",
                       help="notebooks graded at once, each in its own kernel "
                            "(default: 6 per core, at most 12, at least the number of cores)")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("environment", help="is this machine ready? versions, the event loop, Django")
    bench = commands.add_parser("bench", help="measure the numbers the course teaches")
    bench.add_argument("--json", action="store_true", help="print JSON lines, one per scenario")
    bench.add_argument("--quick", action="store_true", help="skip the 1,000-request scenarios")
    exercises = commands.add_parser("exercises", help="generate exercises/ from solutions/")
    exercises.add_argument("--force", action="store_true",
                           help="overwrite exercises that were edited since they were generated")
    exercises.add_argument("--verify", action="store_true",
                           help="write nothing; exit 1 if exercises/ differ from solutions/")
    _add_grade(commands)
    args = parser.parse_args(argv)

    if args.command == "environment":
        from course.readiness import environment

        report = environment()
        print(report)
        return 0 if report.ok else 1
    if args.command == "exercises":
        from course.tools import exercise_builder as generator

        return generator.main(force=args.force, verify_only=args.verify)
    if args.command == "grade":
        from course.grading import batch as grader

        limit_s = grader.NOTEBOOK_LIMIT_S if args.timeout_s is None else args.timeout_s
        return grader.main(args.paths, csv_path=args.csv, as_json=args.json, limit_s=limit_s,
                           jobs=args.jobs)
    from course.tools import bench as benchmark

    return benchmark.main(as_json=args.json, quick=args.quick)


if __name__ == "__main__":
    sys.exit(main())
