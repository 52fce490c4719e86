import subprocess
import sys

import pytest

import course
from demo_project.catalog.models import Book


def test_setup_twice_returns_the_same_lab(lab):
    assert course.setup() is lab
    assert lab.books == 12 and lab.db_path.exists()
    assert "12 books" in repr(lab) and "12 books" in lab._repr_html_()


def test_setup_with_other_settings_explains_the_restart(lab):
    with pytest.raises(RuntimeError, match="Restart the kernel"):
        course.setup(DEBUG=False)


def test_reset_puts_the_demo_data_back(lab):
    Book.objects.filter(published__lt=1950).delete()
    assert Book.objects.count() < 12
    assert course.setup(reset=True).books == 12
    assert Book.objects.count() == 12


def test_setup_refuses_django_configured_elsewhere():
    code = ("from django.conf import settings; settings.configure()\n"
            "import course\n"
            "try:\n    course.setup()\nexcept RuntimeError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "configured in this kernel by something else" in out.stdout


def test_setup_works_inside_a_running_event_loop():
    code = ("import asyncio, course\n"
            "async def main():\n    return course.setup().books\n"
            "print(asyncio.run(main()))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "12", out.stderr


def _make_lab_command(*lab_args):
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    args = [f"LAB_ARGS={' '.join(lab_args)}"] if lab_args else []
    out = subprocess.run(["make", "-n", "lab", *args], cwd=root, capture_output=True,
                         text=True, timeout=60)
    return root, out.stdout


def test_make_lab_serves_the_course_root_and_opens_the_start_notebook():
    root, command = _make_lab_command()
    assert f'--ServerApp.root_dir="{root}"' in command
    assert "--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb" in command
    assert "--ServerApp.ip=127.0.0.1" in command


@pytest.mark.parametrize("given, default", [
    ("--ip=0.0.0.0", "--ServerApp.ip=127.0.0.1"),
    ("--ServerApp.ip=0.0.0.0", "--ServerApp.ip=127.0.0.1"),
    ("--ServerApp.root_dir=/srv/course", "--ServerApp.root_dir"),
    ("--LabApp.default_url=/lab", "--LabApp.default_url"),
])
def test_a_lab_args_option_replaces_its_default_instead_of_clashing(given, default):
    _, command = _make_lab_command(given, "--no-browser")
    assert given in command and command.count(default) == (default in given), command
