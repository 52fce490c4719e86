"""Every notebook, run the way a learner runs it: JupyterLab in a real (headless) Chromium.

Per notebook: open it, Run → Run All Cells, wait until the kernel is idle and no cell shows
[*], check the page, Run All Cells again in the same kernel, save with Ctrl+S, then fail on an error output, a code cell left unrun, a dialog (such as
"Select Kernel"), a notification toast (Jupyter news), a widget that did not render, or no
plot. The saved .ipynb is read back to check the same things where the kernel wrote them.
Any text on stderr fails too: JupyterLab renders an uncaught exception and a stream to
stderr alike (data-mime-type application/vnd.jupyter.stderr), the course writes neither, and
a warning or "Task exception was never retrieved" there is noise a learner should not see.
A screenshot per notebook lands in build/browser/. The server serves a temp copy of
notebooks/, so the committed notebooks never get outputs. The course's JupyterLab settings
(jupyter/, what `make lab` reads) are checked here too.

Needs Debian's `chromium` (/usr/bin/chromium) and Playwright from PyPI; outside CI the test
skips without them, under CI (CI=true) it fails: `.ci/run` installs chromium.
"""

import json
import os
import re
import shutil
import subprocess
import time

import pytest
from browser_lab import CHROMIUM, CHROMIUM_ARGS, ROOT, JupyterLab, MakeLab
from notebook_runner import RAN_TWICE
from test_notebooks import DRAWS_NO_PLOT

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # requirements-dev.txt installs it
    sync_playwright = None

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
LAST_LESSON = NOTEBOOKS[-1]  # its navigation cell leads to the exercises
SCREENSHOTS = ROOT / "build" / "browser"
VIEWPORT = {"width": 1400, "height": 1000}
KERNEL_READY_TIMEOUT_S = 60
RUN_ALL_TIMEOUT_S = 240  # the slowest notebook (08) runs ~40 s; generous for a busy CI machine
SAVE_TIMEOUT_S = 30
POLL_S = 0.5
SETTLED_POLLS = 3  # idle with no [*] this many polls in a row: Run All has finished
SCROLL_SETTLE_PASSES, SCROLL_SETTLE_MS = 3, 400  # for the screenshot

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _missing():
    if sync_playwright is None:
        return "Playwright is not installed (pip install -r requirements-dev.txt)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does this)"
    return None


MISSING = _missing()
needs_browser = pytest.mark.skipif(bool(MISSING) and not IN_CI, reason=f"browser test: {MISSING}")

# What the page shows, read in one round trip. textContent, not innerText: JupyterLab skips
# rendering cells outside the viewport (content-visibility), but they stay in the DOM.
PAGE_STATE_JS = """() => {
  const all = (selector) => Array.from(document.querySelectorAll(selector));
  const outputs = all('.jp-Notebook .jp-OutputArea-output');
  return {
    indicator: all('.jp-Notebook-ExecutionIndicator').map(e => e.dataset.status),
    kernel: all('.jp-StatusBar-TextItem').map(e => e.textContent.trim())
      .filter(t => t.includes(' | ')).join(' '),
    prompts: all('.jp-Notebook .jp-CodeCell .jp-InputPrompt').map(e => e.textContent.trim()),
    stderr: all('.jp-Notebook .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
      .map(e => e.textContent),
    widget_errors: outputs.map(e => e.textContent)
      .filter(t => t.includes('Error displaying widget') || t.includes('Loading widget...')),
    images: all('.jp-Notebook .jp-OutputArea-output img').length,
    dialogs: all('.jp-Dialog').map(e => e.textContent.trim()),
    toasts: all('.Toastify__toast').map(e => e.textContent.trim()),
    dirty: all('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty').length,
  };
}"""
RUNNING = "[*]:"
KERNEL_IDLE = "Python 3 (ipykernel) | Idle"  # the status bar; "No Kernel | ..." until it starts
RAN = re.compile(r"^\[\d+\]:$")


