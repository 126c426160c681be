"""Test-suite wide settings: a hypothesis profile that tolerates a loaded 2-core CI machine."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "rfsrules", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("rfsrules")
