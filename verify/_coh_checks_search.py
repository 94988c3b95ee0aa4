"""The §2 claims decided by the generic witness search (:mod:`verify._coh_search`): one registration each.

Each checker hands the claim — its statement bound by the reading, and the witness space it
declares — to the same search; the reading names the batch model of the exact operators.
"""

from __future__ import annotations

import numpy as np

from derivations import Claim

from ._coh_search import search_checks
from ._engine import Level, register_check
from ._results import CheckResult

__all__: list[str] = []

#: Claims whose readings are batch models (the reading is passed to the operators as the batch model).
SAMPLING_CLAIMS = ("dexter2024.thm1", "chang2025.rp.divergence", "chang2025.rp.speed", "chang2025.rp.bounded",
                   "chang2025.sam.trace_bound", "chang2025.sam.divergence", "chang2025.sam.convergence")


def _sampling_search(claim: Claim, reading: str, level: Level, ss: np.random.SeedSequence) -> list[CheckResult]:
    return search_checks(claim, reading, level, ss, batch=reading)


def _family_search(claim: Claim, reading: str, level: Level, ss: np.random.SeedSequence) -> list[CheckResult]:
    return search_checks(claim, reading, level, ss, batch=None)


for _cid in SAMPLING_CLAIMS:
    register_check(_cid, methods=("exact",))(_sampling_search)
register_check("dexter2024.coherence.range", methods=("exact",))(_family_search)
