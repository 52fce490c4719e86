"""Exercise self-checks and the batch grader.

    course.check("ex01")                       # in a notebook: one exercise, judged
    course.grading.check_all()                 # every exercise, as a score table
    python -m course grade submissions/        # a folder of notebooks, each in a fresh kernel

`checks` runs a judge and shows the verdict; `exercises/` holds one judge per exercise;
`judging` and `probes` are what the judges share; `batch` is the grader.
"""

from course.grading.checks import CheckResult, check, check_all

__all__ = ["CheckResult", "check", "check_all"]
