#!/usr/bin/python3
"""The trace viewer in a real browser: `brook sim replay --html` pages loaded in headless Chromium.

For a failing seed of the negative scenario, the page must load without a script error, draw a
lane for every node and client, and mark the checker's violation with its message. For a
passing seed, it must say passed and mark no violation. The page's script reports what it drew
in <div id="status" data-ready="1" data-errors="0" data-lanes=...>, which --dump-dom shows; with
#selftest in the URL it also drives its own controls (zoom, pan, hover, click, filters) and
reports data-selftest="ok".

usage: trace_viewer_test.py path/to/brook
"""
import html.parser
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BROOK = sys.argv[1]
DEADLINE = time.monotonic() + 120  # the whole test, hard bound
FAILING = ("counter-ack-before-sync", 1)  # acknowledges before fsync: must fail
PASSING = ("counter", 1)


def remaining(cap):
    left = DEADLINE - time.monotonic()
    if left <= 1:
        raise AssertionError("the test ran out of its 120 s budget")
    return min(cap, left)


def run(args, cap, env=None):
    """Runs a command in its own process group; on timeout the whole group is killed."""
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=env, start_new_session=True)
    try:
        out, err = process.communicate(timeout=remaining(cap))
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError(f"timed out: {' '.join(args)}")
    finally:
        try:  # Chromium's helpers, if any outlived it
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return process.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise AssertionError("chromium is not installed (tools/setup.sh installs Debian's chromium)")


def chromium(browser, root, url, *extra):
    profile = tempfile.mkdtemp(prefix="profile-", dir=root)
    args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={profile}", "--virtual-time-budget=5000",
            *extra, url]
    env = dict(os.environ, HOME=root)  # keep Chromium's caches out of the real home
    code, out, err = run(args, 60, env)
    if code != 0:
        raise AssertionError(f"chromium exited {code}: {err[-2000:]}")
    return out


class Page(html.parser.HTMLParser):
    """What the test needs from the dumped DOM."""

    def __init__(self, text):
        super().__init__()
        self.status = None
        self.lanes = []
        self.ids = {}
        self._capture = []  # (id, depth) of elements whose text we collect
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id") == "status":
            self.status = attrs
        if "lane" in (attrs.get("class") or "").split() and "data-actor" in attrs:
            self.lanes.append(attrs["data-actor"])
        if attrs.get("id") in ("violation", "verdict-passed", "summary-verdict"):
            self.ids[attrs["id"]] = ""
            self._capture.append(attrs["id"])

    def handle_endtag(self, tag):
        if self._capture and tag in ("div", "dd"):
            self._capture.pop()

    def handle_data(self, data):
        for name in self._capture:
            self.ids[name] += data


def replay_html(root, scenario, seed, expected_code):
    page = os.path.join(root, f"{scenario}-{seed}.html")
    code, out, err = run([BROOK, "sim", "replay", "--scenario", scenario, "--seed", str(seed),
                          "--html", page], 60)
    if code != expected_code:
        raise AssertionError(f"replay {scenario} seed {seed} exited {code}, expected "
                             f"{expected_code}:\n{out}\n{err}")
    results = [line[len("result="):] for line in out.splitlines() if line.startswith("result=")]
    return page, results[0] if results else ""


def load(browser, root, page, fragment=""):
    dom = chromium(browser, root, "file://" + page + fragment, "--dump-dom")
    parsed = Page(dom)
    status = parsed.status
    if status is None:
        raise AssertionError("no #status element in the dumped DOM")
    if status.get("data-errors") != "0":
        raise AssertionError(f"script errors: {status.get('data-error-messages')}")
    if status.get("data-ready") != "1":
        raise AssertionError(f"the page did not finish drawing: {status}")
    return parsed


def check_failing(browser, root):
    scenario, seed = FAILING
    page, failure = replay_html(root, scenario, seed, 1)
    assert failure, "the negative scenario's replay printed no result= line"
    parsed = load(browser, root, page)
    lanes = parsed.lanes
    for node in ("n1", "n2", "n3"):
        assert node in lanes, f"no lane for {node}: {lanes}"
    assert any(lane.startswith("c") and lane[1:].isdigit() for lane in lanes), \
        f"no client lane: {lanes}"
    assert parsed.status.get("data-lanes") == str(len(lanes)), (parsed.status, lanes)
    assert int(parsed.status.get("data-events", "0")) > 1000, parsed.status
    assert int(parsed.status.get("data-arrows", "0")) > 100, parsed.status
    assert parsed.status.get("data-violation") == "1", parsed.status
    assert parsed.status.get("data-violation-drawn") == "1", parsed.status
    assert parsed.status.get("data-verdict") == "correctness", parsed.status
    assert "violation" in parsed.ids, "no #violation banner"
    assert failure in parsed.ids["violation"], (failure, parsed.ids["violation"])
    print(f"failing seed: {len(lanes)} lanes {lanes}, {parsed.status['data-events']} events, "
          f"violation shown: {failure}")

    # The controls, driven by the page's own self test: wheel, drag, hover, click, filters.
    driven = load(browser, root, page, "#selftest")
    assert driven.status.get("data-selftest") == "ok", driven.status.get("data-selftest")

    # The same page at a realistic size renders to a screenshot (look at it when changing the
    # viewer: run this script with KEEP_SCREENSHOT=path.png).
    shot = os.environ.get("KEEP_SCREENSHOT") or os.path.join(root, "viewer.png")
    chromium(browser, root, "file://" + page, f"--screenshot={shot}", "--window-size=1400,900")
    size = os.path.getsize(shot)
    assert size > 20_000, f"the screenshot is suspiciously small ({size} bytes)"


def check_passing(browser, root):
    scenario, seed = PASSING
    page, _ = replay_html(root, scenario, seed, 0)
    parsed = load(browser, root, page, "#selftest")
    assert parsed.status.get("data-selftest") == "ok", parsed.status.get("data-selftest")
    assert parsed.status.get("data-violation") == "0", parsed.status
    assert parsed.status.get("data-verdict") == "passed", parsed.status
    assert "violation" not in parsed.ids, "a passing seed shows a violation banner"
    assert "verdict-passed" in parsed.ids, "a passing seed does not say it passed"
    for node in ("n1", "n2", "n3"):
        assert node in parsed.lanes, f"no lane for {node}: {parsed.lanes}"
    print(f"passing seed: {parsed.status['data-events']} events, no violation")


def main():
    browser = find_chromium()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="brook-viewer-") as root:
        check_failing(browser, root)
        check_passing(browser, root)
    print(f"trace viewer: ok in {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()