@pytest.fixture(scope="module")
def served_root(tmp_path_factory):
    """A temp folder holding a copy of notebooks/: what the browser saves stays there."""
    root = tmp_path_factory.mktemp("lab-root")
    shutil.copytree(ROOT / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return root


@pytest.fixture(scope="module")
def lab(served_root):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with JupyterLab(served_root, log_path=SCREENSHOTS / "jupyter-lab.log") as server:
        yield server


@pytest.fixture(scope="module")
def browser(lab):
    if MISSING:
        pytest.fail(f"CI=true, so the browser test must run, but {MISSING}")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except BaseException:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def page(browser, lab):
    context = browser.new_context(viewport=VIEWPORT)
    yield context.new_page()
    context.close()
    lab.shut_down_kernels()  # one notebook's kernel (and Django) at a time


def _state(page):
    return page.evaluate(PAGE_STATE_JS)


def _wait_for(page, done, timeout_s, what):
    """Poll the page state until done(state) is true; return the state or fail saying what."""
    deadline = time.monotonic() + timeout_s
    while True:
        state = _state(page)
        if state["dialogs"] or done(state):
            return state
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout_s} s; page shows {state}")
        time.sleep(POLL_S)


def _fail_on_dialog(state, when):
    if state["dialogs"]:
        pytest.fail(f"a dialog appeared {when}: {state['dialogs']}"
                    " (\"Select Kernel\" means the notebook lacks its kernelspec metadata)")


def _run_all_cells(page):
    page.locator("#jp-MainMenu .lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-item:has(.lm-Menu-itemLabel:text-is('Run All Cells'))").click()


def _wait_until_finished(page, timeout_s):
    """Idle kernel and no [*] for SETTLED_POLLS polls in a row (a failed cell stops the run)."""
    deadline, settled = time.monotonic() + timeout_s, 0
    while settled < SETTLED_POLLS:
        state = _state(page)
        _fail_on_dialog(state, "while the cells ran")
        busy = (RUNNING in state["prompts"] or state["kernel"] != KERNEL_IDLE
                or state["indicator"] != ["idle"])
        settled = 0 if busy else settled + 1
        if time.monotonic() > deadline:
            pytest.fail(f"Run All Cells still running after {timeout_s} s; prompts "
                        f"{state['prompts']}")
        time.sleep(POLL_S)
    return state


def _save(page, saved_path, ran_after):
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + SAVE_TIMEOUT_S
    while _state(page)["dirty"] or saved_path.stat().st_mtime < ran_after:
        if time.monotonic() > deadline:
            pytest.fail(f"Ctrl+S did not save {saved_path.name} within {SAVE_TIMEOUT_S} s")
        time.sleep(POLL_S)


def _screenshot(page, path):
    """The notebook's last plot (or widget) in view, or where it stands if it has none."""
    last = page.locator(".jp-Notebook .jp-OutputArea-output:has(img), "
                        ".jp-Notebook .jp-OutputArea-output .widget-box").last
    try:
        # Cells out of view are not rendered (content-visibility), so their heights are
        # estimates until they are: scroll, let them render, scroll again to the true spot.
        for _ in range(SCROLL_SETTLE_PASSES if last.count() else 0):
            last.evaluate("element => element.scrollIntoView({block: 'center'})")
            page.wait_for_timeout(SCROLL_SETTLE_MS)
    finally:
        page.screenshot(path=path)


def _saved_problems(saved_path):
    """What the saved notebook says: unrun code cells, error outputs, stderr text, PNG count."""
    cells = json.loads(saved_path.read_text())["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    outputs = [output for cell in code for output in cell["outputs"]]
    return {
        "unrun": [i for i, cell in enumerate(code) if cell["execution_count"] is None],
        "errors": [f"{o['ename']}: {o['evalue']}" for o in outputs if o["output_type"] == "error"],
        "stderr": [o["text"] if isinstance(o["text"], str) else "".join(o["text"])
                   for o in outputs if o["output_type"] == "stream" and o["name"] == "stderr"],
        "pngs": sum("image/png" in o.get("data", {}) for o in outputs),
    }


def test_make_lab_reads_the_course_settings():
    dry_run = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True,
                             timeout=60)
    assert f'JUPYTER_CONFIG_PATH="{ROOT / "jupyter"}' in dry_run.stdout, dry_run.stdout


