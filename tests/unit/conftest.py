"""Hypothesis settings for the property tests (``test_properties_*.py``).

The suite runs a modest number of examples per property so the unit tests stay quick;
``bench/fuzz_parsers.py`` runs the same properties with a large budget. No deadline here:
the machine is shared and slow, and timing goals belong in ``bench/``. No example
database: a run leaves no files behind.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "suite",
    max_examples=int(os.environ.get("GRANTFLOW_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("suite")
