"""The gate on pip-audit's findings (deploy/supply-chain/report.sh runs it): fails on a known
vulnerability of a locked dependency unless deploy/supply-chain/accepted-risks.txt accepts
it — by its advisory id or any alias (a CVE accepts the GHSA that names it) — until a date
not yet past. An entry without a date or past it fails as well: decide again. Packages
pip-audit could not audit (no answer from the vulnerability service) are a warning.

    python tools/audit_gate.py pip-audit.json accepted-risks.txt [--today YYYY-MM-DD]

Reads pip-audit's JSON report (`--format json --aliases on`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ADVISORY = re.compile(r"^(PYSEC|GHSA|CVE)-\S+$")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class GateError(Exception):
    """The report or the list of accepted risks cannot be read."""


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    advisory: str
    aliases: tuple[str, ...]
    fixed_in: tuple[str, ...]

    def describe(self) -> str:
        names = self.advisory + (f" ({', '.join(self.aliases)})" if self.aliases else "")
        fix = f"fixed in {', '.join(self.fixed_in)}" if self.fixed_in else "no fixed version"
        return f"{self.package} {self.version}: {names}, {fix}"


@dataclass
class Verdict:
    unaccepted: list[Finding] = field(default_factory=list)
    accepted: list[Finding] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)  # entries without a date or past it
    audited: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (package, reason)

    @property
    def passed(self) -> bool:
        return not self.unaccepted and not self.expired

    def lines(self) -> list[str]:
        said = [
            f"pip-audit: {self.audited} of {self.audited + len(self.skipped)} locked packages "
            f"audited, {len(self.unaccepted) + len(self.accepted)} known vulnerabilities, "
            f"{len(self.accepted)} of them accepted"
        ]
        said += [f"  NOT ACCEPTED {finding.describe()}" for finding in self.unaccepted]
        said += [f"  accepted {finding.describe()}" for finding in self.accepted]
        if self.expired:
            said.append(f"accepted risks without a date or past it: {' '.join(self.expired)}")
        if self.skipped:
            # The vulnerability service (PyPI's JSON API or OSV) did not answer for these.
            said.append(
                f"pip-audit WARNING: {len(self.skipped)} packages could NOT be audited: "
                f"{self.skipped[0][1]}"
            )
        return said


def read_accepted(text: str, today: date) -> tuple[set[str], list[str]]:
    """(advisory ids accepted today, entries without a date or past it)."""
    accepted: set[str] = set()
    expired: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        advisory, _, reason = line.strip().partition(" ")
        if not ADVISORY.match(advisory):
            raise GateError(f"accepted-risks line {number}: {advisory!r} is no advisory id")
        dates = DATE.findall(reason)
        try:
            until = date.fromisoformat(dates[-1]) if dates else None
        except ValueError:
            raise GateError(f"accepted-risks line {number}: {dates[-1]} is no date") from None
        if until is None or until < today:
            expired.append(advisory)
        else:
            accepted.add(advisory)
    return accepted, expired


def judge(report: dict[str, Any], accepted_text: str, today: date) -> Verdict:
    accepted, expired = read_accepted(accepted_text, today)
    verdict = Verdict(expired=expired)
    try:
        dependencies = report["dependencies"]
        for dependency in dependencies:
            if dependency.get("skip_reason"):
                verdict.skipped.append((dependency["name"], dependency["skip_reason"]))
                continue
            verdict.audited += 1
            package, version = dependency["name"], dependency["version"]
            for vuln in dependency["vulns"]:
                finding = Finding(
                    package=package,
                    version=version,
                    advisory=vuln["id"],
                    aliases=tuple(vuln.get("aliases", [])),
                    fixed_in=tuple(vuln.get("fix_versions", [])),
                )
                if {finding.advisory, *finding.aliases} & accepted:
                    verdict.accepted.append(finding)
                else:
                    verdict.unaccepted.append(finding)
    except (KeyError, TypeError, AttributeError) as exc:
        raise GateError(f"not a pip-audit JSON report ({type(exc).__name__}: {exc})") from None
    return verdict


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("report", type=Path, help="pip-audit --format json --aliases on")
    parser.add_argument("accepted", type=Path, help="deploy/supply-chain/accepted-risks.txt")
    parser.add_argument("--today", type=date.fromisoformat, default=datetime.now(UTC).date())
    options = parser.parse_args(argv)
    try:
        try:
            report = json.loads(options.report.read_text())
        except (OSError, ValueError) as exc:
            raise GateError(f"no pip-audit report at {options.report}: {exc}") from None
        try:
            accepted_text = options.accepted.read_text()
        except OSError as exc:
            raise GateError(f"no list of accepted risks at {options.accepted}: {exc}") from None
        verdict = judge(report, accepted_text, options.today)
    except GateError as exc:
        print(f"pip-audit gate: {exc}", file=sys.stderr)
        return 1
    out = sys.stdout if verdict.passed else sys.stderr
    for line in verdict.lines():
        print(line, file=out)
    if not verdict.passed:
        print("pip-audit: known vulnerabilities without an accepted risk (see above)", file=out)
    return 0 if verdict.passed else 1


if __name__ == "__main__":
    sys.exit(main())
