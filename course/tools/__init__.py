"""For authors and maintainers, not learners: the benchmark (`bench`), the no-framework ASGI
app it measures against (`bare_app`), and the generator of exercises/ from solutions/
(`exercise_builder`). Each runs from the command line: `python -m course bench|exercises`."""
