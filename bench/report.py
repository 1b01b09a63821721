"""The benchmark's table: each measure, the project's figure, the yardstick, the target and
whether it was met, and the peak memory of the process that measured it."""

from __future__ import annotations

from bench import scale

# Issue 13: ingest at least 0.6 of the raw baseline on SQLite, 0.8 on PostgreSQL; its peak
# memory under 400 MB whatever the file size.
INGEST_RATIO_TARGETS = {"sqlite": 0.6, "postgresql": 0.8}
INGEST_MEMORY_TARGET_MB = 400.0
NIGHTLY_TARGET_S = 60.0
FUNNEL_TARGET_S = 1.0
FULL_SIZE = 1_000_000


def render(results: dict) -> str:
    lines = [f"dtoa benchmark: {results.get('database')}, scale {results.get('scale')} "
             f"({results['rows']:,} detentions a year)", ""]
    header = ("measure", "project", "yardstick", "ratio", "target", "met", "peak MB")
    table = [header] + [tuple(str(c) for c in row) for row in rows(results)]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for n, row in enumerate(table):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def rows(results: dict) -> list[tuple]:
    out = []
    ingest, base = results["ingest"], results["baseline"]
    mine, theirs = _rate(ingest), _rate(base)
    ratio = mine / theirs if theirs else 0.0
    target = INGEST_RATIO_TARGETS.get(results.get("database"), 0.6)
    out.append(("ingest rows/s (detentions + tests)", f"{mine:,.0f}", f"{theirs:,.0f} raw",
                f"{ratio:.2f}", f">= {target:.2f}", _yes(ratio >= target), _mb(ingest)))
    full = results["rows"] >= FULL_SIZE
    out.append(("ingest peak memory", f"{ingest['peak_mb']:.0f} MB", "", "",
                f"< {INGEST_MEMORY_TARGET_MB:.0f} MB",
                _yes(ingest["peak_mb"] < INGEST_MEMORY_TARGET_MB) if full
                else "n/a (not 1M rows)", _mb(ingest)))
    out.append(("raw baseline", f"{base['seconds']:.1f} s", "", "", "", "", _mb(base)))
    if "nightly" in results:
        out.extend(_nightly(results["nightly"]))
    else:
        out.append(("nightly pipeline, one night on a year", "skipped", "", "", "", "", ""))
    if "funnel" in results:
        out.extend(_funnel(results))
    else:
        out.append(("weekly funnel (five years)", "skipped", "", "", "", "", ""))
    out.extend(scale.rows(results))
    for name in ("generate_year", "generate_night", "generate_five_years"):
        if name in results:
            out.append((f"{name.replace('_', ' ')} (setup)", "", "", "", "", "",
                        _mb(results[name])))
    return out


def _nightly(night: dict) -> list[tuple]:
    out = [("nightly pipeline, one night on a year", f"{night['seconds']:.1f} s", "", "",
            f"< {NIGHTLY_TARGET_S:.0f} s",
            _yes(night["seconds"] < NIGHTLY_TARGET_S) + (" (partial)" if night["pending"]
                                                        else ""), _mb(night))]
    for name, timing in night["steps"].items():
        out.append((f"  step {name}", f"{timing['seconds']:.2f} s", "", "", "", "", ""))
    out.extend((f"  step {name}", "pending (not merged)", "", "", "", "", "")
               for name in night["pending"])
    return out


def _funnel(results: dict) -> list[tuple]:
    funnel = results["funnel"]
    history = results["history_ingest"]
    out = [("five-year history ingest rows/s", f"{_rate(history):,.0f}",
            f"{funnel['history_detentions']:,} detentions", "", "", "", _mb(history))]
    for label in ("one_suite", "all_suites"):
        sql = funnel[f"sql_{label}_seconds"]
        name = f"weekly funnel, {label.replace('_', ' ')}"
        if funnel.get("library") == "pending":
            out.append((name, "pending (reports branch)", f"{sql:.3f} s SQL", "",
                        f"< {FUNNEL_TARGET_S:.0f} s", "", _mb(funnel)))
            continue
        mine = funnel[f"lib_{label}_seconds"]
        out.append((name, f"{mine:.3f} s", f"{sql:.3f} s SQL", f"{mine / sql:.2f}" if sql else "",
                    f"< {FUNNEL_TARGET_S:.0f} s",
                    _yes(mine < FUNNEL_TARGET_S) + ("" if funnel[f"agree_{label}"]
                                                    else " (FIGURES DIFFER)"), _mb(funnel)))
    return out


def _rate(step: dict) -> float:
    return step["rows"] / step["seconds"] if step["seconds"] else 0.0


def _mb(step: dict) -> str:
    return f"{step['peak_mb']:.0f}"


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"
