"""Evidence for commissioners and the Home Office: the quarterly Home Office return
(`returns`, figures in `home_office`) and the evaluation report (`evaluation_report`, figures
in `evaluation`): in-custody assessment against the community, repeat testers, time to
assessment and positivity, with 95% intervals (`stats`) and disclosure control
(`disclosure`, `dtoa.rules.publish`)."""

from dtoa.evidence.evaluation_report import build_evaluation, write_evaluation
from dtoa.evidence.returns import build_return, write_return

__all__ = ["build_evaluation", "build_return", "write_evaluation", "write_return"]
