"""The benchmark's scale section: the same night on one and on five years of history (the ratio
is the headline), each nightly step's peak memory, the three web pages' latency against the
real server on the five-year database, and `dtoa --help`'s start time; every target printed
with its figure and whether it is met."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from bench import night_scale, pages

NIGHT_RATIO_TARGET = 1.2  # five years / one year, the same night
NIGHT_MEMORY_MB = 500.0
INSPECTOR_P95_MS, OTHER_P95_MS = 150.0, 50.0
HELP_TARGET_S = 0.5


def measure(workdir: Path, histories: dict[str, str], night_rows: int, week: date,
            step: Callable[..., dict], save: Callable[[str, dict], None]) -> None:
    """`histories`: {"one_year": url, "five_years": url}, each a database holding that much
    history up to the night. The night's extracts are generated once and copied to each."""
    extract = workdir / "scale_night"
    save("scale_generate_night", step("generate", folder=extract, rows=night_rows,
                                      start=night_scale.NIGHT,
                                      end=night_scale.NIGHT + timedelta(days=1)))
    nights = {}
    for label, url in histories.items():
        folder = workdir / f"scale_{label}"
        shutil.rmtree(folder, ignore_errors=True)
        for kind in ("detentions", "tests"):
            (folder / "inbox" / kind).mkdir(parents=True)
            shutil.copy(extract / f"{kind}.csv", folder / "inbox" / kind / f"{kind}.csv")
        nights[label] = night_scale.one_night(folder, url)
        save("scale_nights", nights)
    save("scale_pages", pages.latency(workdir / "scale_five_years", histories["five_years"],
                                      week))
    save("scale_help", night_scale.run("help_start"))


def rows(results: dict) -> list[tuple]:
    """Table rows in `bench.report`'s columns: measure, project, yardstick, ratio, target,
    met, peak MB."""
    out = []
    nights = results.get("scale_nights", {})
    one, five = nights.get("one_year"), nights.get("five_years")
    if one and five:
        ratio = five["seconds"] / one["seconds"] if one["seconds"] else 0.0
        out.append(("nightly, same night, 5 years / 1 year", f"{five['seconds']:.2f} s",
                    f"{one['seconds']:.2f} s", f"{ratio:.2f}", f"<= {NIGHT_RATIO_TARGET}",
                    _yes(ratio <= NIGHT_RATIO_TARGET), f"{five['peak_mb']:.0f}"))
        peak = max(one["peak_mb"], five["peak_mb"])
        out.append(("nightly peak memory (largest step)", f"{peak:.0f} MB", "", "",
                    f"< {NIGHT_MEMORY_MB:.0f} MB", _yes(peak < NIGHT_MEMORY_MB), ""))
        for name, timing in five["steps"].items():
            base = one["steps"][name]
            out.append((f"  step {name} (5y | 1y)", f"{timing['seconds']:.2f} s",
                        f"{base['seconds']:.2f} s", _ratio(timing, base), "", "",
                        f"{timing['peak_mb']:.0f} | {base['peak_mb']:.0f}"))
    for name, figures in results.get("scale_pages", {}).items():
        target = INSPECTOR_P95_MS if name.startswith("inspector") else OTHER_P95_MS
        out.append((f"page {name.replace('_', ' ')} p95", f"{figures['p95_ms']:.0f} ms",
                    f"p50 {figures['p50_ms']:.0f} ms", "", f"< {target:.0f} ms",
                    _yes(figures["p95_ms"] < target), ""))
    if "scale_help" in results:
        help_ = results["scale_help"]
        out.append(("dtoa --help start (median)", f"{help_['median_s']:.2f} s",
                    f"best {help_['best_s']:.2f} s", "", f"< {HELP_TARGET_S} s",
                    _yes(help_["median_s"] < HELP_TARGET_S), f"{help_['child_peak_mb']:.0f}"))
    return out


def _ratio(a: dict, b: dict) -> str:
    return f"{a['seconds'] / b['seconds']:.2f}" if b["seconds"] > 0.005 else ""


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"