@pytest.mark.slow
def test_course_settings_turn_off_news_and_update_checks(lab):
    notification = lab.api("GET", "/lab/api/settings/@jupyterlab/apputils-extension:notification")
    defaults = {name: spec.get("default")
                for name, spec in notification["schema"]["properties"].items()}
    assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False
    assert not notification["raw"].strip(" {}"), "the test's user settings must start empty"


def _problems_on_page(state, run):
    """What a finished Run All left on the page: unrun cells, stderr, broken widgets."""
    unrun = [p for p in state["prompts"] if not RAN.match(p)]
    assert not unrun, f"run {run}: code cells left unrun: {unrun}"
    assert not state["stderr"], (
        f"run {run}: text on stderr (a warning or a logged error):\n{state['stderr']}")
    assert not state["widget_errors"], f"run {run}: widgets did not render: {state['widget_errors']}"
    _fail_on_dialog(state, f"after run {run}")
    assert not state["toasts"], f"run {run}: notification toasts: {state['toasts']}"


def _highest_prompt(state):
    return max((int(p[1:-2]) for p in state["prompts"] if RAN.match(p)), default=0)


def _run_all_again(page, after):
    """Run All in the same kernel; return its finished state. `after`: the highest prompt
    number of the run before, so the start is seen even if the first cell is done already."""
    _run_all_cells(page)
    _wait_for(page, lambda s: RUNNING in s["prompts"] or _highest_prompt(s) > after,
              KERNEL_READY_TIMEOUT_S, "the second Run All Cells starting")
    state = _wait_until_finished(page, RUN_ALL_TIMEOUT_S)
    stale = [p for p in state["prompts"] if RAN.match(p) and int(p[1:-2]) <= after]
    assert not stale, f"run 2: code cells not run again (still showing run 1's {stale})"
    return state


@needs_browser
@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_twice_in_jupyterlab(notebook, lab, served_root, page):
    """Open (a fresh kernel), Run All, then Run All again in the same kernel, then save:
    Restart & Run All passing twice in one kernel, as tests/test_notebooks.py asks; that
    test reads this run's saved notebook instead of executing it a third time."""
    relative = f"notebooks/{notebook.name}"
    saved_path = served_root / relative
    started = time.monotonic()
    try:
        page.goto(lab.url(relative, workspace=f"test-{notebook.stem}"))
        state = _wait_for(page, lambda s: s["kernel"] == KERNEL_IDLE and s["prompts"],
                          KERNEL_READY_TIMEOUT_S, f"the status bar showing {KERNEL_IDLE!r}")
        _fail_on_dialog(state, "on opening the notebook")
        _run_all_cells(page)
        _wait_for(page, lambda s: RUNNING in s["prompts"] or s["kernel"] != KERNEL_IDLE
                  or all(RAN.match(p) for p in s["prompts"]), KERNEL_READY_TIMEOUT_S,
                  "Run All Cells starting")
        state = _wait_until_finished(page, RUN_ALL_TIMEOUT_S)
        _problems_on_page(state, 1)
        ran_after = time.time()
        state = _run_all_again(page, _highest_prompt(state))
        _save(page, saved_path, ran_after)
        state = _state(page)
    finally:
        _screenshot(page, SCREENSHOTS / f"{notebook.stem}.png")
    seconds = time.monotonic() - started
    saved = _saved_problems(saved_path)
    print(f"{notebook.stem}: {seconds:.0f} s for two runs, {len(state['prompts'])} code cells, "
          f"{state['images']} images on the page, {saved['pngs']} PNGs saved")

    _problems_on_page(state, 2)
    assert not saved["unrun"], f"code cells left unrun in the saved notebook: {saved['unrun']}"
    assert not saved["errors"], f"error outputs: {saved['errors']}"
    assert not saved["stderr"], f"text on stderr in the saved notebook:\n{saved['stderr']}"
    if notebook.name not in DRAWS_NO_PLOT:
        assert state["images"] and saved["pngs"], (
            f"{notebook.name} drew no plot (page images {state['images']}, saved PNGs "
            f"{saved['pngs']})")
    RAN_TWICE[notebook.name] = saved_path


