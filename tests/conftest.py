"""Test-session rules: in CI (``CI`` set) a skipped test fails the run."""
import os


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") and skipped:
        reporter.write_line(f"CI: {skipped} test(s) were skipped; nothing may be skipped in CI",
                            red=True)
        session.exitstatus = 1
