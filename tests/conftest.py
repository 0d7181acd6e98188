"""Suite-wide test settings: hypothesis profiles.

Profiles: "ci" (chosen when the CI environment variable is set) and "dev" (the
default), both without deadlines (a first call may build caches or start the
thread pool) and with modest example counts so the whole suite stays fast;
"thorough" runs many more examples. ``HYPOTHESIS_PROFILE=<name>`` picks one
explicitly. Tests that set ``@settings(max_examples=...)`` keep their own count.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

settings.register_profile("ci", max_examples=60, **_COMMON)
settings.register_profile("dev", max_examples=40, **_COMMON)
settings.register_profile("thorough", max_examples=1000, **_COMMON)

_default = "ci" if os.environ.get("CI") else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default))
