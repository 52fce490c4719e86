import json
import subprocess
import sys

from course.tools import bench


def test_judge_checks_the_targets():
    assert bench.judge({"scenario": "async-view", "requests": 3, "total_s": 2.05})["ok"]
    assert not bench.judge({"scenario": "async-view", "requests": 3, "total_s": 2.5})["ok"]
    assert not bench.judge({"scenario": "sync-one-worker", "requests": 3, "total_s": 2.0})["ok"]
    assert not bench.judge({"scenario": "helper-overhead", "requests": 100, "ratio": 1.2})["ok"]
    assert bench.judge({"scenario": "load-client", "requests": 1000, "ratio": 1.2})["ok"]
    assert "ok" not in bench.judge({"scenario": "async-view", "requests": 100, "total_s": 9})


def test_table_has_a_row_per_result():
    rows = [bench.judge({"scenario": "async-view", "requests": 3, "delay_s": 2.0,
                         "total_s": 2.01, "ideal_s": 2.0, "peak_threads": 5})]
    table = bench.format_table(rows).splitlines()
    assert table[0].split()[:4] == ["scenario", "requests", "delay_s", "total_s"]
    assert table[1].split()[:4] == ["async-view", "3", "2", "2.01"]


def test_bench_json_lines_measure_every_scenario():
    out = subprocess.run([sys.executable, "-m", "course", "bench", "--json", "--quick"],
                         capture_output=True, text=True, timeout=300)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    scenarios = {(r["scenario"], r["requests"]) for r in rows}
    assert {("async-view", 3), ("sync-view-asgi", 3), ("sync-one-worker", 3),
            ("helper-overhead", 100), ("load-client", 1000)} <= scenarios
    for row in rows:
        assert {"scenario", "requests", "delay_s", "total_s", "ideal_s", "peak_threads"} <= set(row)
    by_name = {(r["scenario"], r["requests"]): r for r in rows}
    # Ratios with margin, not timings: the one-worker server is the slow one by far.
    assert by_name[("sync-one-worker", 3)]["total_s"] > 2 * by_name[("async-view", 3)]["total_s"]
    assert "ratio" in by_name[("helper-overhead", 100)]


def test_check_command_reports_all_set():
    out = subprocess.run([sys.executable, "-m", "course", "environment"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "All set." in out.stdout and "Django starts" in out.stdout


def test_unknown_command_is_a_usage_error():
    out = subprocess.run([sys.executable, "-m", "course", "bake"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 2 and "invalid choice" in out.stderr
