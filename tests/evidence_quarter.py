"""A hand-made quarter (April to June 2023) for the evidence reports' tests, built through the
CLI as users would: two forces, three suites (Aldershot added to the shipped config, with
in-custody assessment sessions at Basingstoke), 25 detentions, requirements served at the desk
in custody or in the community, outcomes recorded by the provider. Every expected figure in
tests/test_home_office_return.py and tests/test_evaluation_report.py is worked out by hand
from the table below."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dtoa.clock import FixedClock
from dtoa.testing import detention_row, sample_row, write_csv

LONDON = ZoneInfo("Europe/London")
HAMPSHIRE = "Hampshire and Isle of Wight Constabulary"
THAMES_VALLEY = "Thames Valley Police"

ALDERSHOT = """
[[suites]]
code = "ALDERSHOT"
name = "Aldershot custody"
force = "Hampshire and Isle of Wight Constabulary"
notifications = [
  { condition = "arrest", from = 2022-10-01 },
  { condition = "charge", from = 2022-10-01 },
]
default_provider = "NHRS"
reference_prefix = "ALD"
"""
# North Hampshire's worker in the Basingstoke suite: weekdays at 14:00, three places.
IN_CUSTODY = "".join(f'  {{ weekday = "{d}", time = "14:00", capacity = 3, setting = "custody", '
                     f'suite = "BASINGSTOKE" }},\n' for d in ("mon", "tue", "wed", "thu", "fri"))
LAST_NHRS = '  { weekday = "fri", time = "10:00", capacity = 3 },\n'

# suite, custody ref, person, arrested, sample taken (local times), result: c cocaine,
# o opiates, co both, - negative, refused; then extra detention columns.
ASSAULT_AUTHORISED = {"offence_codes": "ASSAULT", "inspector_authorised": "true",
                      "authorising_inspector": "Insp 4021"}
ASSAULT_UNNAMED = {"offence_codes": "ASSAULT", "inspector_authorised": "true",
                   "authorising_inspector": ""}
DETENTIONS = [
    ("BASINGSTOKE", "B01", "PA", "2023-04-04T09:00", "2023-04-04T10:00", "c", {}),
    ("BASINGSTOKE", "B02", "PA", "2023-04-18T09:00", "2023-04-18T10:00", "c", {}),
    ("BASINGSTOKE", "B03", "PA", "2023-05-16T09:00", "2023-05-16T10:00", "-", {}),
    ("BASINGSTOKE", "B04", "PB", "2023-04-05T09:00", "2023-04-05T10:00", "-", {}),
    ("BASINGSTOKE", "B05", "PB", "2023-04-12T09:00", "2023-04-12T10:00", "co", {}),
    ("BASINGSTOKE", "B06", "PC", "2023-04-13T16:00", "2023-04-13T17:00", "o", {}),
    ("BASINGSTOKE", "B07", "PC", "2023-06-01T09:00", "2023-06-01T10:00", "-", {}),
    ("BASINGSTOKE", "B08", "PD", "2023-04-03T12:00", "2023-04-03T13:00", "-", {}),
    ("BASINGSTOKE", "B09", "P09", "2023-04-24T09:00", "2023-04-24T10:00", "c", {}),
    ("BASINGSTOKE", "B10", "P10", "2023-04-24T09:30", "2023-04-24T10:30", "c", {}),
    ("BASINGSTOKE", "B11", "P11", "2023-04-26T13:00", "2023-04-26T14:00", "o",
     ASSAULT_AUTHORISED),
    ("BASINGSTOKE", "B12", "P12", "2023-04-28T15:00", "2023-04-28T16:00", "c", {}),
    ("BASINGSTOKE", "B13", "P13", "2023-05-02T15:00", "2023-05-02T16:00", "c", {}),
    ("BASINGSTOKE", "B14", "P14", "2023-05-05T15:00", "2023-05-05T16:00", "c", {}),
    ("BASINGSTOKE", "B15", "P15", "2023-06-26T15:00", "2023-06-26T16:00", "c", {}),
    ("BASINGSTOKE", "B16", "P16", "2023-05-22T09:00", "2023-05-22T10:00", "-", ASSAULT_UNNAMED),
    ("BASINGSTOKE", "B17", "P17", "2023-05-23T09:00", "2023-05-23T10:00", "refused", {}),
    ("BASINGSTOKE", "B18", "P18", "2023-03-31T23:40", "2023-04-01T00:20", "-", {}),
    ("BASINGSTOKE", "B19", "P19", "2023-06-30T23:30", "2023-07-01T00:30", "c", {}),
    ("BASINGSTOKE", "B20", "P20", "2023-06-05T08:00", "2023-06-05T08:30", "c", {}),
    ("BASINGSTOKE", "B21", "PF", "2023-06-07T09:00", "2023-06-07T10:00", "-", {}),
    ("ALDERSHOT", "A01", "PF", "2023-06-13T09:00", "2023-06-13T10:00", "-", {}),
    ("MILTON_KEYNES", "M01", "PD", "2023-04-04T12:00", "2023-04-04T13:00", "c",
     {"home_area": "Milton Keynes"}),
    ("MILTON_KEYNES", "M02", "PE", "2023-04-05T12:00", "2023-04-05T13:00", "-",
     {"home_area": "Milton Keynes"}),
    ("MILTON_KEYNES", "M03", "PE", "2023-05-10T12:00", "2023-05-10T13:00", "-",
     {"home_area": "Milton Keynes"}),
]
# Requirements served at the Basingstoke desk a quarter of an hour after the sample: the
# first session offered (in custody when one is free by 6 hours after serving), or the one
# chosen. B19's sample falls in July; its requirement is not served here.
SERVED = [("B01", ()), ("B02", ()), ("B05", ()), ("B06", ()), ("B09", ()), ("B10", ()),
          ("B11", ()), ("B12", ()), ("B13", ()), ("B14", ("--session", "2023-05-11T10:00")),
          ("B15", ()), ("B20", ("--community", "--session", "2023-06-06T10:00"))]
# What the provider reported of each initial assessment (B15's is still to come).
OUTCOMES = [("B01", "attended", "2023-04-04T15:00"), ("B02", "failed_to_attend",
                                                      "2023-04-18T14:30"),
            ("B05", "attended", "2023-04-12T15:00"), ("B09", "attended", "2023-04-24T15:00"),
            ("B10", "attended", "2023-04-24T15:00"), ("B06", "attended", "2023-04-17T11:00"),
            ("B11", "failed_to_attend", "2023-04-28T10:30"),
            ("B12", "failed_to_attend", "2023-05-02T10:30"),
            ("B13", "failed_to_attend", "2023-05-04T10:30"), ("B13", "good_cause",
                                                              "2023-05-05T09:00"),
            ("B14", "attended", "2023-05-11T11:00"), ("B20", "attended", "2023-06-06T11:00")]


def cli_clock() -> FixedClock:
    """The CLI's clock: Monday 10 July 2023 at noon, after the quarter."""
    return FixedClock(datetime(2023, 7, 10, 12, tzinfo=LONDON).astimezone(UTC))