@needs_browser
@pytest.mark.slow
def test_measure_for_real_draws_in_the_browser(lab, served_root, page):
    """The explorer's button measures on a task after its callback returned: it must draw."""
    import nbformat

    relative = "notebooks/zz_explorer_click.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import course\ncourse.widgets.simulation_explorer(requests=2, delay_s=0.5, mode='async')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nbformat.write(nb, served_root / relative)
    page.goto(lab.url(relative, workspace="test-explorer"))
    _wait_for(page, lambda s: s["kernel"] == KERNEL_IDLE and s["prompts"],
              KERNEL_READY_TIMEOUT_S, f"the status bar showing {KERNEL_IDLE!r}")
    _run_all_cells(page)
    picture = page.locator(".widget-output img").first
    picture.wait_for(timeout=60_000)
    model_src = picture.get_attribute("src")
    page.get_by_role("button", name="Measure for real").click()
    page.get_by_text("measured", exact=False).first.wait_for(timeout=60_000)
    page.wait_for_function(
        "src => { const img = document.querySelector('.widget-output img');"
        " return img && img.getAttribute('src') !== src; }", arg=model_src, timeout=30_000)
    _screenshot(page, SCREENSHOTS / "explorer-measured.png")
    assert not _state(page)["widget_errors"]


def _open_link(page, href_part):
    """Click the first link whose href contains `href_part` in the notebook on show (other
    tabs' notebooks stay in the page, hidden)."""
    link = page.locator(f".jp-NotebookPanel:not(.lm-mod-hidden) .jp-RenderedMarkdown "
                        f"a[href*='{href_part}']").first
    link.scroll_into_view_if_needed(timeout=30_000)
    link.click()


def _current_tab(page):
    return page.locator(".lm-TabBar-tab.jp-mod-current .lm-TabBar-tabLabel").first.text_content()


@needs_browser
@pytest.mark.slow
def test_the_learner_path_from_make_lab_to_an_exercise(browser, tmp_path):
    """`make lab`'s own URL opens the start notebook; its map leads to the last lesson, whose
    "Next: try it yourself" leads to ex01, which
    runs (the untouched exercise: its check says "Not solved yet"); the file browser shows
    notebooks/ and exercises/, the lab serving the course's root."""
    with MakeLab(tmp_path / "course") as lab:
        assert "/lab/tree/notebooks/00_start_here.ipynb" in lab.printed_url, lab.printed_url
        page = browser.new_context(viewport=VIEWPORT).new_page()
        try:
            page.goto(lab.start_url)
            page.wait_for_function("() => document.querySelector('.jp-RenderedMarkdown a')",
                                   timeout=KERNEL_READY_TIMEOUT_S * 1000)
            assert _current_tab(page) == "00_start_here.ipynb"
            page.locator(".jp-BreadCrumbs-home").first.click()  # the server's root folder
            page.locator(".jp-DirListing-itemText", has_text="exercises").first.wait_for()
            listing = page.locator(".jp-DirListing-itemText").all_text_contents()
            assert {"notebooks", "exercises"} <= set(listing), listing
            last = LAST_LESSON.name  # its navigation cell links to the first exercise
            _open_link(page, last)
            page.wait_for_function("name => [...document.querySelectorAll("
                                   "'.lm-TabBar-tab.jp-mod-current')].some(t => "
                                   "t.textContent.includes(name))", arg=LAST_LESSON.stem,
                                   timeout=60_000)
            _open_link(page, "exercises/ex01_async_sleep.ipynb")
            page.wait_for_function("() => [...document.querySelectorAll("
                                   "'.lm-TabBar-tab.jp-mod-current')].some(t => "
                                   "t.textContent.includes('ex01_async_sleep'))", timeout=60_000)
            _wait_for(page, lambda s: KERNEL_IDLE in s["kernel"] and s["prompts"],
                      KERNEL_READY_TIMEOUT_S, "ex01's kernel starting")
            _run_all_cells(page)
            page.get_by_text("Not solved yet", exact=False).first.wait_for(timeout=120_000)
            _screenshot(page, SCREENSHOTS / "learner-path-ex01.png")
            _open_link(page, "notebooks/00_start_here.ipynb")  # ex01's "Back to the start"
            page.wait_for_function("() => document.querySelector('.lm-TabBar-tab.jp-mod-current')"
                                   ".textContent.includes('00_start_here')", timeout=60_000)
        finally:
            page.context.close()
