"""Each top-level command's one-line help, so that `dtoa --help` lists the commands without
importing them (they bring in SQLAlchemy, the models and the rules: seconds at start).

`tests/test_cli_start.py` checks this table against the commands themselves: a command added,
renamed or re-worded without its line here fails there."""

from __future__ import annotations

SHORT_HELP: dict[str, str] = {
    'attendance': 'Assessment outcomes reported by providers.',
    'audit': 'The audit trail.',
    'authorities': (
        "Inspectors' authorities recorded without the inspector's name (PACE 1984 s.63C)."),
    'chase-list': 'Appointments whose outcome the provider has not reported in time, by provider.',
    'db': "The database schema: which revision it is at, and bringing it to this version's.",
    'demo': (
        'The Basingstoke pilot quarter (Oct-Dec 2022) through the real pipeline, night by night, '
        'on a synthetic population; prints the funnel and where the letters and reports are.'),
    'export': 'Write CSV exports.',
    'ingest': 'Take in CSV extracts (detentions, tests).',
    'init': (
        'Make a working folder (FOLDER, else the one --config or DTOA_CONFIG names, else the '
        'current folder): config.toml copied from the shipped default, the database, and inbox/, '
        'outbox/, processed/, reports/ and quarantine/ beside it.'),
    'law': (
        'What is in force on a date: trigger offences, specified drugs, the test panel, samples '
        "allowed, and each suite's notifications (PACE 1984 s.63B), with their sources."),
    'letters': 'Referral letters to providers and change notices (RA2) to people.',
    'notifications': 'Emails to providers and reminders to people: the outbox.',
    'prosecutions': (
        'Prosecution cases for failing to attend or remain (Drugs Act 2005 ss.12, 14).'),
    'record-test': (
        'Record one test outcome at the custody desk, checked exactly as an extract row is.'),
    'referrals': 'Referrals: requirements to attend assessment served (Drugs Act 2005 ss.9-10).',
    'report': 'Funnel figures and weekly reports for inspectors.',
    'require-assessment': (
        'Impose the requirement to attend assessment after a positive test, while the person is '
        'in police detention: book an offered session, record who served it and when, and write '
        'the notice (RA1) to print and hand over before release.'),
    'requirements': 'Requirements to attend assessment at the custody desk.',
    'retention': (
        'Delete or anonymise what is past its retention period ([retention] in config.toml; DPA '
        '2018 s.39), as the nightly run does; each kind is audited with counts only.'),
    'run': 'Run a scheduled pipeline once (for cron users).',
    'scheduler': 'Run the nightly and weekly jobs on schedule until stopped.',
    'serve': 'Run the web application on the configured database.',
    'status': (
        'The database and its schema revision, the last nightly and weekly runs and how they '
        'ended, files waiting in the inbox, and each file in quarantine with when and why it '
        'was set aside.'),
    'subject-access': (
        'Everything held about one person (DPA 2018 s.45), as JSON and a readable PDF, in a new '
        'folder that this command names.'),
    'sweep': (
        'Mark overdue outcomes, open prosecution cases for failures, flag cases near their limit.'),
    'tests': 'Drug test follow-up: confirmatory laboratory results.',
    'tokens': 'API tokens for custody, provider and reporting systems.',
    'users': 'Web accounts.',
}