def configure(config_file) -> None:  # noqa: ANN001
    """The shipped config with Aldershot (Hampshire) and in-custody sessions at Basingstoke."""
    text = config_file.read_text(encoding="utf-8")
    assert LAST_NHRS in text and 'reference_prefix = "BAS"\n' in text
    text = text.replace(LAST_NHRS, LAST_NHRS + IN_CUSTODY, 1)
    text = text.replace('reference_prefix = "BAS"\n', 'reference_prefix = "BAS"\n' + ALDERSHOT,
                        1)
    config_file.write_text(text, encoding="utf-8")


def _result(code: str) -> dict:
    if code == "refused":
        return {"outcome": "refused", "cocaine": "", "opiates": ""}
    return {"outcome": "tested", "cocaine": "positive" if "c" in code else "negative",
            "opiates": "positive" if "o" in code else "negative"}


def build(dtoa, config_file, folder) -> None:  # noqa: ANN001
    configure(config_file)
    detentions = [detention_row(suite=s, custody_ref=ref, person_ref=person, arrested_at=at,
                                **extra) for s, ref, person, at, _, _, extra in DETENTIONS]
    tests = [sample_row(suite=s, custody_ref=ref, tested_at=tested, **_result(code))
             for s, ref, _, _, tested, code, _ in DETENTIONS]
    dtoa("ingest", "detentions", write_csv(folder / "detentions.csv", detentions))
    dtoa("ingest", "tests", write_csv(folder / "tests.csv", tests))
    tested = {ref: at for _, ref, _, _, at, _, _ in DETENTIONS}
    for ref, options in SERVED:
        served = datetime.fromisoformat(tested[ref]) + timedelta(minutes=15)
        dtoa("require-assessment", "--suite", "BASINGSTOKE", "--custody-ref", ref, "--officer",
             "PC 1234", "--at", served.isoformat(), *options)
    for ref, outcome, at in OUTCOMES:
        follow = ("--no-follow-up-required",) if outcome == "attended" else ()
        dtoa("attendance", "record", "--suite", "BASINGSTOKE", "--custody-ref", ref,
             "--assessment", "initial", "--outcome", outcome, "--outcome-at", at, *follow,
             "--by", "NHRS")
